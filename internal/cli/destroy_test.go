package cli

import (
	"slices"
	"strings"
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
		{"n\n", false, ExitFailed},
		{"\n", false, ExitFailed},
		{"", false, ExitFailed}, // end of input
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
