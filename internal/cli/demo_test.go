package cli

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// When up fails the walkthrough stops there (nothing is sent), --destroy
// still cleans up, and demo exits 1 naming the failed phase — also as one
// JSON document.
func TestDemoStopsWhenUpFails(t *testing.T) {
	for _, output := range []string{"text", "json"} {
		t.Run(output, func(t *testing.T) {
			h, fl := newSendHarness(t)
			h.stack.up = failedUp(errors.New("create function ProcessOrderFunction: InvalidParameterValueException: bad"))
			h.stack.destroy = convergedUp // any report: the steps are only played
			if code := h.run("--output", output, "demo", "--destroy"); code != ExitFailed {
				t.Fatalf("exit %d, want 1", code)
			}
			if !slices.Equal(h.stack.calls, []string{"up", "destroy"}) {
				t.Errorf("stack calls %v, want up then destroy", h.stack.calls)
			}
			if n := len(fl.sent()); n != 0 {
				t.Errorf("%d invocations after a failed up, want none", n)
			}
			if !strings.Contains(h.errOut.String(), "orders: demo failed:\n  up failed at function ProcessOrderFunction") {
				t.Errorf("stderr lacks the failed phase:\n%s", h.errOut)
			}
			if output == "text" {
				for _, want := range []string{"── 1/5 up: create or converge every resource", "up failed: the walkthrough stops here", "── 5/5 destroy: delete every resource"} {
					if !strings.Contains(h.out.String(), want) {
						t.Errorf("stdout lacks %q", want)
					}
				}
				return
			}
			var doc demoDoc
			oneJSONDocument(t, h.out.Bytes(), &doc)
			if doc.OK || doc.Up == nil || doc.Up.OK || doc.Send != nil || doc.Verify != nil || doc.Destroy == nil || len(doc.Errors) != 1 {
				t.Errorf("document %+v", doc)
			}
		})
	}
}
