package cli

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/orders-dev/orders/internal/pipeline"
)

var convergedUp = pipeline.Report{Steps: []pipeline.StepResult{
	{Step: "table", Resource: "OrdersTable", ARN: "arn:aws:dynamodb:eu-west-1:210987654321:table/OrdersTable", Outcome: pipeline.Created, Duration: 1200 * time.Millisecond},
	{Step: "queue", Resource: "HighValueQueue", Outcome: pipeline.Repaired, Details: []string{"queue policy restored"}, Duration: 300 * time.Millisecond},
	{Step: "topic", Resource: "HighValueOrderTopic", Outcome: pipeline.Unchanged, Duration: 100 * time.Millisecond},
}}

func failedUp(err error) pipeline.Report {
	r := pipeline.Report{Steps: append([]pipeline.StepResult{}, convergedUp.Steps...)}
	r.Steps = append(r.Steps, pipeline.StepResult{Step: "function", Resource: "ProcessOrderFunction",
		Outcome: pipeline.Failed, Err: err, Duration: 2 * time.Second})
	return r
}

func TestUpShowsStepsOnStderrAndSummaryOnStdout(t *testing.T) {
	h := newHarness(t)
	h.stack.up = convergedUp
	if code := h.run("up"); code != ExitOK {
		t.Fatalf("exit %d, want 0", code)
	}
	for _, want := range []string{
		"✓ table OrdersTable created (1.2s)\n",
		"✓ queue HighValueQueue repaired (0.3s)\n    queue policy restored\n",
		"✓ topic HighValueOrderTopic unchanged (0.1s)\n",
	} {
		if !strings.Contains(h.errOut.String(), want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	if got, want := h.out.String(), "up: stack orders in eu-west-1: 1 created, 1 repaired, 1 unchanged\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	if h.factoryCalls != 1 || h.closeCalls != 1 {
		t.Errorf("client factory called %d times, its cleanup %d; want 1 and 1", h.factoryCalls, h.closeCalls)
	}
}

func TestUpFailedStepExits1(t *testing.T) {
	h := newHarness(t)
	h.stack.up = failedUp(errors.New("create function ProcessOrderFunction: InvalidParameterValueException: bad"))
	if code := h.run("up"); code != ExitFailed {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{
		"✗ function ProcessOrderFunction failed (2.0s): create function ProcessOrderFunction: InvalidParameterValueException: bad",
		"orders: up failed at function ProcessOrderFunction; fix the cause and re-run `orders up`",
	} {
		if !strings.Contains(h.errOut.String(), want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	if h.closeCalls != 1 {
		t.Errorf("cleanup called %d times after a failure, want 1", h.closeCalls)
	}
}

// An AccessDenied in a step names the missing action and points at
// `orders policy operator`, on the step's line and in the JSON.
func TestUpAccessDeniedIsExplained(t *testing.T) {
	denied := &smithy.GenericAPIError{Code: "AccessDenied", Message: "User: arn:aws:iam::210987654321:user/bob is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::210987654321:role/ProcessOrderFunction-role"}
	for _, output := range []string{"text", "json"} {
		h := newHarness(t)
		h.stack.up = failedUp(denied)
		if code := h.run("--output", output, "up"); code != ExitFailed {
			t.Fatalf("exit %d, want 1", code)
		}
		for _, want := range []string{"iam:CreateRole", "orders policy operator"} {
			if !strings.Contains(h.errOut.String(), want) {
				t.Errorf("%s: stderr lacks %q", output, want)
			}
			if output == "json" && !strings.Contains(h.out.String(), want) {
				t.Errorf("json: document lacks %q", want)
			}
		}
	}
}

func TestUpJSONIsOneDocument(t *testing.T) {
	for _, tc := range []struct {
		name   string
		report pipeline.Report
		err    error
		code   int
	}{
		{"converged", convergedUp, nil, ExitOK},
		{"failed step", failedUp(errors.New("boom")), nil, ExitFailed},
		{"stopped", pipeline.Report{}, errors.New("engine stopped"), ExitFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.stack.up, h.stack.upErr = tc.report, tc.err
			if code := h.run("up", "--output", "json"); code != tc.code {
				t.Fatalf("exit %d, want %d", code, tc.code)
			}
			var doc stepsDoc
			oneJSONDocument(t, h.out.Bytes(), &doc)
			if doc.Command != "up" || doc.Stack != "orders" || doc.Region != "eu-west-1" {
				t.Errorf("document header %+v", doc)
			}
			if doc.OK != (tc.code == ExitOK) {
				t.Errorf("ok = %v with exit %d", doc.OK, tc.code)
			}
			if len(doc.Steps) != len(tc.report.Steps) {
				t.Fatalf("%d steps in the document, want %d", len(doc.Steps), len(tc.report.Steps))
			}
			for i, s := range tc.report.Steps {
				d := doc.Steps[i]
				if d.Step != s.Step || d.Resource != s.Resource || d.Outcome != string(s.Outcome) || d.DurationMS != s.Duration.Milliseconds() {
					t.Errorf("step %d: %+v, want %+v", i, d, s)
				}
				if (s.Err != nil) != (d.Error != "") {
					t.Errorf("step %d: error %q for %v", i, d.Error, s.Err)
				}
			}
			if tc.err != nil && doc.Error != tc.err.Error() {
				t.Errorf("document error %q, want %q", doc.Error, tc.err)
			}
		})
	}
}

// The prefix reaches the stack's names and the summary.
func TestUpPrefix(t *testing.T) {
	h := newHarness(t)
	h.stack.up = convergedUp
	if code := h.run("up", "--prefix", "dev-"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasPrefix(h.out.String(), "up: stack dev-orders in eu-west-1:") {
		t.Errorf("summary %q does not name stack dev-orders", h.out)
	}
	if got := h.newStackCfg.Names().Table; got != "dev-OrdersTable" {
		t.Errorf("stack table name %q, want dev-OrdersTable", got)
	}
}

// Errors from building the clients (no credentials, no region) already say
// how to fix them: printed as they are, exit 1.
func TestClientErrorPrintedAsIs(t *testing.T) {
	h := newHarness(t)
	h.factoryErr = errors.New("no AWS credentials found: pass --profile NAME, or run `aws configure`")
	if code := h.run("up"); code != ExitFailed {
		t.Fatalf("exit %d, want 1", code)
	}
	if got, want := h.errOut.String(), "orders: no AWS credentials found: pass --profile NAME, or run `aws configure`\n"; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
	if len(h.stack.calls) != 0 {
		t.Errorf("stack called without clients: %v", h.stack.calls)
	}
}

// A failure to release the clients (the emulator's store) is reported.
func TestCleanupErrorExits1(t *testing.T) {
	h := newHarness(t)
	h.stack.up = convergedUp
	h.closeErr = errors.New("close store: disk full")
	if code := h.run("up"); code != ExitFailed {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(h.errOut.String(), "orders: close store: disk full") {
		t.Errorf("stderr lacks the cleanup error:\n%s", h.errOut)
	}
}

// Interrupted (the context cancelled by Ctrl-C): exit 1, saying how to go on.
func TestUpInterrupted(t *testing.T) {
	h := newHarness(t)
	ctx, cancel := context.WithCancel(context.Background())
	h.stack.up = convergedUp
	h.stack.upErr = context.Canceled
	h.stack.onUp = cancel
	if code := Run(ctx, h.opts, []string{"up"}); code != ExitFailed {
		t.Fatalf("exit %d, want 1", code)
	}
	if want := "orders: up interrupted; re-run `orders up` to continue where it stopped\n"; !strings.HasSuffix(h.errOut.String(), want) {
		t.Errorf("stderr does not end with %q:\n%s", want, h.errOut)
	}
}

// Colour on stderr only on a terminal and without NO_COLOR; stdout piped
// stays plain either way.
func TestColorFollowsStreams(t *testing.T) {
	for _, tc := range []struct {
		name            string
		errTTY, noColor bool
		want            bool
	}{
		{"terminal", true, false, true},
		{"terminal with NO_COLOR", true, true, false},
		{"pipe", false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.io.ErrTTY, h.io.NoColor = tc.errTTY, tc.noColor
			h.stack.up = convergedUp
			if code := h.run("up"); code != ExitOK {
				t.Fatalf("exit %d", code)
			}
			if got := strings.Contains(h.errOut.String(), "\x1b[3"); got != tc.want {
				t.Errorf("coloured stderr: %v, want %v", got, tc.want)
			}
			if strings.Contains(h.out.String(), "\x1b") {
				t.Errorf("escape sequences on piped stdout: %q", h.out)
			}
		})
	}
}
