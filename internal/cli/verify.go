package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/orders-dev/orders/internal/config"
	"github.com/orders-dev/orders/internal/invoke"
	"github.com/orders-dev/orders/internal/pipeline"
	"github.com/orders-dev/orders/internal/ui"
	"github.com/orders-dev/orders/internal/verify"
)

func newVerifyCmd(a *app) *cobra.Command {
	var (
		orderID string
		wait    time.Duration
	)
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Prove the pipeline: configuration, least privilege and a live probe",
		Long: `verify checks the stack and prints one line per check, ✓ or ✗ and why, as each finishes:

  resources       every resource exists and is configured as up makes it (any drift named)
  least privilege the role's policies are exactly the template, linted (no wildcards, no
                  extra actions or statements, no managed policies) and simulated (the
                  function's calls allowed, a list of calls it must never make denied)
  probe           two orders with fresh ids, one above the threshold and one at it, sent
                  through the real function: both items in DynamoDB with exact amounts,
                  exactly one SNS → SQS message for the high one, read from a temporary
                  queue of the probe's own (subscribed to the topic with a filter on the
                  probe's order ids; the stack's queue is never read, its subscription
                  and policy are checked instead), the function's lines in CloudWatch
                  Logs; then the probe's items, queue and subscription are deleted, also
                  on Ctrl-C (a later verify removes what a killed one left)

--order-id checks an order you sent instead of probing. The threshold the probe uses is the
deployed function's (its THRESHOLD); give the stack flags you gave up (--threshold, --arch,
--memory, ...) to also check the resources against them. Exit 0 only if every check passes.`,
		Example: `  orders verify
  orders verify --order-id ORD-1001
  orders --output json verify`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if orderID != "" {
				if _, err := invoke.Event(orderID, "0"); err != nil { // the handler's id rules
					return usageFromInvoke(err)
				}
			}
			if wait <= 0 {
				return usageErrorf("--wait: must be more than 0, got %s", wait)
			}
			ctx := cmd.Context()
			if _, err := a.awsClients(ctx); err != nil {
				return err
			}
			if !a.jsonOutput() {
				fmt.Fprintf(a.io.ErrOut, "verifying stack %s in %s\n", a.cfg.Names().Stack, a.region())
			}
			var w io.Writer = a.io.Out
			if a.jsonOutput() {
				w = nil
			}
			report, threshold, err := a.runVerify(ctx, cmd.Flags().Changed(config.FlagThreshold), verify.Options{OrderID: orderID, PollTimeout: wait}, w)
			if err != nil {
				return err
			}
			if a.jsonOutput() {
				if err := a.printJSON(newVerifyDoc(a.cfg.Names().Stack, a.region(), threshold, report)); err != nil {
					return err
				}
			}
			return verifyFailure(ctx, report)
		},
	}
	cmd.Flags().StringVar(&orderID, "order-id", "", "check this order (its item, notification and log line) instead of probing")
	cmd.Flags().DurationVar(&wait, "wait", verify.DefaultPollTimeout, "how long to wait for the probe's queue message and log lines")
	addStackFlags(cmd.Flags())
	return cmd
}

// verifyDoc is the JSON document of verify.
type verifyDoc struct {
	Command   string          `json:"command"`
	OK        bool            `json:"ok"`
	Stack     string          `json:"stack"`
	Region    string          `json:"region"`
	Threshold string          `json:"threshold"`
	Passed    bool            `json:"passed"`
	Checks    []verify.Result `json:"checks"`
}

// runVerify runs verify.Run on the run's clients and returns the report
// and the threshold the probe used. With w set (text output) it streams
// each check to w as it completes, then a summary line; the error is only
// for failing to write there.
//
// The probe must use the deployed threshold: it sends one order exactly at
// it and one above. So the threshold is read from the function's own
// configuration; the resources are checked against the configured one only
// when it was given (flag, ORDERS_THRESHOLD or the config file), else
// against the deployed one too, so a stack made with `up --threshold 250`
// verifies clean without repeating the flag.
func (a *app) runVerify(ctx context.Context, thresholdGiven bool, opts verify.Options, w io.Writer) (verify.Report, string, error) {
	c, err := a.awsClients(ctx)
	if err != nil {
		return verify.Report{}, "", err
	}
	stackCfg, probeCfg := a.cfg, a.cfg
	if deployed, err := deployedThreshold(ctx, c.Lambda, a.cfg.Names().Function); err == nil {
		probeCfg.Threshold = deployed
		if !thresholdGiven {
			stackCfg.Threshold = deployed
		}
	}
	deps := verify.Deps{Stack: pipeline.New(stackCfg, c), Clients: c, Config: probeCfg}
	if opts.Orders == "" {
		opts.Orders = a.suggest("")
	}
	settle, wait := a.roleSettle(c)
	opts.RoleSettle = settle
	defer wait.finish(nil)
	st := a.io.OutStyles()
	var (
		rep      verify.Reporter
		writeErr error
	)
	if w != nil {
		rep = verify.ReporterFunc(func(r verify.Result) {
			if err := ui.RenderCheck(w, st, ui.Check{Name: r.Name, OK: r.OK, Detail: r.Detail, Problems: r.Problems}); err != nil && writeErr == nil {
				writeErr = err
			}
		})
	}
	report := verify.Run(ctx, deps, opts, rep)
	if w == nil || writeErr != nil {
		return report, probeCfg.Threshold, writeErr
	}
	if report.Passed() {
		_, err = fmt.Fprintln(w, st.OK.Render(fmt.Sprintf("all %d checks passed", len(report.Checks))))
	} else {
		_, err = fmt.Fprintln(w, st.Fail.Render(fmt.Sprintf("%d of %d checks failed", countFailed(report), len(report.Checks))))
	}
	return report, probeCfg.Threshold, err
}

func newVerifyDoc(stack, region, threshold string, r verify.Report) verifyDoc {
	checks := r.Checks
	if checks == nil {
		checks = []verify.Result{}
	}
	return verifyDoc{Command: "verify", OK: r.Passed(), Stack: stack, Region: region, Threshold: threshold, Passed: r.Passed(), Checks: checks}
}

func countFailed(r verify.Report) int {
	n := 0
	for _, c := range r.Checks {
		if !c.OK {
			n++
		}
	}
	return n
}

// verifyFailure is the run's error when a check failed (exit 1).
func verifyFailure(ctx context.Context, r verify.Report) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if r.Passed() {
		return nil
	}
	names := ""
	for _, c := range r.Checks {
		if !c.OK {
			if names != "" {
				names += ", "
			}
			names += c.Name
		}
	}
	return fmt.Errorf("verify: %d of %d checks failed: %s", countFailed(r), len(r.Checks), names)
}
