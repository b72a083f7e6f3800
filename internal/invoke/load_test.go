package invoke

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go"

	"github.com/orders-dev/orders/function/handler"
)

func TestPercentileNearestRank(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	thousand := make([]int, 1000)
	for i := range thousand {
		thousand[i] = i + 1
	}
	many := make([]int, 1500)
	for i := range many {
		many[i] = i + 1
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one value", ms(7), 50, 7 * time.Millisecond},
		{"one value p99", ms(7), 99, 7 * time.Millisecond},
		{"1..100 p50", ms(hundred...), 50, 50 * time.Millisecond},
		{"1..100 p95", ms(hundred...), 95, 95 * time.Millisecond},
		{"1..100 p99", ms(hundred...), 99, 99 * time.Millisecond},
		{"1..100 p100", ms(hundred...), 100, 100 * time.Millisecond},
		{"1..1000 p99.9", ms(thousand...), 99.9, 999 * time.Millisecond},
		// 2.2·1500/100 is 33.00000000000001 in floating point: rank 33, not 34.
		{"1..1500 p2.2", ms(many...), 2.2, 33 * time.Millisecond},
		{"1..10 p50", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 50, 5 * time.Millisecond},
		{"1..10 p95", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 95, 10 * time.Millisecond},
		{"skewed p50", ms(1, 1, 1, 2, 900), 50, 1 * time.Millisecond},
		{"skewed p95", ms(1, 1, 1, 2, 900), 95, 900 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := Percentile(tt.sorted, tt.p); got != tt.want {
			t.Errorf("%s: Percentile = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// orderWorld answers invocations like the function would, with a few
// scripted failures, and checks what it is sent.
type orderWorld struct {
	t          *testing.T
	mu         sync.Mutex
	ids        map[string]bool
	inFlight   atomic.Int32
	maxFlight  atomic.Int32
	fail       func(n int, id string) (*lambda.InvokeOutput, error) // nil: succeed
	n          atomic.Int32
	threshold  handler.Amount
	beforeCall func()
}

func (w *orderWorld) invoke(ctx context.Context, in *lambda.InvokeInput) (*lambda.InvokeOutput, error) {
	cur := w.inFlight.Add(1)
	defer w.inFlight.Add(-1)
	for {
		m := w.maxFlight.Load()
		if cur <= m || w.maxFlight.CompareAndSwap(m, cur) {
			break
		}
	}
	if w.beforeCall != nil {
		w.beforeCall()
	}
	n := int(w.n.Add(1))
	o, err := handler.ParseOrder(in.Payload)
	if err != nil {
		w.t.Errorf("load sent an invalid event %s: %v", in.Payload, err)
		return nil, err
	}
	w.mu.Lock()
	if w.ids[o.OrderID] {
		w.t.Errorf("order id %s sent twice", o.OrderID)
	}
	w.ids[o.OrderID] = true
	w.mu.Unlock()
	if w.fail != nil {
		if out, err := w.fail(n, o.OrderID); out != nil || err != nil {
			return out, err
		}
	}
	notified := o.Amount.Cmp(w.threshold) > 0
	res, _ := json.Marshal(handler.Result{OrderID: o.OrderID, Stored: true, Notified: notified})
	return &lambda.InvokeOutput{StatusCode: 200, Payload: res}, nil
}

func newWorld(t *testing.T) *orderWorld {
	return &orderWorld{t: t, ids: map[string]bool{}, threshold: handler.MustParseAmount("100")}
}

func TestLoadCountsAndBounds(t *testing.T) {
	w := newWorld(t)
	w.fail = func(n int, id string) (*lambda.InvokeOutput, error) {
		switch {
		case n%10 == 0:
			return &lambda.InvokeOutput{StatusCode: 200, FunctionError: aws.String("Unhandled"),
				Payload: []byte(`{"errorType":"NotifyError","errorMessage":"AuthorizationError: denied"}`)}, nil
		case n == 7:
			return nil, &smithy.GenericAPIError{Code: "TooManyRequestsException", Message: "Rate exceeded"}
		}
		return nil, nil
	}
	fl := &fakeLambda{fn: w.invoke}
	var progress []int
	var progressMu sync.Mutex
	rep, err := Load(context.Background(), fl, "Fn", LoadOptions{Count: 53, Concurrency: 4, Amount: "250",
		Progress: func(done, total int) {
			progressMu.Lock()
			defer progressMu.Unlock()
			if total != 53 {
				t.Errorf("progress total = %d", total)
			}
			progress = append(progress, done)
		}})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if rep.Requested != 53 || rep.Count != 53 || rep.Concurrency != 4 {
		t.Errorf("requested/count/concurrency = %d/%d/%d", rep.Requested, rep.Count, rep.Concurrency)
	}
	if rep.Errors != 6 || rep.ErrorsByType["NotifyError"] != 5 || rep.ErrorsByType["TooManyRequestsException"] != 1 || len(rep.ErrorsByType) != 2 {
		t.Errorf("errors = %d %v", rep.Errors, rep.ErrorsByType)
	}
	if rep.ErrorSamples["NotifyError"] != "AuthorizationError: denied" || !strings.Contains(rep.ErrorSamples["TooManyRequestsException"], "Rate exceeded") {
		t.Errorf("error samples = %v", rep.ErrorSamples)
	}
	if rep.Notified != 47 {
		t.Errorf("notified = %d, want 47", rep.Notified)
	}
	if len(w.ids) != 53 {
		t.Errorf("%d distinct order ids, want 53", len(w.ids))
	}
	if m := w.maxFlight.Load(); m > 4 {
		t.Errorf("%d invocations in flight at once, concurrency was 4", m)
	}
	if len(progress) != 53 {
		t.Fatalf("progress called %d times", len(progress))
	}
	for i, d := range progress {
		if d != i+1 {
			t.Fatalf("progress = %v, want 1..53 in order", progress)
		}
	}
	if rep.P50 <= 0 || rep.P50 > rep.P95 || rep.P95 > rep.P99 || rep.P99 > rep.Max || rep.Duration <= 0 || rep.Throughput <= 0 {
		t.Errorf("latencies/throughput inconsistent: %+v", rep)
	}
}

func TestLoadUsesTheConcurrency(t *testing.T) {
	// Every call waits until four are in flight together: only a run that
	// really keeps four going gets past the first batch.
	const c = 4
	var arrived atomic.Int32
	gate := make(chan struct{})
	w := newWorld(t)
	w.beforeCall = func() {
		if arrived.Add(1) == c {
			close(gate)
		}
		<-gate
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := Load(ctx, &fakeLambda{fn: w.invoke}, "Fn", LoadOptions{Count: 12, Concurrency: c, Amount: "5"})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if w.maxFlight.Load() != c || rep.Count != 12 || rep.Notified != 0 {
		t.Errorf("max in flight %d, report %+v", w.maxFlight.Load(), rep)
	}
}

func TestLoadStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := newWorld(t)
	w.fail = func(n int, id string) (*lambda.InvokeOutput, error) {
		if n == 10 {
			cancel()
			return nil, context.Canceled
		}
		return nil, nil
	}
	fl := &fakeLambda{fn: w.invoke}
	rep, err := Load(ctx, fl, "Fn", LoadOptions{Count: 10000, Concurrency: 2, Amount: "250"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	calls := len(fl.inputs())
	if calls > 12 {
		t.Errorf("%d invocations after cancelling at the 10th", calls)
	}
	if rep.Count >= calls || rep.Errors != 0 {
		t.Errorf("report %+v: the cancelled invocation must not count", rep)
	}
}

func TestLoadRejectsBadOptions(t *testing.T) {
	fl := &fakeLambda{fn: func(context.Context, *lambda.InvokeInput) (*lambda.InvokeOutput, error) {
		t.Error("invoked despite bad options")
		return nil, nil
	}}
	for _, tt := range []struct {
		opts LoadOptions
		flag string
	}{
		{LoadOptions{Count: 0, Amount: "1"}, "--count"},
		{LoadOptions{Count: 5, Concurrency: -1, Amount: "1"}, "--concurrency"},
		{LoadOptions{Count: 5, Amount: "-1"}, "--amount"},
	} {
		_, err := Load(context.Background(), fl, "Fn", tt.opts)
		var ue *UsageError
		if !errors.As(err, &ue) || ue.Flag != tt.flag {
			t.Errorf("%+v: error = %v, want %s", tt.opts, err, tt.flag)
		}
	}
}

func TestLoadReportJSON(t *testing.T) {
	rep := LoadReport{Requested: 3, Concurrency: 2, Count: 3, Errors: 1, ErrorsByType: map[string]int{"ValidationError": 1},
		Notified: 2, Acknowledged: 2, Duration: 1500 * time.Millisecond, Throughput: 2, P50: 1500 * time.Microsecond,
		P95: 2 * time.Millisecond, P99: 3 * time.Millisecond, Max: 4 * time.Millisecond}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"requested": 3.0, "concurrency": 2.0, "count": 3.0, "errors": 1.0,
		"errorsByType": map[string]any{"ValidationError": 1.0}, "notified": 2.0, "acknowledged": 2.0, "durationMs": 1500.0,
		"throughput": 2.0, "p50Ms": 1.5, "p95Ms": 2.0, "p99Ms": 3.0, "maxMs": 4.0}
	if len(got) != len(want) {
		t.Errorf("JSON = %s", b)
	}
	for k, v := range want {
		if gv, ok := got[k]; !ok || !jsonEqual(gv, v) {
			t.Errorf("JSON %s = %v, want %v (document %s)", k, got[k], v, b)
		}
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
