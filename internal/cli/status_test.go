package cli

import (
	"errors"
	"strings"
	"testing"

	"github.com/orders-dev/orders/internal/pipeline"
)

var partialStack = []pipeline.ResourceStatus{
	{Kind: "table", Name: "OrdersTable", ARN: "arn:aws:dynamodb:eu-west-1:210987654321:table/OrdersTable", State: pipeline.Present},
	{Kind: "topic", Name: "HighValueOrderTopic", State: pipeline.Missing},
	{Kind: "function", Name: "ProcessOrderFunction", ARN: "arn:aws:lambda:eu-west-1:210987654321:function:ProcessOrderFunction",
		State: pipeline.Drifted, Drift: []string{"environment THRESHOLD is 50, want 100"}},
}

// status exits 0 whenever it could look, whatever it found.
func TestStatusTable(t *testing.T) {
	h := newHarness(t)
	h.stack.status = partialStack
	if code := h.run("status"); code != ExitOK {
		t.Fatalf("exit %d, want 0", code)
	}
	out := h.out.String()
	for _, want := range []string{
		"KIND", "OrdersTable", "present", "arn:aws:dynamodb:eu-west-1:210987654321:table/OrdersTable",
		"missing", "drifted", "↳ environment THRESHOLD is 50, want 100",
		"stack orders in eu-west-1: 1 present, 1 missing, 1 drifted",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Error("colour on a stdout that is not a terminal")
	}
}

func TestStatusJSONIsOneDocument(t *testing.T) {
	h := newHarness(t)
	h.stack.status = partialStack
	if code := h.run("status", "--output", "json"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	var doc statusDoc
	oneJSONDocument(t, h.out.Bytes(), &doc)
	if doc.Stack != "orders" || doc.Region != "eu-west-1" || len(doc.Resources) != 3 {
		t.Fatalf("document %+v", doc)
	}
	if r := doc.Resources[2]; r.State != "drifted" || len(r.Drift) != 1 || r.ARN == "" {
		t.Errorf("drifted resource %+v", r)
	}
	if r := doc.Resources[1]; r.State != "missing" || r.ARN != "" {
		t.Errorf("missing resource %+v", r)
	}
}

func TestStatusCouldNotLookExits1(t *testing.T) {
	h := newHarness(t)
	h.stack.statusErr = errors.New("describe table OrdersTable: throttled")
	if code := h.run("status", "--output", "json"); code != ExitFailed {
		t.Fatalf("exit %d, want 1", code)
	}
	// One document, with ok false and the error (a failed status once printed nothing).
	var doc failureDoc
	oneJSONDocument(t, h.out.Bytes(), &doc)
	if doc.Command != "status" || doc.OK || !strings.Contains(doc.Error, "throttled") {
		t.Errorf("document %+v", doc)
	}
	if !strings.Contains(h.errOut.String(), "status: describe table OrdersTable: throttled") {
		t.Errorf("stderr: %s", h.errOut)
	}
}
