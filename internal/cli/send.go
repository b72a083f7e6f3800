package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/spf13/cobra"

	"github.com/orders-dev/orders/function/handler"
	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/invoke"
	"github.com/orders-dev/orders/internal/ui"
)

// sendFlags are send's own flags, as given.
type sendFlags struct {
	amount      string
	orderID     string
	event       string
	logs        bool
	count       int
	concurrency int
}

func newSendCmd(a *app) *cobra.Command {
	var f sendFlags
	cmd := &cobra.Command{
		Use:   "send",
		Short: "Invoke the function with an order and show what it did",
		Long: `send invokes ProcessOrderFunction synchronously with the order event
{"OrderId":"<id>","Amount":<amount>} and prints what the function did: whether it stored
the order, whether it notified the topic (Amount above the deployed threshold) and the SNS
MessageId, or that the order is a duplicate of one already processed; and how long it took.

The flags are checked before anything is sent: --amount is a decimal >= 0 with at most two
decimal places. Without --order-id each order gets a new unique id. --event FILE sends a
file's bytes as they are (- reads standard input), so you can watch the function reject a
bad event. A function error exits 1 with the function's errorType and message.

--count N sends N orders (each with its own id) from --concurrency workers, shows a
progress bar on a terminal, then the throughput, the latency percentiles and the errors;
it exits 1 if any order failed.`,
		Example: `  orders send --amount 250
  orders send --amount 99.99 --order-id ORD-1002 --logs
  orders send --event bad-order.json
  orders send --amount 250 --count 1000 --concurrency 16
  orders --output json send --amount 250`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			given := func(name string) bool { return cmd.Flags().Changed(name) }
			if given("count") {
				if err := f.checkLoad(given); err != nil {
					return err
				}
				return a.sendLoad(cmd.Context(), f)
			}
			ev, label, err := f.singleEvent(given, a.io.In)
			if err != nil {
				return err
			}
			return a.sendOne(cmd.Context(), ev, label, f.logs)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.amount, "amount", "", "the order's Amount, a decimal >= 0 with at most 2 decimal places, e.g. 250 or 99.99")
	fl.StringVar(&f.orderID, "order-id", "", "the order's OrderId (default: a new unique id)")
	fl.StringVar(&f.event, "event", "", "send this file's bytes as the event, unchecked (- for standard input)")
	fl.BoolVar(&f.logs, "logs", false, "also print the function's log tail for this invocation")
	fl.IntVar(&f.count, "count", 0, "send this many orders (a load run; needs --amount)")
	fl.IntVar(&f.concurrency, "concurrency", 1, "orders in flight at once during a --count run")
	return cmd
}

// singleEvent builds the event of a single send from the flags; bad usage
// is a usageError naming the flag. label names the order in messages.
func (f sendFlags) singleEvent(given func(string) bool, stdin io.Reader) (ev []byte, label string, err error) {
	if given("concurrency") {
		return nil, "", usageErrorf("--concurrency: only applies to a load run; add --count N")
	}
	if given("event") {
		if given("amount") || given("order-id") {
			return nil, "", usageErrorf("--event: sends the file as it is; it cannot be combined with --amount or --order-id")
		}
		ev, err := readEvent(f.event, stdin)
		if err != nil {
			return nil, "", usageFromInvoke(err)
		}
		if err := checkJSON(f.event, ev); err != nil {
			return nil, "", err
		}
		return ev, eventLabel(f.event, ev), nil
	}
	if !given("amount") {
		return nil, "", usageErrorf("--amount: required, e.g. --amount 250 (or --event FILE to send an event as it is)")
	}
	id := f.orderID
	if !given("order-id") {
		id = invoke.NewOrderID()
	}
	ev, err = invoke.Event(id, f.amount)
	if err != nil {
		return nil, "", usageFromInvoke(err)
	}
	return ev, "order " + id, nil
}

// checkJSON refuses an event that is not one JSON document: Lambda's
// Invoke takes JSON (its service answers InvalidRequestContentException),
// and the file is the user's to fix, so it is bad usage naming the file
// and where the JSON breaks. A JSON event of the wrong shape is sent as it
// is: that is what --event is for.
func checkJSON(path string, ev []byte) error {
	name := path
	if path == "-" {
		name = "standard input"
	}
	var v json.RawMessage // syntax only: 1e400 is JSON, and the function's to judge
	err := json.Unmarshal(ev, &v)
	if err == nil {
		return nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(ev, se.Offset)
		return usageErrorf("--event %s: not JSON: %v (line %d, column %d); the event must be one JSON document such as {\"OrderId\":\"ORD-1001\",\"Amount\":250}", name, se, line, col)
	}
	return usageErrorf("--event %s: not JSON: %v", name, err)
}

