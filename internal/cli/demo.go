package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/config"
	"github.com/orders-dev/orders/internal/invoke"
	"github.com/orders-dev/orders/internal/pipeline"
	"github.com/orders-dev/orders/internal/ui"
	"github.com/orders-dev/orders/internal/verify"
)

// The seed's sample order: above the default threshold, so it notifies.
const demoOrderID, demoAmount = "ORD-1001", "250"

// demoLogLines is how many of the function's latest log lines demo shows.
const demoLogLines = 12

// localServeURL is where `orders local serve` listens by default.
const localServeURL = "http://127.0.0.1:4566"

func newDemoCmd(a *app) *cobra.Command {
	var destroy bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "The walkthrough in one go: up, send the sample order, verify, where to look",
		Long: `demo runs the whole walkthrough:

  1. up       create (or converge) every resource
  2. send     the sample order {"OrderId":"ORD-1001","Amount":250}: stored, and notified
              (250 is above the threshold). Run demo again and ORD-1001 is recognised as a
              duplicate: nothing is stored or published twice, which is not an error.
  3. verify   every check of ` + "`orders verify`" + `, live probe included
  4. where to look: the status table, the function's last log lines, the queue holding
     the notification and the exact commands to read it, and what to try next

--destroy deletes the stack at the end. demo exits 1 if any phase fails. Try it without an
AWS account: orders --local demo`,
		Example: `  orders --local demo
  orders --local demo --destroy
  orders demo --region eu-west-1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var given []string
			cmd.Flags().Visit(func(f *pflag.Flag) { given = appendStackFlag(given, f.Name, f.Value.String()) })
			return a.runDemo(cmd.Context(), destroy, given)
		},
	}
	cmd.Flags().BoolVar(&destroy, "destroy", false, "delete the stack at the end")
	addStackFlags(cmd.Flags())
	return cmd
}

// demoDoc is the JSON document of demo: every phase's own document.
type demoDoc struct {
	Command string            `json:"command"`
	Stack   string            `json:"stack"`
	Region  string            `json:"region"`
	OK      bool              `json:"ok"`
	Up      *stepsDoc         `json:"up,omitempty"`
	Send    *sendDoc          `json:"send,omitempty"`
	Verify  *verifyDoc        `json:"verify,omitempty"`
	Status  *statusDoc        `json:"status,omitempty"`
	Logs    []invoke.LogEvent `json:"logs"`
	Queue   *demoQueue        `json:"queue,omitempty"`
	Next    []string          `json:"next"`
	Destroy *stepsDoc         `json:"destroy,omitempty"`
	Errors  []string          `json:"errors,omitempty"`
}

type demoQueue struct {
	Name     string   `json:"name"`
	URL      string   `json:"url"`
	Messages int      `json:"messages"` // ApproximateNumberOfMessages: visible, waiting to be read
	Read     []string `json:"read,omitempty"`
}

// demo is one run of the walkthrough: where it writes and what failed.
type demo struct {
	a       *app
	c       *awsapi.Clients
	st      Stack
	out     io.Writer // nil with --output json
	sty     *ui.Styles
	phases  int
	phase   int
	doc     demoDoc
	flags   []string // stack flags given to demo, repeated in the suggested verify
	destroy bool
}

func (a *app) runDemo(ctx context.Context, destroy bool, stackFlags []string) error {
	c, err := a.awsClients(ctx)
	if err != nil {
		return err
	}
	st, err := a.stack(ctx)
	if err != nil {
		return err
	}
	d := &demo{a: a, c: c, st: st, sty: a.io.OutStyles(), phases: 4, flags: stackFlags, destroy: destroy,
		doc: demoDoc{Command: "demo", Stack: a.cfg.Names().Stack, Region: a.region(), Logs: []invoke.LogEvent{}, Next: []string{}}}
	if !a.jsonOutput() {
		d.out = a.io.Out
	}
	if destroy {
		d.phases = 5
	}

	if d.up(ctx) {
		d.send(ctx)
		d.verify(ctx)
		d.whereToLook(ctx)
	}
	if destroy {
		d.tearDown(ctx)
	}

	d.doc.OK = len(d.doc.Errors) == 0
	if a.jsonOutput() {
		if err := a.printJSON(d.doc); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if len(d.doc.Errors) > 0 {
		return fmt.Errorf("demo failed:\n  %s", strings.Join(d.doc.Errors, "\n  "))
	}
	return nil
}

func (d *demo) fail(format string, args ...any) {
	d.doc.Errors = append(d.doc.Errors, fmt.Sprintf(format, args...))
}

// heading starts the next phase on stdout.
func (d *demo) heading(title string) {
	d.phase++
	if d.out == nil {
		return
	}
	if d.phase > 1 {
		fmt.Fprintln(d.out)
	}
	fmt.Fprintln(d.out, d.sty.Bold.Render(fmt.Sprintf("── %d/%d %s", d.phase, d.phases, title)))
}

// steps runs up or destroy with the step renderer on stderr; it reports
// whether every step worked.
func (d *demo) steps(ctx context.Context, verb string, run stepsFunc) (stepsDoc, bool) {
	r := d.a.stepRenderer()
	report, err := run(d.st, ctx, explaining{r})
	r.Close()
	for i := range report.Steps {
		report.Steps[i].Err = awsapi.ExplainAccessDenied(report.Steps[i].Err)
	}
	err = awsapi.ExplainAccessDenied(err)
	doc := newStepsDoc(verb, d.doc.Stack, d.doc.Region, report, err)
	if d.out != nil {
		fmt.Fprintf(d.out, "%s: stack %s in %s: %s\n", verb, d.doc.Stack, d.doc.Region, countOutcomes(report))
	}
	switch {
	case err != nil:
		d.fail("%s: %v", verb, err)
	case report.Failed():
		d.fail("%s failed at %s", verb, strings.Join(failedSteps(report), ", "))
	}
	return doc, doc.OK
}

func (d *demo) up(ctx context.Context) bool {
	d.heading("up: create or converge every resource")
	doc, ok := d.steps(ctx, "up", Stack.Up)
	d.doc.Up = &doc
	if !ok && d.out != nil {
		fmt.Fprintln(d.out, d.sty.Fail.Render("up failed: the walkthrough stops here (the failed step's line above says why)"))
	}
	return ok
}

func (d *demo) send(ctx context.Context) {
	ev, err := invoke.Event(demoOrderID, demoAmount)
	if err != nil { // a constant event: cannot happen
		d.fail("send: %v", err)
		return
	}
	d.heading("send the sample order " + string(ev))
	fn := d.a.cfg.Names().Function
	settle, wait := d.a.roleSettle(d.c)
	out, sendErr := invoke.SendSettled(ctx, d.c.Lambda, fn, ev, false, settle)
	wait.finish(sendErr)
	// up has just deployed the configured threshold.
	threshold := d.a.cfg.Threshold
	doc := sendDoc{Command: "send", Function: fn, OK: sendErr == nil, Event: json.RawMessage(ev), Threshold: threshold, Outcome: out}
	if sendErr != nil {
		doc.Error = sendErrorDoc(sendErr)
		d.fail("%v", sendFailure(d.a.suggest("")+" ", "send order "+demoOrderID, sendErr))
	}
	d.doc.Send = &doc
	if d.out == nil {
		return
	}
	writeOutcome(d.out, d.sty, "order "+demoOrderID, ev, out, sendErr, threshold)
	if sendErr == nil && out.Duplicate {
		fmt.Fprintf(d.out, "  %s was sent before (by an earlier demo, or by you): a replay is recognised and changes\n  nothing — each order is stored and notified once. Not an error.\n", demoOrderID)
	}
}

func (d *demo) verify(ctx context.Context) {
	d.heading("verify: configuration, least privilege and a live probe")
	report, threshold, err := d.a.runVerify(ctx, true, verify.Options{}, d.out)
	if err != nil {
		d.fail("verify: %v", err)
		return
	}
	doc := newVerifyDoc(d.doc.Stack, d.doc.Region, threshold, report)
	d.doc.Verify = &doc
	if !report.Passed() {
		d.fail("verify: %d of %d checks failed", countFailed(report), len(report.Checks))
	}
}

func (d *demo) whereToLook(ctx context.Context) {
	d.heading("where to look")
	d.showStatus(ctx)
	d.showLogs(ctx)
	d.showQueue(ctx)
	d.showNext()
}

func (d *demo) showStatus(ctx context.Context) {
	rows, err := d.st.Status(ctx)
	if err != nil {
		d.fail("status: %v", awsapi.ExplainAccessDenied(err))
		return
	}
	doc := newStatusDoc(d.doc.Stack, d.doc.Region, rows)
	d.doc.Status = &doc
	for _, r := range rows {
		if r.State != pipeline.Present {
			d.fail("status: %s %s is %s", r.Kind, r.Name, r.State)
		}
	}
	if d.out == nil {
		return
	}
	fmt.Fprintf(d.out, "the resources (%s):\n", d.a.ordersCommand("status"))
	_ = ui.RenderStatus(d.out, d.sty, rows)
}

func (d *demo) showLogs(ctx context.Context) {
	group := d.a.cfg.Names().LogGroup
	var events []invoke.LogEvent
	err := invoke.Tail(ctx, d.c.Logs, group, 15*time.Minute, false, func(e invoke.LogEvent) {
		events = append(events, e)
	})
	if err != nil {
		d.fail("logs: %v", err)
		return
	}
	if len(events) > demoLogLines {
		events = events[len(events)-demoLogLines:]
	}
	d.doc.Logs = append(d.doc.Logs, events...)
	if d.out == nil {
		return
	}
	fmt.Fprintf(d.out, "\nthe function's last log lines in %s (%s):\n", group, d.a.ordersCommand("logs"))
	for _, e := range events {
		fmt.Fprint(d.out, "  ")
		writeLogEvent(d.out, d.sty, e)
	}
}

func (d *demo) showQueue(ctx context.Context) {
	name := d.a.cfg.Names().Queue
	q, err := d.queue(ctx, name)
	if err != nil {
		d.fail("queue %s: %v", name, err)
		return
	}
	d.doc.Queue = q
	if d.out == nil {
		return
	}
	plural := "s"
	if q.Messages == 1 {
		plural = ""
	}
	fmt.Fprintf(d.out, "\nthe queue %s: %d message%s waiting, one per order above the threshold %s\n", name, q.Messages, plural, d.a.cfg.Threshold)
	fmt.Fprintln(d.out, `  (each body is SNS's envelope; its "Message" field holds the order's JSON)`)
	if len(q.Read) > 0 {
		fmt.Fprintln(d.out, "  read them, leaving them in the queue (--visibility-timeout 0):")
		for _, line := range q.Read {
			fmt.Fprintf(d.out, "    %s\n", line)
		}
	}
}

// queue reads the queue's URL and message count, and the commands that
// read its messages with the aws CLI.
func (d *demo) queue(ctx context.Context, name string) (*demoQueue, error) {
	u, err := d.c.SQS.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	if err != nil {
		return nil, fmt.Errorf("get queue url: %w", awsapi.ExplainAccessDenied(err))
	}
	q := &demoQueue{Name: name, URL: aws.ToString(u.QueueUrl)}
	attrs, err := d.c.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl:       u.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages},
	})
	if err != nil {
		return nil, fmt.Errorf("get queue attributes: %w", awsapi.ExplainAccessDenied(err))
	}
	if n, err := strconv.Atoi(attrs.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)]); err == nil {
		q.Messages = n
	}
	if !d.destroy {
		q.Read = d.readQueueCommands(q.URL)
	}
	return q, nil
}

// readQueueCommands are the exact commands that show the queue's messages
// with the aws CLI. The --local emulator lives only as long as one orders
// command, so there they start with serving it.
func (d *demo) readQueueCommands(queueURL string) []string {
	cfg := d.a.cfg
	region := d.doc.Region
	receive := func(endpoint, qurl string) string {
		args := []string{"aws"}
		if endpoint != "" {
			args = append(args, "--endpoint-url", endpoint)
		}
		if cfg.Profile != "" && !cfg.Local {
			args = append(args, "--profile", cfg.Profile)
		}
		args = append(args, "--region", region, "sqs", "receive-message", "--queue-url", qurl,
			"--visibility-timeout", "0", "--max-number-of-messages", "10")
		return shellJoin(args)
	}
	if !cfg.Local {
		return []string{receive(cfg.EndpointURL, queueURL)}
	}
	// The in-process emulator's URL has a port of its own; `local serve`
	// answers on its default address with the same path.
	served := localServeURL
	if u, err := url.Parse(queueURL); err == nil {
		served += u.Path
	}
	// `local serve` takes no --local; `local env` gives the aws CLI the keys
	// the served emulator accepts. The endpoint is spelled out too: aws CLI
	// v1 sends SQS to queue.amazonaws.com whatever AWS_ENDPOINT_URL says.
	hint := d.a.dataDirHint()
	return []string{
		"orders" + hint + " local serve    # in another terminal: keeps the emulator up",
		`eval "$(orders` + hint + ` local env)"`,
		receive(localServeURL, served),
	}
}

func (d *demo) showNext() {
	var next [][2]string
	if d.destroy {
		next = [][2]string{{d.a.ordersCommand("demo"), "run it again: everything is created anew"}}
	} else {
		verifyArgs := append([]string{"verify"}, d.flags...)
		next = [][2]string{
			{d.a.ordersCommand("send", "--amount", "99.99"), "below the threshold: stored, not notified"},
			{d.a.ordersCommand("send", "--amount", "250", "--logs"), "a new high-value order, with the function's log tail"},
			{d.a.ordersCommand("send", "--order-id", demoOrderID, "--amount", demoAmount), "a replay: a duplicate, nothing happens twice"},
			{d.a.ordersCommand("send", "--event", "bad.json"), `a bad event, e.g. {"OrderId":"","Amount":-3}: rejected, nothing stored`},
			{d.a.ordersCommand(verifyArgs...), "prove it again"},
			{d.a.ordersCommand("logs", "--follow"), "watch the function's log (Ctrl-C to stop)"},
			{d.a.ordersCommand("destroy", "--yes"), "delete everything"},
		}
	}
	width := 0
	for _, n := range next {
		width = max(width, len(n[0]))
		d.doc.Next = append(d.doc.Next, n[0])
	}
	if d.out == nil {
		return
	}
	fmt.Fprintln(d.out, "\nnext:")
	for _, n := range next {
		fmt.Fprintf(d.out, "  %-*s  %s\n", width, n[0], d.sty.Muted.Render("# "+n[1]))
	}
}

func (d *demo) tearDown(ctx context.Context) {
	// Cancelled (Ctrl-C): leave the stack as it is rather than half-delete it.
	if ctx.Err() != nil {
		return
	}
	d.phase = d.phases - 1 // the last phase, even when up failed and the others were skipped
	d.heading("destroy: delete every resource")
	doc, _ := d.steps(ctx, "destroy", Stack.Destroy)
	d.doc.Destroy = &doc
}

// ordersCommand is the orders command line that reaches the same stack as
// this run: the global flags it was given, then args.
func (a *app) ordersCommand(args ...string) string {
	parts := []string{"orders"}
	cfg, def := a.cfg, config.Default()
	if cfg.Local {
		parts = append(parts, "--local")
		if cfg.DataDir != def.DataDir {
			parts = append(parts, "--data-dir", cfg.DataDir)
		}
	} else if cfg.EndpointURL != "" {
		parts = append(parts, "--endpoint-url", cfg.EndpointURL)
	}
	if cfg.Profile != "" {
		parts = append(parts, "--profile", cfg.Profile)
	}
	if cfg.Region != "" {
		parts = append(parts, "--region", cfg.Region)
	}
	if cfg.Prefix != "" {
		parts = append(parts, "--prefix", cfg.Prefix)
	}
	return shellJoin(append(parts, args...))
}

// appendStackFlag keeps a stack flag given on the command line, so the
// suggested `verify` checks the stack against the same settings.
func appendStackFlag(given []string, name, value string) []string {
	switch name {
	case config.FlagArch, config.FlagThreshold, config.FlagLogRetentionDays, config.FlagTimeout,
		config.FlagMemoryMB, config.FlagPermissionsBoundary:
		return append(given, "--"+name, value)
	}
	return given
}

// shellJoin quotes the words that a POSIX shell would split or expand.
func shellJoin(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		if w != "" && strings.IndexFunc(w, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r))
		}) < 0 {
			q[i] = w
			continue
		}
		q[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}
