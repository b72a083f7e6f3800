// Package verify proves the orders pipeline, check by check: the resources
// are as `orders up` makes them; the function's role may do exactly what
// the function needs (its policies read, linted and simulated); and a live
// probe — one order above the threshold, one at it — goes through the real
// function to DynamoDB, SNS→SQS and CloudWatch Logs, and is cleaned up.
//
// Every check is its own function returning a Result; Run runs them in
// order and hands each Result to the Reporter as soon as it is known.
package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/orders-dev/orders/function/handler"
	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/config"
	"github.com/orders-dev/orders/internal/invoke"
	"github.com/orders-dev/orders/internal/pipeline"
	"github.com/orders-dev/orders/policies"
)

// Deps are what the checks talk to.
type Deps struct {
	Stack   *pipeline.Stack
	Clients *awsapi.Clients
	Config  config.Config
}

// Options adjust a run.
type Options struct {
	// OrderID, when set, checks that order (its item, notification status
	// and log line) instead of sending probe orders.
	OrderID string
	// PollTimeout bounds each wait for something to arrive: the probe's
	// queue message, the log lines. 0 means DefaultPollTimeout.
	PollTimeout time.Duration
	// Orders is how hints name the orders command, with the flags the run
	// used ("orders --local --prefix dev-"); "" means "orders".
	Orders string
	// RoleSettle, when set, sends a probe order again while the function
	// is refused a permission soon after up changed its role.
	RoleSettle *invoke.RoleSettle
}

// DefaultPollTimeout is Options.PollTimeout's default.
const DefaultPollTimeout = 20 * time.Second

// Result is one check's outcome: one line of the checklist.
type Result struct {
	Name     string   `json:"name"`
	OK       bool     `json:"ok"`
	Detail   string   `json:"detail"`             // the evidence, or the gist of the failure
	Problems []string `json:"problems,omitempty"` // each thing wrong, one per line
}

// Reporter receives each Result as soon as its check is done.
type Reporter interface {
	Check(Result)
}

// ReporterFunc adapts a function to Reporter.
type ReporterFunc func(Result)

// Check calls f(r).
func (f ReporterFunc) Check(r Result) { f(r) }

// Report is every check of a run, in order.
type Report struct {
	Checks []Result `json:"checks"`
}

// Passed reports whether there was at least one check and every check passed.
func (r Report) Passed() bool {
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	return len(r.Checks) > 0
}

// MarshalJSON adds "passed" to the checks, so `--output json` is one
// self-contained document.
func (r Report) MarshalJSON() ([]byte, error) {
	checks := r.Checks
	if checks == nil {
		checks = []Result{}
	}
	return json.Marshal(struct {
		Passed bool     `json:"passed"`
		Checks []Result `json:"checks"`
	}{r.Passed(), checks})
}

// Check names, in the order Run reports them.
const (
	NameResources   = "resources"
	NamePolicies    = "least privilege: role policies"
	NameSimulation  = "least privilege: simulation"
	NameProbeInvoke = "probe: invoke"
	NameProbeItems  = "probe: DynamoDB items"
	NameProbeQueue  = "probe: SNS → SQS message"
	NameProbeLogs   = "probe: CloudWatch Logs"
	NameProbeClean  = "probe: cleanup"
	// With Options.OrderID the last three checks are named
	// "order <id>: DynamoDB item", "order <id>: SNS → SQS message" and
	// "order <id>: CloudWatch Logs".
)

// env is what the checks use, taken out of Deps so tests can build it from
// fakes.
type env struct {
	names     config.Names
	arns      policies.ARNs
	threshold handler.Amount
	boundary  string // permissions boundary the role must have; "" for none

	status func(context.Context) ([]pipeline.ResourceStatus, error)
	iam    awsapi.IAM
	db     awsapi.DynamoDB
	sqs    awsapi.SQS
	sns    awsapi.SNS
	lambda awsapi.Lambda
	logs   awsapi.Logs

	clock       clock
	newID       func() string // base of the probe's order ids
	pollTimeout time.Duration
	pollEvery   time.Duration // between CloudWatch Logs searches

	settle       *invoke.RoleSettle
	stackMissing bool   // set by checkResources: no resource of the stack exists
	orders       string // Options.Orders
}

// Run runs every check and returns them all; rep (which may be nil) gets
// each as it finishes. It does not stop at a failed check: each check says
// for itself what it could and could not prove.
func Run(ctx context.Context, deps Deps, opts Options, rep Reporter) Report {
	var report Report
	emit := func(r Result) {
		report.Checks = append(report.Checks, r)
		if rep != nil {
			rep.Check(r)
		}
	}
	e, err := newEnv(ctx, deps, opts)
	if err != nil {
		emit(Result{Name: NameResources, Detail: err.Error(), Problems: []string{err.Error()}})
		return report
	}
	run(ctx, e, opts, emit)
	return report
}

func newEnv(ctx context.Context, deps Deps, opts Options) (*env, error) {
	if deps.Stack == nil || deps.Clients == nil {
		return nil, fmt.Errorf("verify: no stack or AWS clients (a bug in the caller)")
	}
	arns, err := deps.Stack.ARNs(ctx)
	if err != nil {
		return nil, err
	}
	th := deps.Config.Threshold
	if th == "" {
		th = config.DefaultThreshold
	}
	threshold, err := handler.ParseAmount(th)
	if err != nil {
		return nil, fmt.Errorf("--threshold: %v", err)
	}
	c := deps.Clients
	return &env{
		names: deps.Stack.Names(), arns: arns, threshold: threshold, boundary: deps.Config.PermissionsBoundary,
		status: deps.Stack.Status,
		iam:    c.IAM, db: c.DynamoDB, sqs: c.SQS, sns: c.SNS, lambda: c.Lambda, logs: c.Logs,
		clock: realClock{}, newID: newProbeID, pollTimeout: pollTimeout(opts), pollEvery: time.Second,
		orders: ordersCommand(opts), settle: opts.RoleSettle,
	}, nil
}

func ordersCommand(opts Options) string {
	if opts.Orders != "" {
		return opts.Orders
	}
	return "orders"
}

// cmd is a hint's command line: e.cmd("up") is "`orders --local up`".
func (e *env) cmd(args string) string {
	o := e.orders
	if o == "" {
		o = "orders"
	}
	return "`" + o + " " + args + "`"
}

func pollTimeout(opts Options) time.Duration {
	if opts.PollTimeout > 0 {
		return opts.PollTimeout
	}
	return DefaultPollTimeout
}

// run is Run after the environment is known.
func run(ctx context.Context, e *env, opts Options, emit func(Result)) {
	emit(checkResources(ctx, e))
	if e.stackMissing {
		return // nothing else can pass; the resources check says to run up
	}
	role, roleErr := readRole(ctx, e)
	emit(checkPolicies(e, role, roleErr))
	emit(checkSimulation(ctx, e, role))
	if opts.OrderID != "" {
		for _, r := range checkOrder(ctx, e, opts.OrderID) {
			emit(r)
		}
		return
	}
	runProbe(ctx, e, emit)
}

// clock is time, replaceable in tests.
type clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// newProbeID is the base of the probe's two order ids: VERIFY-<time>-<random>.
func newProbeID() string {
	id := invoke.NewOrderID() // ORD-<time>-<random>: unique
	return "VERIFY" + id[len("ORD"):]
}
