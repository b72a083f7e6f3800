package cli

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/orders-dev/orders/internal/pipeline"
)

var destroyed = pipeline.Report{Steps: []pipeline.StepResult{
	{Step: "function", Resource: "ProcessOrderFunction", Outcome: pipeline.Deleted},
	{Step: "queue", Resource: "HighValueQueue", Outcome: pipeline.Absent},
}}

func TestDestroyRefusesWithoutTerminalOrYes(t *testing.T) {
	h := newHarness(t)
	h.in.WriteString("y\n") // piped input is not a confirmation
	if code := h.run("destroy"); code != ExitUsage {
		t.Fatalf("exit %d, want %d", code, ExitUsage)
	}
	if want := `refusing to delete stack "orders" without confirmation: stdin is not a terminal; pass --yes to confirm`; !strings.Contains(h.errOut.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, h.errOut)
	}
	if h.factoryCalls != 0 || len(h.stack.calls) != 0 {
		t.Errorf("refused destroy still reached AWS (factory %d, stack %v)", h.factoryCalls, h.stack.calls)
	}
}

func TestDestroyWithYes(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  string
	}{
		{"flag", []string{"destroy", "--yes"}, ""},
		{"short flag", []string{"destroy", "-y"}, ""},
		{"environment", []string{"destroy"}, "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			if tc.env != "" {
				t.Setenv("ORDERS_YES", tc.env)
			}
			h.stack.destroy = destroyed
			if code := h.run(tc.args...); code != ExitOK {
				t.Fatalf("exit %d, want 0", code)
			}
			if !slices.Equal(h.stack.calls, []string{"destroy"}) {
				t.Errorf("stack calls %v, want [destroy]", h.stack.calls)
			}
			if got, want := h.out.String(), "destroy: stack orders in eu-west-1: 1 deleted, 1 already absent\n"; got != want {
				t.Errorf("stdout %q, want %q", got, want)
			}
			if !strings.Contains(h.errOut.String(), "✓ queue HighValueQueue already absent") {
				t.Errorf("stderr lacks the absent queue:\n%s", h.errOut)
			}
		})
	}
}

func TestDestroyAsksOnTerminal(t *testing.T) {
	for _, tc := range []struct {
		answer  string
		deletes bool
		code    int
	}{
		{"y\n", true, ExitOK},
		{"YES\n", true, ExitOK},
		// A refusal is a refused confirmation: bad usage, on a terminal too.
		{"n\n", false, ExitUsage},
		{"\n", false, ExitUsage},
		{"", false, ExitUsage}, // end of input
	} {
		t.Run(strings.TrimSpace(tc.answer), func(t *testing.T) {
			h := newHarness(t)
			h.io.InTTY = true
			h.in.WriteString(tc.answer)
			h.stack.destroy = destroyed
			if code := h.run("destroy"); code != tc.code {
				t.Fatalf("exit %d, want %d", code, tc.code)
			}
			if !strings.Contains(h.errOut.String(), `This deletes stack "orders" in eu-west-1`) || !strings.Contains(h.errOut.String(), "[y/N]") {
				t.Errorf("no question on stderr:\n%s", h.errOut)
			}
			if did := slices.Contains(h.stack.calls, "destroy"); did != tc.deletes {
				t.Errorf("destroy ran: %v, want %v", did, tc.deletes)
			}
			if !tc.deletes && !strings.Contains(h.errOut.String(), "destroy cancelled; nothing was deleted") {
				t.Errorf("no cancellation message:\n%s", h.errOut)
			}
		})
	}
}

func TestDestroyJSON(t *testing.T) {
	h := newHarness(t)
	h.stack.destroy = destroyed
	if code := h.run("destroy", "--yes", "--output", "json"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	var doc stepsDoc
	oneJSONDocument(t, h.out.Bytes(), &doc)
	if doc.Command != "destroy" || !doc.OK || len(doc.Steps) != 2 || doc.Steps[1].Outcome != "absent" {
		t.Errorf("document %+v", doc)
	}
}

// promptWatcher is stderr that says when the prompt has been printed.
type promptWatcher struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	asked  chan struct{}
	closed bool
}

func (w *promptWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.closed && strings.Contains(w.buf.String(), "[y/N]") {
		w.closed = true
		close(w.asked)
	}
	return len(p), nil
}

func (w *promptWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// Ctrl-C at the destroy prompt cancels at once, deleting nothing, with
// exit 130 (the first Ctrl-C once went unheard).
func TestDestroyPromptCtrlCCancels(t *testing.T) {
	h := newHarness(t)
	h.stack.destroy = destroyed
	stdin, stdinW := io.Pipe() // a terminal nobody types into
	defer stdinW.Close()
	errOut := &promptWatcher{asked: make(chan struct{})}
	h.io.In, h.io.ErrOut, h.io.InTTY = stdin, errOut, true
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-errOut.asked
		cancel() // what Main's signal handler does on Ctrl-C
	}()
	code := Run(ctx, h.opts, []string{"destroy"})
	if code != ExitInterrupted {
		t.Errorf("exit %d, want %d\nstderr:\n%s", code, ExitInterrupted, errOut)
	}
	if !strings.Contains(errOut.String(), "cancelled; nothing was deleted") {
		t.Errorf("stderr:\n%s", errOut)
	}
	if slices.Contains(h.stack.calls, "destroy") {
		t.Error("destroy ran after Ctrl-C")
	}
}
