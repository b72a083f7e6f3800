package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/orders-dev/orders/internal/awsapi"
)

// fakeLambda answers Invoke with invoke (default: the handler's result for
// the event's OrderId, stored and not notified) and GetFunction with an
// environment holding threshold. Other calls panic.
type fakeLambda struct {
	awsapi.Lambda
	threshold string
	invoke    func(in *lambda.InvokeInput) (*lambda.InvokeOutput, error)

	mu       sync.Mutex
	payloads []string
	logTypes []ltypes.LogType
}

func (f *fakeLambda) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.mu.Lock()
	f.payloads = append(f.payloads, string(in.Payload))
	f.logTypes = append(f.logTypes, in.LogType)
	f.mu.Unlock()
	if f.invoke != nil {
		return f.invoke(in)
	}
	var ev struct{ OrderId string }
	_ = json.Unmarshal(in.Payload, &ev)
	return &lambda.InvokeOutput{StatusCode: 200, Payload: []byte(`{"OrderId":"` + ev.OrderId + `","Stored":true}`)}, nil
}

func (f *fakeLambda) GetFunction(_ context.Context, in *lambda.GetFunctionInput, _ ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error) {
	return &lambda.GetFunctionOutput{Configuration: &ltypes.FunctionConfiguration{
		FunctionName: in.FunctionName,
		Environment:  &ltypes.EnvironmentResponse{Variables: map[string]string{"THRESHOLD": f.threshold}},
	}}, nil
}

func (f *fakeLambda) sent() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.payloads...)
}

func answerWith(payload string, functionError string) func(*lambda.InvokeInput) (*lambda.InvokeOutput, error) {
	return func(*lambda.InvokeInput) (*lambda.InvokeOutput, error) {
		out := &lambda.InvokeOutput{StatusCode: 200, Payload: []byte(payload)}
		if functionError != "" {
			out.FunctionError = aws.String(functionError)
		}
		return out, nil
	}
}

func newSendHarness(t *testing.T) (*harness, *fakeLambda) {
	h := newHarness(t)
	fl := &fakeLambda{threshold: "100"}
	h.clients.Lambda = fl
	return h, fl
}

// Bad flags are refused before any AWS client exists: exit 2, one line
// naming the flag, nothing on stdout.
func TestSendFlagValidation(t *testing.T) {
	dir := t.TempDir()
	event := filepath.Join(dir, "event.json")
	if err := os.WriteFile(event, []byte(`{"OrderId":"A","Amount":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"send"}, "orders: --amount: required"},
		{[]string{"send", "--amount", "-5"}, "orders: --amount: must be >= 0"},
		{[]string{"send", "--amount", "NaN"}, "orders: --amount: not a decimal number"},
		{[]string{"send", "--amount", "1.234"}, "orders: --amount: at most 2 decimal places"},
		{[]string{"send", "--amount", "1e400"}, "orders: --amount: too large"},
		{[]string{"send", "--amount", ""}, "orders: --amount: not a decimal number: empty"},
		{[]string{"send", "--amount", "250", "--order-id", "has space"}, "orders: --order-id: "},
		{[]string{"send", "--amount", "250", "--order-id", ""}, "orders: --order-id: must not be empty"},
		{[]string{"send", "--amount", "250", "--concurrency", "4"}, "orders: --concurrency: only applies to a load run"},
		{[]string{"send", "--event", event, "--amount", "5"}, "orders: --event: sends the file as it is"},
		{[]string{"send", "--event", filepath.Join(dir, "missing.json")}, "orders: --event: open "},
		{[]string{"send", "--count", "5"}, "orders: --count: a load run needs --amount"},
		{[]string{"send", "--count", "0", "--amount", "5"}, "orders: --count: must be at least 1, got 0"},
		{[]string{"send", "--count", "5", "--amount", "5", "--concurrency", "0"}, "orders: --concurrency: must be at least 1, got 0"},
		{[]string{"send", "--count", "5", "--amount", "5", "--order-id", "X"}, "orders: --order-id: a load run gives every order its own id"},
		{[]string{"send", "--count", "5", "--amount", "5", "--event", event}, "orders: --event: cannot be combined with --count"},
		{[]string{"send", "--count", "5", "--amount", "5", "--logs"}, "orders: --logs: not available with --count"},
		{[]string{"send", "--count", "5", "--amount", "-1"}, "orders: --amount: must be >= 0"},
		{[]string{"send", "--count", "many", "--amount", "5"}, `invalid argument "many" for "--count"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			h, fl := newSendHarness(t)
			if code := h.run(tc.args...); code != ExitUsage {
				t.Fatalf("exit %d, want 2", code)
			}
			if !strings.Contains(h.errOut.String(), tc.want) {
				t.Errorf("stderr %q lacks %q", h.errOut, tc.want)
			}
			if h.out.Len() != 0 {
				t.Errorf("stdout %q, want nothing", h.out)
			}
			if h.factoryCalls != 0 || len(fl.sent()) != 0 {
				t.Errorf("clients built %d times, %d invocations: want none before the flags are valid", h.factoryCalls, len(fl.sent()))
			}
		})
	}
}