// lineCol is the 1-based line and column of byte offset off in b.
func lineCol(b []byte, off int64) (int, int) {
	line, col := 1, 1
	for i := int64(0); i < off-1 && i < int64(len(b)); i++ {
		if b[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// readEvent reads --event: a file, or with "-" the run's standard input
// (the run's own stream, so tests and callers can supply it), with the
// same limit invoke.EventFromFile applies to files.
func readEvent(path string, stdin io.Reader) ([]byte, error) {
	if path != "-" {
		return invoke.EventFromFile(path)
	}
	data, err := io.ReadAll(io.LimitReader(stdin, invoke.MaxEventBytes+1))
	if err != nil {
		return nil, &invoke.UsageError{Flag: "--event", Problem: fmt.Sprintf("read standard input: %v", err)}
	}
	if len(data) > invoke.MaxEventBytes {
		return nil, &invoke.UsageError{Flag: "--event", Problem: fmt.Sprintf("standard input is larger than Lambda's %d MB payload limit", invoke.MaxEventBytes>>20)}
	}
	return data, nil
}

// checkLoad refuses flags a load run cannot honour.
func (f sendFlags) checkLoad(given func(string) bool) error {
	switch {
	case !given("amount"):
		return usageErrorf("--count: a load run needs --amount, e.g. --count %d --amount 250", f.count)
	case given("order-id"):
		return usageErrorf("--order-id: a load run gives every order its own id; drop --order-id or --count")
	case given("event"):
		return usageErrorf("--event: cannot be combined with --count; a load run sends --amount orders")
	case given("logs"):
		return usageErrorf("--logs: not available with --count; see `orders logs` after the run")
	case f.count < 1:
		return usageErrorf("--count: must be at least 1, got %d", f.count)
	case f.concurrency < 1:
		return usageErrorf("--concurrency: must be at least 1, got %d", f.concurrency)
	}
	// The amount is checked here, before any client is built.
	if _, err := invoke.Event("LOAD-check", f.amount); err != nil {
		return usageFromInvoke(err)
	}
	return nil
}

// usageFromInvoke turns invoke's flag errors into bad usage (exit 2).
func usageFromInvoke(err error) error {
	var ue *invoke.UsageError
	if errors.As(err, &ue) {
		return &usageError{err}
	}
	return err
}

// eventLabel names an event sent from a file: by its OrderId when it has a
// usable one, else by the file.
func eventLabel(path string, ev []byte) string {
	var probe struct {
		OrderID any `json:"OrderId"`
	}
	if json.Unmarshal(ev, &probe) == nil {
		if id, ok := probe.OrderID.(string); ok && id != "" && len(id) <= 64 && !strings.ContainsAny(id, "\n\r") {
			return "order " + id
		}
	}
	if path == "-" {
		return "event from standard input"
	}
	return "event " + filepath.Base(path)
}

// sendDoc is the JSON document of a single send.
type sendDoc struct {
	Command   string          `json:"command"`
	Function  string          `json:"function"`
	OK        bool            `json:"ok"`
	Event     json.RawMessage `json:"event,omitempty"`
	Threshold string          `json:"threshold,omitempty"` // the deployed one, when it could be read
	Outcome   invoke.Outcome  `json:"outcome"`
	Error     *sendErrorJSON  `json:"error,omitempty"`
}

type sendErrorJSON struct {
	Type         string `json:"type,omitempty"` // the function's errorType; empty when the Invoke call itself failed
	Message      string `json:"message"`
	AccessDenied bool   `json:"accessDenied"`
}

// sendOne invokes the function once with ev and reports it.
func (a *app) sendOne(ctx context.Context, ev []byte, label string, withLogs bool) error {
	c, err := a.awsClients(ctx)
	if err != nil {
		return err
	}
	fn := a.cfg.Names().Function
	settle, wait := a.roleSettle(c)
	out, sendErr := invoke.SendSettled(ctx, c.Lambda, fn, ev, withLogs, settle)
	wait.finish(sendErr)
	threshold := ""
	if sendErr == nil && !out.Notified && !out.Duplicate {
		// Why it did not notify is the deployed threshold's doing: say which.
		threshold, _ = deployedThreshold(ctx, c.Lambda, fn)
	}
	if a.jsonOutput() {
		doc := sendDoc{Command: "send", Function: fn, OK: sendErr == nil, Outcome: out, Threshold: threshold}
		if json.Valid(ev) {
			doc.Event = json.RawMessage(ev)
		}
		if sendErr != nil {
			doc.Error = sendErrorDoc(sendErr)
		}
		if err := a.printJSON(doc); err != nil {
			return err
		}
	} else {
		writeOutcome(a.io.Out, a.io.OutStyles(), label, ev, out, sendErr, threshold)
	}
	return sendFailure(a.suggest("")+" ", label, sendErr)
}

func sendErrorDoc(err error) *sendErrorJSON {
	var fe *invoke.FunctionError
	if errors.As(err, &fe) {
		return &sendErrorJSON{Type: fe.Type, Message: fe.Message, AccessDenied: fe.AccessDenied()}
	}
	return &sendErrorJSON{Message: err.Error(), AccessDenied: awsapi.IsAccessDenied(err) || errors.As(err, new(*awsapi.AccessDeniedError))}
}

// sendFailure is the run's error for a failed send (nil when it worked):
// the function's errorType and message, and what to do about it.
// orders is the command prefix hints use ("orders --local ").
func sendFailure(orders, label string, err error) error {
	if err == nil {
		return nil
	}
	var fe *invoke.FunctionError
	if !errors.As(err, &fe) {
		if awsapi.ErrorCode(err) == "ResourceNotFoundException" {
			return fmt.Errorf("send %s: %w\nthe function is created by `%sup`; is the stack there, with this --prefix and --region?", label, err, orders)
		}
		return fmt.Errorf("send %s: %w", label, err)
	}
	msg := fmt.Sprintf("%s: the function failed with %s: %s", label, fe.Type, fe.Message)
	switch {
	case fe.AccessDenied():
		msg += fmt.Sprintf("\nthe function's role is missing a permission: `%sverify` names it, `%sup` restores the role", orders, orders)
	case fe.Type == "ValidationError":
		msg += "\nthe event is not a valid order; nothing was stored"
	}
	return errors.New(msg)
}

// writeOutcome prints a single send in text: a headline saying what the
// function did, then the SNS MessageId, the duration and the log tail.
func writeOutcome(w io.Writer, st *ui.Styles, label string, ev []byte, o invoke.Outcome, err error, threshold string) {
	var b strings.Builder
	amount := eventAmount(ev)
	switch {
	case err != nil:
		b.WriteString(st.Fail.Render(label+": failed") + "\n")
		var fe *invoke.FunctionError
		if errors.As(err, &fe) {
			fmt.Fprintf(&b, "  %-14s %s\n", "errorType", fe.Type)
			fmt.Fprintf(&b, "  %-14s %s\n", "errorMessage", fe.Message)
		}
	case o.Duplicate:
		fmt.Fprintf(&b, "%s: %s — already processed, nothing stored or published again\n", label, st.Warn.Render("duplicate"))
	case o.Stored && o.Notified:
		fmt.Fprintf(&b, "%s: %s\n", label, st.OK.Render("stored, notified"))
	case o.Notified:
		fmt.Fprintf(&b, "%s: %s (it was stored earlier with its notification pending)\n", label, st.OK.Render("notified"))
	case o.Stored:
		why := ""
		if threshold != "" && amount != "" {
			why = fmt.Sprintf(" (Amount %s is not above the threshold %s)", amount, threshold)
		}
		fmt.Fprintf(&b, "%s: %s%s\n", label, st.OK.Render("stored, not notified"), why)
	default:
		fmt.Fprintf(&b, "%s: neither stored nor notified\n", label)
	}
	if err == nil {
		fmt.Fprintf(&b, "  %-14s %s\n", "stored", yesNo(o.Stored))
		fmt.Fprintf(&b, "  %-14s %s\n", "notified", yesNo(o.Notified))
		fmt.Fprintf(&b, "  %-14s %s\n", "duplicate", yesNo(o.Duplicate))
		switch {
		case o.MessageID != "" && o.Duplicate:
			fmt.Fprintf(&b, "  %-14s %s (published when it was first processed)\n", "SNS MessageId", o.MessageID)
		case o.MessageID != "":
			fmt.Fprintf(&b, "  %-14s %s\n", "SNS MessageId", o.MessageID)
		}
	}
	if o.Duration > 0 {
		fmt.Fprintf(&b, "  %-14s %s\n", "duration", formatLatency(o.Duration))
	}
	if o.LogTail != "" {
		b.WriteString("  log tail:\n")
		for _, line := range strings.Split(strings.TrimRight(o.LogTail, "\n"), "\n") {
			b.WriteString("    " + st.Muted.Render(line) + "\n")
		}
	}
	io.WriteString(w, b.String())
}

// eventAmount is the Amount of an event as written, "" if it has none.
func eventAmount(ev []byte) string {
	var probe struct {
		Amount json.RawMessage `json:"Amount"`
	}
	if json.Unmarshal(ev, &probe) != nil {
		return ""
	}
	return string(probe.Amount)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// formatLatency keeps three significant digits: 845µs, 12.3ms, 1.24s.
func formatLatency(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < 10*time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.Round(10 * time.Millisecond).String()
}

// deployedThreshold reads THRESHOLD from the deployed function's
// environment: the value that decides whether an order notifies, whatever
// this run's configuration says. "" with an error when it cannot be read.
func deployedThreshold(ctx context.Context, l awsapi.Lambda, function string) (string, error) {
	out, err := l.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(function)})
	if err != nil {
		return "", fmt.Errorf("read function %s: %w", function, awsapi.ExplainAccessDenied(err))
	}
	if out.Configuration == nil || out.Configuration.Environment == nil {
		return "", fmt.Errorf("function %s has no environment", function)
	}
	th, ok := out.Configuration.Environment.Variables["THRESHOLD"]
	if !ok || th == "" {
		// The handler's default when the variable is unset.
		return handler.DefaultThreshold, nil
	}
	if _, err := handler.ParseAmount(th); err != nil {
		return "", fmt.Errorf("function %s: THRESHOLD %q: %v", function, th, err)
	}
	return th, nil
}

// loadDoc is the JSON document of a load run.
type loadDoc struct {
	Command  string            `json:"command"`
	Function string            `json:"function"`
	Amount   string            `json:"amount"`
	OK       bool              `json:"ok"`
	Report   invoke.LoadReport `json:"report"`
	Error    string            `json:"error,omitempty"`
}

// sendLoad runs `send --count`: a progress bar on a terminal while it
// runs, then throughput, latency percentiles and errors.
func (a *app) sendLoad(ctx context.Context, f sendFlags) error {
	c, err := a.awsClients(ctx)
	if err != nil {
		return err
	}
	fn := a.cfg.Names().Function
	bar := ui.NewProgressBar(a.io.ErrOut, a.io.ErrStyles(), a.io.ErrTTY, f.count, a.now)
	// The progress bar owns stderr meanwhile: a wait for IAM shows there
	// as orders that take longer, and is not described line by line.
	settle, _ := a.roleSettle(c)
	settle.Say = nil
	rep, runErr := invoke.Load(ctx, c.Lambda, fn, invoke.LoadOptions{
		Count: f.count, Concurrency: f.concurrency, Amount: f.amount,
		Progress:   func(done, _ int) { bar.Update(done, 0) },
		RoleSettle: settle,
	})
	bar.Finish()
	if runErr != nil && rep.Count == 0 && ctx.Err() == nil {
		return usageFromInvoke(runErr)
	}
	failed := runErr
	if failed == nil && rep.Errors > 0 {
		failed = fmt.Errorf("load run: %d of %d orders failed", rep.Errors, rep.Count)
	}
	if a.jsonOutput() {
		doc := loadDoc{Command: "send", Function: fn, Amount: f.amount, OK: failed == nil, Report: rep}
		if failed != nil {
			doc.Error = failed.Error()
		}
		if err := a.printJSON(doc); err != nil {
			return err
		}
	} else {
		writeLoadReport(a.io.Out, a.io.OutStyles(), fn, f.amount, rep)
	}
	return failed
}

func writeLoadReport(w io.Writer, st *ui.Styles, fn, amount string, r invoke.LoadReport) {
	var b strings.Builder
	fmt.Fprintf(&b, "load run: %d orders of Amount %s to %s, concurrency %d\n", r.Requested, amount, fn, r.Concurrency)
	fmt.Fprintf(&b, "  %-11s %d in %s: %.1f orders/s\n", "completed", r.Count, formatLatency(r.Duration), r.Throughput)
	fmt.Fprintf(&b, "  %-11s p50 %s  p95 %s  p99 %s  max %s\n", "latency",
		formatLatency(r.P50), formatLatency(r.P95), formatLatency(r.P99), formatLatency(r.Max))
	fmt.Fprintf(&b, "  %-11s %d\n", "notified", r.Notified)
	if r.StoppedEarly != "" {
		fmt.Fprintf(&b, "  %-11s %s after %d of %d orders; %d acknowledged\n", "stopped", r.StoppedEarly, r.Count, r.Requested, r.Acknowledged)
	}
	if r.Errors == 0 {
		fmt.Fprintf(&b, "  %-11s %s\n", "errors", st.OK.Render("0"))
	} else {
		fmt.Fprintf(&b, "  %-11s %s\n", "errors", st.Fail.Render(fmt.Sprint(r.Errors)))
		kinds := make([]string, 0, len(r.ErrorsByType))
		for k := range r.ErrorsByType {
			kinds = append(kinds, k)
		}
		sort.Slice(kinds, func(i, j int) bool {
			if r.ErrorsByType[kinds[i]] != r.ErrorsByType[kinds[j]] {
				return r.ErrorsByType[kinds[i]] > r.ErrorsByType[kinds[j]]
			}
			return kinds[i] < kinds[j]
		})
		for _, k := range kinds {
			fmt.Fprintf(&b, "    %d × %s", r.ErrorsByType[k], k)
			if s := r.ErrorSamples[k]; s != "" {
				fmt.Fprintf(&b, ": %s", s)
			}
			b.WriteByte('\n')
		}
	}
	io.WriteString(w, b.String())
}
