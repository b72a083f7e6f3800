package cli

import (
	"errors"
	"strings"
	"testing"
)

// Every command's --output json prints exactly one document on failure,
// with ok false and the error (status, logs and policy printed nothing).
func TestJSONFailureIsOneDocument(t *testing.T) {
	for _, args := range [][]string{
		{"status"}, {"logs"}, {"policy", "function"}, {"up"}, {"destroy", "--yes"},
		{"send", "--amount", "250"}, {"verify"},
	} {
		t.Run(args[0], func(t *testing.T) {
			h := newHarness(t)
			h.factoryErr = errors.New("no AWS region configured: pass --region")
			code := h.run(append([]string{"--output", "json"}, args...)...)
			if code != ExitFailed {
				t.Errorf("exit %d, want %d", code, ExitFailed)
			}
			var doc struct {
				Command string `json:"command"`
				OK      *bool  `json:"ok"`
				Error   string `json:"error"`
			}
			oneJSONDocument(t, h.out.Bytes(), &doc)
			if doc.OK == nil || *doc.OK || !strings.Contains(doc.Error, "no AWS region configured") || !strings.HasPrefix(strings.Join(args, " "), doc.Command) || doc.Command == "" {
				t.Errorf("document %+v", doc)
			}
		})
	}
	// Bad usage too, once --output json was understood.
	h := newHarness(t)
	if code := h.run("--output", "json", "send"); code != ExitUsage {
		t.Errorf("send without --amount: exit %d", code)
	}
	var doc failureDoc
	oneJSONDocument(t, h.out.Bytes(), &doc)
	if doc.Command != "send" || doc.OK || !strings.Contains(doc.Error, "--amount") {
		t.Errorf("document %+v", doc)
	}
}

// status's document has command and ok like the others.
func TestStatusJSONHasCommandAndOK(t *testing.T) {
	h := newHarness(t)
	if code := h.run("--output", "json", "status"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	var doc statusDoc
	oneJSONDocument(t, h.out.Bytes(), &doc)
	if doc.Command != "status" || !doc.OK {
		t.Errorf("document %+v", doc)
	}
}