func TestSendPrintsWhatTheFunctionDid(t *testing.T) {
	h, fl := newSendHarness(t)
	fl.invoke = answerWith(`{"OrderId":"ORD-7","Stored":true,"Notified":true,"MessageId":"m-123"}`, "")
	if code := h.run("send", "--amount", "250.50", "--order-id", "ORD-7"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if got := fl.sent(); len(got) != 1 || got[0] != `{"OrderId":"ORD-7","Amount":250.5}` {
		t.Errorf("payloads %q, want the exact event", got)
	}
	for _, want := range []string{"order ORD-7: stored, notified\n", "stored         yes\n", "notified       yes\n", "duplicate      no\n", "SNS MessageId  m-123\n", "duration "} {
		if !strings.Contains(h.out.String(), want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
}

func TestSendNotNotifiedNamesTheDeployedThreshold(t *testing.T) {
	h, fl := newSendHarness(t)
	fl.threshold = "300"
	if code := h.run("send", "--amount", "250", "--order-id", "ORD-8"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if want := "order ORD-8: stored, not notified (Amount 250 is not above the threshold 300)\n"; !strings.Contains(h.out.String(), want) {
		t.Errorf("stdout lacks %q", want)
	}
}

func TestSendDuplicate(t *testing.T) {
	h, fl := newSendHarness(t)
	fl.invoke = answerWith(`{"OrderId":"ORD-1001","Duplicate":true,"MessageId":"m-first"}`, "")
	if code := h.run("send", "--amount", "250", "--order-id", "ORD-1001"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"order ORD-1001: duplicate — already processed, nothing stored or published again", "duplicate      yes", "m-first (published when it was first processed)"} {
		if !strings.Contains(h.out.String(), want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
}

func TestSendDefaultOrderIDsAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 3 {
		h, fl := newSendHarness(t)
		if code := h.run("send", "--amount", "5"); code != ExitOK {
			t.Fatalf("exit %d", code)
		}
		var ev struct{ OrderId string }
		if err := json.Unmarshal([]byte(fl.sent()[0]), &ev); err != nil || !strings.HasPrefix(ev.OrderId, "ORD-") {
			t.Fatalf("payload %q: %v", fl.sent()[0], err)
		}
		if seen[ev.OrderId] {
			t.Fatalf("order id %s used twice", ev.OrderId)
		}
		seen[ev.OrderId] = true
	}
}

func TestSendLogsPrintsTheTail(t *testing.T) {
	h, fl := newSendHarness(t)
	fl.invoke = func(in *lambda.InvokeInput) (*lambda.InvokeOutput, error) {
		return &lambda.InvokeOutput{StatusCode: 200, Payload: []byte(`{"OrderId":"A","Stored":true}`),
			LogResult: aws.String(base64.StdEncoding.EncodeToString([]byte("START RequestId: r1\nthe order line\nEND RequestId: r1\n")))}, nil
	}
	if code := h.run("send", "--amount", "5", "--order-id", "A", "--logs"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if fl.logTypes[0] != ltypes.LogTypeTail {
		t.Errorf("LogType %q, want Tail", fl.logTypes[0])
	}
	if want := "  log tail:\n    START RequestId: r1\n    the order line\n    END RequestId: r1\n"; !strings.Contains(h.out.String(), want) {
		t.Errorf("stdout lacks %q", want)
	}
}

const deniedPublish = "publish notification for order ORD-9 to topic arn:aws:sns:us-east-1:000000000000:HighValueOrderTopic: operation error SNS: Publish, " +
	"api error AuthorizationError: User: arn:aws:sts::000000000000:assumed-role/ProcessOrderFunction-role/s is not authorized to perform: SNS:Publish"

// A function error exits 1 with the errorType and message, in text and in
// the JSON document; an AuthorizationError is visible as such.
func TestSendFunctionErrorExits1(t *testing.T) {
	payload, _ := json.Marshal(map[string]string{"errorType": "NotifyError", "errorMessage": deniedPublish})
	for _, output := range []string{"text", "json"} {
		t.Run(output, func(t *testing.T) {
			h, fl := newSendHarness(t)
			fl.invoke = answerWith(string(payload), "Unhandled")
			if code := h.run("--output", output, "send", "--amount", "500", "--order-id", "ORD-9"); code != ExitFailed {
				t.Fatalf("exit %d, want 1", code)
			}
			for _, want := range []string{"orders: order ORD-9: the function failed with NotifyError: ", "AuthorizationError", "`orders up` restores the role"} {
				if !strings.Contains(h.errOut.String(), want) {
					t.Errorf("stderr lacks %q", want)
				}
			}
			if output == "text" {
				for _, want := range []string{"order ORD-9: failed", "errorType      NotifyError", "errorMessage   " + deniedPublish} {
					if !strings.Contains(h.out.String(), want) {
						t.Errorf("stdout lacks %q", want)
					}
				}
				return
			}
			var doc sendDoc
			oneJSONDocument(t, h.out.Bytes(), &doc)
			if doc.OK || doc.Error == nil || doc.Error.Type != "NotifyError" || doc.Error.Message != deniedPublish || !doc.Error.AccessDenied {
				t.Errorf("document %+v, error %+v", doc, doc.Error)
			}
		})
	}
}

func TestSendJSONIsOneDocument(t *testing.T) {
	h, fl := newSendHarness(t)
	fl.invoke = answerWith(`{"OrderId":"ORD-1002","Stored":true}`, "")
	if code := h.run("send", "--amount", "99.99", "--order-id", "ORD-1002", "--output", "json"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	var doc sendDoc
	oneJSONDocument(t, h.out.Bytes(), &doc)
	var event bytes.Buffer
	if err := json.Compact(&event, doc.Event); err != nil {
		t.Fatal(err)
	}
	if !doc.OK || doc.Command != "send" || doc.Function != "ProcessOrderFunction" || doc.Threshold != "100" ||
		event.String() != `{"OrderId":"ORD-1002","Amount":99.99}` {
		t.Errorf("document %+v", doc)
	}
	if doc.Outcome.OrderID != "ORD-1002" || !doc.Outcome.Stored || doc.Outcome.Notified || doc.Outcome.DurationMs <= 0 {
		t.Errorf("outcome %+v", doc.Outcome)
	}
	if h.errOut.Len() != 0 {
		t.Errorf("stderr %q, want nothing", h.errOut)
	}
}

// A bad event from a file is sent as it is; the function's
// ValidationError exits 1 and says nothing was stored.
func TestSendEventFile(t *testing.T) {
	h, fl := newSendHarness(t)
	path := filepath.Join(t.TempDir(), "bad.json")
	raw := `{"OrderId":"","Amount":"abc"}`
	if err := os.WriteFile(path, []byte(raw), 0o600); err != nil {
		t.Fatal(err)
	}
	fl.invoke = answerWith(`{"errorType":"ValidationError","errorMessage":"invalid order event: OrderId: must not be empty (nothing stored)"}`, "Unhandled")
	if code := h.run("send", "--event", path); code != ExitFailed {
		t.Fatalf("exit %d, want 1", code)
	}
	if got := fl.sent(); len(got) != 1 || got[0] != raw {
		t.Errorf("payloads %q, want the file's bytes", got)
	}
	for _, want := range []string{"orders: event bad.json: the function failed with ValidationError: invalid order event", "nothing was stored"} {
		if !strings.Contains(h.errOut.String(), want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
}

func TestSendLoad(t *testing.T) {
	h, fl := newSendHarness(t)
	h.io.ErrTTY = true
	if code := h.run("--output", "json", "send", "--count", "40", "--concurrency", "4", "--amount", "150"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	var doc struct {
		Command, Function, Amount string
		OK                        bool
		Report                    struct {
			Requested, Concurrency, Count, Errors  int
			Throughput, P50Ms, P95Ms, P99Ms, MaxMs float64
		}
	}
	oneJSONDocument(t, h.out.Bytes(), &doc)
	r := doc.Report
	if !doc.OK || doc.Command != "send" || doc.Amount != "150" || r.Requested != 40 || r.Count != 40 || r.Concurrency != 4 || r.Errors != 0 ||
		r.Throughput <= 0 || r.P50Ms <= 0 || r.MaxMs < r.P99Ms || r.P99Ms < r.P95Ms || r.P95Ms < r.P50Ms {
		t.Errorf("document %+v", doc)
	}
	ids := map[string]bool{}
	for _, p := range fl.sent() {
		var ev struct{ OrderId string }
		_ = json.Unmarshal([]byte(p), &ev)
		ids[ev.OrderId] = true
	}
	if len(ids) != 40 {
		t.Errorf("%d distinct order ids in 40 invocations", len(ids))
	}
	if !strings.Contains(h.errOut.String(), "40/40") {
		t.Errorf("no progress bar on the terminal's stderr: %q", h.errOut)
	}
}

func TestSendLoadErrorsExit1(t *testing.T) {
	h, fl := newSendHarness(t)
	var mu sync.Mutex
	n := 0
	fl.invoke = func(in *lambda.InvokeInput) (*lambda.InvokeOutput, error) {
		mu.Lock()
		n++
		fail := n%5 == 0
		mu.Unlock()
		if fail {
			return answerWith(`{"errorType":"StoreError","errorMessage":"store order: throttled"}`, "Unhandled")(in)
		}
		return answerWith(`{"OrderId":"X","Stored":true}`, "")(in)
	}
	if code := h.run("send", "--count", "20", "--concurrency", "3", "--amount", "1"); code != ExitFailed {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{"load run: 20 orders of Amount 1 to ProcessOrderFunction, concurrency 3", "completed   20 in ", "latency     p50 ", " p95 ", " p99 ", " max ", "errors      4", "4 × StoreError: store order: throttled"} {
		if !strings.Contains(h.out.String(), want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	if !strings.Contains(h.errOut.String(), "orders: load run: 4 of 20 orders failed") {
		t.Errorf("stderr %q", h.errOut)
	}
	if strings.Contains(h.errOut.String(), "\r") {
		t.Errorf("progress bar drawn on a non-terminal: %q", h.errOut)
	}
}

// --event - reads the event from the run's standard input.
func TestSendEventFromStdin(t *testing.T) {
	h, fl := newSendHarness(t)
	h.in.WriteString(`{"OrderId":"ORD-STDIN","Amount":7}`)
	if code := h.run("send", "--event", "-"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if got := fl.sent(); len(got) != 1 || got[0] != `{"OrderId":"ORD-STDIN","Amount":7}` {
		t.Errorf("payloads %q", got)
	}
	if !strings.Contains(h.out.String(), "order ORD-STDIN: stored, not notified") {
		t.Errorf("stdout %q", h.out)
	}
}
