package handler

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

const receivedAt0 = "2024-05-06T06:08:09.123456789Z" // rig's clock, in UTC

func TestHandleNewOrders(t *testing.T) {
	tests := []struct {
		name, threshold, payload string
		wantAmount               string // canonical N
		wantNotify               bool
	}{
		{"above threshold", "100", `{"OrderId":"ORD-1001","Amount":250}`, "250", true},
		{"just above", "100", `{"OrderId":"ORD-1","Amount":100.01}`, "100.01", true},
		{"at threshold is not above", "100", `{"OrderId":"ORD-1","Amount":100}`, "100", false},
		{"at threshold spelled 100.00", "100", `{"OrderId":"ORD-1","Amount":100.00}`, "100", false},
		{"at threshold spelled 1e2", "100", `{"OrderId":"ORD-1","Amount":1e2}`, "100", false},
		{"below", "100", `{"OrderId":"ORD-1002","Amount":99.99}`, "99.99", false},
		{"zero", "100", `{"OrderId":"ORD-1","Amount":0}`, "0", false},
		{"trailing zero dropped", "100", `{"OrderId":"ORD-1","Amount":250.50}`, "250.5", true},
		{"exponent", "100", `{"OrderId":"ORD-1","Amount":1.5e2}`, "150", true},
		{"largest amount", "100", `{"OrderId":"ORD-1","Amount":999999999999999.99}`, "999999999999999.99", true},
		{"fractional threshold", "99.5", `{"OrderId":"ORD-1","Amount":99.51}`, "99.51", true},
		{"fractional threshold, equal", "99.5", `{"OrderId":"ORD-1","Amount":99.50}`, "99.5", false},
		{"zero threshold", "0", `{"OrderId":"ORD-1","Amount":0.01}`, "0.01", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, tt.threshold)
			res, err := r.handle(t, tt.payload)
			if err != nil {
				t.Fatal(err)
			}
			o, _ := ParseOrder([]byte(tt.payload))
			want := Result{OrderID: o.OrderID, Stored: true, Notified: tt.wantNotify}
			wantItem := map[string]string{
				"OrderId": "S:" + o.OrderID, "Amount": "N:" + tt.wantAmount,
				"ReceivedAt": "S:" + receivedAt0, "Status": "S:COMPLETE",
			}
			wantOutcome := "stored"
			if tt.wantNotify {
				want.MessageID = "msg-1"
				wantItem["Status"] = "S:NOTIFIED"
				wantItem["MessageId"] = "S:msg-1"
				wantOutcome = "notified"
			}
			if res != want {
				t.Errorf("result %+v, want %+v", res, want)
			}
			if got := attrs(r.table.item(o.OrderID)); !reflect.DeepEqual(got, wantItem) {
				t.Errorf("item %v\nwant %v", got, wantItem)
			}
			if n := r.topic.count(); (n == 1) != tt.wantNotify || n > 1 {
				t.Errorf("%d publishes, want notify=%v", n, tt.wantNotify)
			}
			lines := r.logLines(t)
			if len(lines) != 1 {
				t.Fatalf("%d log lines, want 1", len(lines))
			}
			if lines[0]["OrderId"] != o.OrderID || lines[0]["Amount"] != tt.wantAmount || lines[0]["outcome"] != wantOutcome {
				t.Errorf("log line %v", lines[0])
			}
		})
	}
}

func TestNotificationShape(t *testing.T) {
	r := newRig(t, "100")
	if _, err := r.handle(t, `{"OrderId":"ORD-1001","Amount":250.50}`); err != nil {
		t.Fatal(err)
	}
	if r.topic.count() != 1 {
		t.Fatalf("%d publishes", r.topic.count())
	}
	in := r.topic.published[0]
	if aws.ToString(in.TopicArn) != testTopic {
		t.Errorf("TopicArn %q", aws.ToString(in.TopicArn))
	}
	if aws.ToString(in.Subject) != "High-value order ORD-1001" {
		t.Errorf("Subject %q", aws.ToString(in.Subject))
	}
	// Amount is a JSON number with the exact decimal text.
	wantBody := `{"OrderId":"ORD-1001","Amount":250.5,"ReceivedAt":"` + receivedAt0 + `"}`
	if aws.ToString(in.Message) != wantBody {
		t.Errorf("Message %s\nwant    %s", aws.ToString(in.Message), wantBody)
	}
	attr, ok := in.MessageAttributes["amount"]
	if !ok || aws.ToString(attr.DataType) != "Number" || aws.ToString(attr.StringValue) != "250.5" {
		t.Errorf("amount attribute %+v", attr)
	}
	// The OrderId too, so a subscriber can filter on one order (verify's probe).
	id, ok := in.MessageAttributes["order_id"]
	if !ok || aws.ToString(id.DataType) != "String" || aws.ToString(id.StringValue) != "ORD-1001" {
		t.Errorf("order_id attribute %+v", id)
	}
	if len(in.MessageAttributes) != 2 {
		t.Errorf("attributes %v", in.MessageAttributes)
	}
	// The longest valid OrderId keeps Subject within SNS's 100 characters.
	if n := len(SubjectPrefix) + MaxOrderIDLength; n > 100 {
		t.Errorf("Subject can be %d characters", n)
	}
}

func TestReplays(t *testing.T) {
	t.Run("complete order replayed is a duplicate, changes nothing", func(t *testing.T) {
		r := newRig(t, "100")
		mustHandle(t, r, `{"OrderId":"ORD-1002","Amount":99.99}`)
		before := r.table.item("ORD-1002")
		r.tick()
		res, err := r.handle(t, `{"OrderId":"ORD-1002","Amount":99.99}`)
		if err != nil {
			t.Fatal(err)
		}
		if res != (Result{OrderID: "ORD-1002", Duplicate: true}) {
			t.Errorf("result %+v", res)
		}
		if got := r.table.item("ORD-1002"); !reflect.DeepEqual(attrs(got), attrs(before)) {
			t.Errorf("item changed: %v -> %v", attrs(before), attrs(got))
		}
		if r.topic.attempts != 0 {
			t.Errorf("%d publishes", r.topic.attempts)
		}
		assertOutcomes(t, r, "stored", "duplicate")
	})

	t.Run("notified order replayed is a duplicate, not notified again", func(t *testing.T) {
		r := newRig(t, "100")
		mustHandle(t, r, `{"OrderId":"ORD-1001","Amount":250}`)
		before := r.table.item("ORD-1001")
		r.tick()
		for range 3 {
			res, err := r.handle(t, `{"OrderId":"ORD-1001","Amount":250}`)
			if err != nil {
				t.Fatal(err)
			}
			if res != (Result{OrderID: "ORD-1001", Duplicate: true, MessageID: "msg-1"}) {
				t.Errorf("result %+v", res)
			}
		}
		if r.topic.attempts != 1 {
			t.Errorf("%d publishes, want exactly 1", r.topic.attempts)
		}
		if got := r.table.item("ORD-1001"); !reflect.DeepEqual(attrs(got), attrs(before)) {
			t.Errorf("item changed: %v -> %v", attrs(before), attrs(got))
		}
		assertOutcomes(t, r, "notified", "duplicate", "duplicate", "duplicate")
	})

	t.Run("same amount spelled differently is the same order", func(t *testing.T) {
		r := newRig(t, "100")
		mustHandle(t, r, `{"OrderId":"ORD-1","Amount":250}`)
		for _, spelled := range []string{"250.00", "250.0", "2.5e2", "25000e-2"} {
			res, err := r.handle(t, `{"OrderId":"ORD-1","Amount":`+spelled+`}`)
			if err != nil || !res.Duplicate {
				t.Errorf("Amount %s: %+v, %v; want a duplicate", spelled, res, err)
			}
		}
		if r.topic.count() != 1 {
			t.Errorf("%d publishes", r.topic.count())
		}
	})

	t.Run("notify failure, then replay notifies exactly once", func(t *testing.T) {
		r := newRig(t, "100")
		r.topic.fail = func(attempt int) error {
			if attempt == 1 {
				return apiErr("AuthorizationError", "User: arn:aws:sts::123456789012:assumed-role/ProcessOrderFunction-role/x is not authorized to perform: SNS:Publish on resource: "+testTopic)
			}
			return nil
		}
		res, err := r.handle(t, `{"OrderId":"ORD-7","Amount":500}`)
		var ne *NotifyError
		if !errors.As(err, &ne) {
			t.Fatalf("err %v (%T), want *NotifyError", err, err)
		}
		for _, w := range []string{"AuthorizationError", "not authorized to perform: SNS:Publish", "ORD-7", testTopic, "replaying the same event will notify"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q lacks %q", err, w)
			}
		}
		if ne.Code() != "AuthorizationError" {
			t.Errorf("Code() = %q", ne.Code())
		}
		if !res.Stored || res.Notified {
			t.Errorf("result %+v, want Stored and not Notified", res)
		}
		pending := r.table.item("ORD-7")
		if attrs(pending)["Status"] != "S:PENDING_NOTIFY" {
			t.Fatalf("item after failed publish: %v", attrs(pending))
		}

		r.tick() // the replay must keep the original ReceivedAt
		res, err = r.handle(t, `{"OrderId":"ORD-7","Amount":500.00}`)
		if err != nil {
			t.Fatal(err)
		}
		if res != (Result{OrderID: "ORD-7", Notified: true, MessageID: "msg-1"}) {
			t.Errorf("replay result %+v", res)
		}
		want := map[string]string{"OrderId": "S:ORD-7", "Amount": "N:500", "ReceivedAt": "S:" + receivedAt0,
			"Status": "S:NOTIFIED", "MessageId": "S:msg-1"}
		if got := attrs(r.table.item("ORD-7")); !reflect.DeepEqual(got, want) {
			t.Errorf("item %v\nwant %v", got, want)
		}
		if !strings.Contains(aws.ToString(r.topic.published[0].Message), receivedAt0) {
			t.Errorf("notification carries a new ReceivedAt: %s", aws.ToString(r.topic.published[0].Message))
		}

		res, err = r.handle(t, `{"OrderId":"ORD-7","Amount":500}`)
		if err != nil || !res.Duplicate || res.Notified {
			t.Errorf("third delivery: %+v, %v", res, err)
		}
		if r.topic.count() != 1 {
			t.Errorf("%d successful publishes, want exactly 1", r.topic.count())
		}
		assertOutcomes(t, r, "error", "notified", "duplicate")
	})

	t.Run("pending order is notified even if the threshold rose since", func(t *testing.T) {
		r := newRig(t, "100")
		r.topic.fail = func(attempt int) error {
			if attempt == 1 {
				return apiErr("InternalError", "try again")
			}
			return nil
		}
		if _, err := r.handle(t, `{"OrderId":"ORD-8","Amount":150}`); err == nil {
			t.Fatal("want the first publish to fail")
		}
		r.h.cfg.Threshold = MustParseAmount("1000")
		res, err := r.handle(t, `{"OrderId":"ORD-8","Amount":150}`)
		if err != nil || !res.Notified {
			t.Fatalf("replay: %+v, %v", res, err)
		}
	})
}

func TestConflict(t *testing.T) {
	tests := []struct{ name, first, second, stored string }{
		{"notified order, other amount", `{"OrderId":"ORD-1","Amount":250}`, `{"OrderId":"ORD-1","Amount":300}`, "250"},
		{"complete order, other amount", `{"OrderId":"ORD-1","Amount":50}`, `{"OrderId":"ORD-1","Amount":50.01}`, "50"},
		{"complete order, amount now above threshold", `{"OrderId":"ORD-1","Amount":50}`, `{"OrderId":"ORD-1","Amount":500}`, "50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, "100")
			mustHandle(t, r, tt.first)
			before := r.table.item("ORD-1")
			publishes := r.topic.attempts
			r.tick()
			res, err := r.handle(t, tt.second)
			var ce *ConflictError
			if !errors.As(err, &ce) {
				t.Fatalf("err %v (%T), want *ConflictError", err, err)
			}
			if ce.StoredAmount != tt.stored || !strings.Contains(err.Error(), "already stored with Amount "+tt.stored) ||
				!strings.Contains(err.Error(), "nothing changed") {
				t.Errorf("error %q (%+v)", err, ce)
			}
			if res.Stored || res.Notified || res.Duplicate {
				t.Errorf("result %+v", res)
			}
			if got := r.table.item("ORD-1"); !reflect.DeepEqual(attrs(got), attrs(before)) {
				t.Errorf("item changed: %v -> %v", attrs(before), attrs(got))
			}
			if r.topic.attempts != publishes {
				t.Errorf("conflict published")
			}
			lines := r.logLines(t)
			if last := lines[len(lines)-1]; last["outcome"] != "conflict" {
				t.Errorf("log %v", last)
			}
		})
	}

	t.Run("pending order, other amount: not published", func(t *testing.T) {
		r := newRig(t, "100")
		r.topic.fail = func(int) error { return apiErr("InternalError", "down") }
		r.handle(t, `{"OrderId":"ORD-1","Amount":250}`)
		r.topic.fail = nil
		_, err := r.handle(t, `{"OrderId":"ORD-1","Amount":251}`)
		var ce *ConflictError
		if !errors.As(err, &ce) {
			t.Fatalf("err %v", err)
		}
		if r.topic.count() != 0 || attrs(r.table.item("ORD-1"))["Status"] != "S:PENDING_NOTIFY" {
			t.Errorf("conflict changed something")
		}
	})

	t.Run("stored amount this function cannot have written", func(t *testing.T) {
		r := newRig(t, "100")
		mustHandle(t, r, `{"OrderId":"ORD-1","Amount":5}`)
		r.table.items["ORD-1"]["Amount"] = attrN("5.001")
		_, err := r.handle(t, `{"OrderId":"ORD-1","Amount":5}`)
		var ce *ConflictError
		if !errors.As(err, &ce) || ce.StoredAmount != "5.001" {
			t.Fatalf("err %v", err)
		}
	})
}

func TestStoreFailures(t *testing.T) {
	denied := apiErr("AccessDeniedException", "User: arn:aws:sts::123456789012:assumed-role/ProcessOrderFunction-role/x is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:123456789012:table/OrdersTable")

	t.Run("PutItem denied", func(t *testing.T) {
		r := newRig(t, "100")
		r.table.fail = func(*dynamodb.PutItemInput) error { return denied }
		res, err := r.handle(t, `{"OrderId":"ORD-1","Amount":250}`)
		var se *StoreError
		if !errors.As(err, &se) {
			t.Fatalf("err %v (%T), want *StoreError", err, err)
		}
		for _, w := range []string{"store order ORD-1 in table OrdersTable", "AccessDeniedException", "not authorized to perform: dynamodb:PutItem"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q lacks %q", err, w)
			}
		}
		if se.Code() != "AccessDeniedException" || !errors.Is(err, denied) {
			t.Errorf("Code %q, errors.Is %v", se.Code(), errors.Is(err, denied))
		}
		if res.Stored || r.topic.attempts != 0 {
			t.Errorf("result %+v, %d publishes", res, r.topic.attempts)
		}
		assertOutcomes(t, r, "error")
	})

	t.Run("non-AWS failure keeps its message", func(t *testing.T) {
		r := newRig(t, "100")
		r.table.fail = func(*dynamodb.PutItemInput) error { return context.DeadlineExceeded }
		_, err := r.handle(t, `{"OrderId":"ORD-1","Amount":5}`)
		var se *StoreError
		if !errors.As(err, &se) || !errors.Is(err, context.DeadlineExceeded) || se.Code() != "" {
			t.Fatalf("err %v", err)
		}
	})

	t.Run("endpoint ignores ALL_OLD", func(t *testing.T) {
		r := newRig(t, "100")
		mustHandle(t, r, `{"OrderId":"ORD-1","Amount":5}`)
		r.table.noOldItem = true
		_, err := r.handle(t, `{"OrderId":"ORD-1","Amount":5}`)
		var se *StoreError
		if !errors.As(err, &se) || !errors.Is(err, errNoOldItem) || !strings.Contains(err.Error(), "ConditionalCheckFailedException") {
			t.Fatalf("err %v", err)
		}
	})

	t.Run("marking notified fails after publishing", func(t *testing.T) {
		r := newRig(t, "100")
		r.table.fail = func(in *dynamodb.PutItemInput) error {
			if aws.ToString(in.ConditionExpression) == condPending {
				return denied
			}
			return nil
		}
		res, err := r.handle(t, `{"OrderId":"ORD-1","Amount":250}`)
		var se *StoreError
		if !errors.As(err, &se) {
			t.Fatalf("err %v (%T)", err, err)
		}
		for _, w := range []string{"mark notified order ORD-1", "AccessDeniedException", "already published as message msg-1"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q lacks %q", err, w)
			}
		}
		if !res.Stored || !res.Notified || res.MessageID != "msg-1" {
			t.Errorf("result %+v", res)
		}
		if attrs(r.table.item("ORD-1"))["Status"] != "S:PENDING_NOTIFY" {
			t.Errorf("item %v", attrs(r.table.item("ORD-1")))
		}
		// Once marking works again, a replay completes the order (publishing
		// again: delivery is at least once).
		r.table.fail = nil
		res, err = r.handle(t, `{"OrderId":"ORD-1","Amount":250}`)
		if err != nil || !res.Notified || attrs(r.table.item("ORD-1"))["Status"] != "S:NOTIFIED" {
			t.Fatalf("replay: %+v, %v, item %v", res, err, attrs(r.table.item("ORD-1")))
		}
	})

	t.Run("a concurrent replay marked it first", func(t *testing.T) {
		r := newRig(t, "100")
		r.table.beforePut = func(in *dynamodb.PutItemInput) {
			if aws.ToString(in.ConditionExpression) == condPending {
				r.table.mu.Lock()
				r.table.items["ORD-1"]["Status"] = attrS(StatusNotified)
				r.table.items["ORD-1"]["MessageId"] = attrS("msg-other")
				r.table.mu.Unlock()
			}
		}
		res, err := r.handle(t, `{"OrderId":"ORD-1","Amount":250}`)
		if err != nil || !res.Notified || res.MessageID != "msg-1" {
			t.Fatalf("%+v, %v", res, err)
		}
	})

	t.Run("the item changed meanwhile", func(t *testing.T) {
		r := newRig(t, "100")
		r.table.beforePut = func(in *dynamodb.PutItemInput) {
			if aws.ToString(in.ConditionExpression) == condPending {
				r.table.mu.Lock()
				r.table.items["ORD-1"]["Status"] = attrS(StatusComplete)
				r.table.mu.Unlock()
			}
		}
		_, err := r.handle(t, `{"OrderId":"ORD-1","Amount":250}`)
		var se *StoreError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), "changed meanwhile: Status COMPLETE") {
			t.Fatalf("err %v", err)
		}
	})
}

// Concurrent deliveries of one order store it once; of different orders, all.
func TestConcurrentOrders(t *testing.T) {
	r := newRig(t, "100")
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := []string{"ORD-A", "ORD-B", "ORD-C", "ORD-D"}[i%4]
			_, err := r.h.Handle(context.Background(), []byte(`{"OrderId":"`+id+`","Amount":50}`))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if r.table.count() != 4 {
		t.Errorf("%d items, want 4", r.table.count())
	}
	outcomes := map[any]int{}
	for _, l := range r.logLines(t) {
		outcomes[l["outcome"]]++
	}
	if outcomes["stored"] != 4 || outcomes["duplicate"] != 36 {
		t.Errorf("outcomes %v", outcomes)
	}
}

func TestInvoke(t *testing.T) {
	r := newRig(t, "100")
	out, err := r.h.Invoke(context.Background(), []byte(`{"OrderId":"ORD-1001","Amount":250}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"OrderId":"ORD-1001","Stored":true,"Notified":true,"MessageId":"msg-1","Duplicate":false}`; string(out) != want {
		t.Errorf("Invoke = %s\nwant     %s", out, want)
	}

	// The runtime reports reflect's name of the returned error's type as
	// errorType: errors must come back unwrapped.
	r.topic.fail = func(int) error { return apiErr("AuthorizationError", "denied") }
	cases := map[string]string{
		`{"OrderId":"","Amount":1}`:         "ValidationError",
		`{"OrderId":"ORD-1001","Amount":1}`: "ConflictError",
		`{"OrderId":"ORD-9","Amount":900}`:  "NotifyError",
	}
	for payload, wantType := range cases {
		_, err := r.h.Invoke(context.Background(), []byte(payload))
		if err == nil {
			t.Errorf("%s: no error", payload)
			continue
		}
		typ := reflect.TypeOf(err)
		if typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if typ.Name() != wantType {
			t.Errorf("%s: errorType %s, want %s", payload, typ.Name(), wantType)
		}
	}
	r.table.fail = func(*dynamodb.PutItemInput) error { return apiErr("AccessDeniedException", "no") }
	_, err = r.h.Invoke(context.Background(), []byte(`{"OrderId":"ORD-10","Amount":1}`))
	if _, ok := err.(*StoreError); !ok {
		t.Errorf("err %T, want *StoreError", err)
	}
}

func TestOneLogLinePerOrder(t *testing.T) {
	r := newRig(t, "100")
	r.handle(t, `{"OrderId":"ORD-1","Amount":250}`)
	r.handle(t, `{"OrderId":"ORD-2","Amount":5}`)
	r.handle(t, `{"OrderId":"ORD-1","Amount":250}`)
	r.handle(t, `{"OrderId":"ORD-1","Amount":9}`)
	r.handle(t, `{"OrderId":"ORD-3","Amount":"x"}`)
	lines := r.logLines(t)
	want := []struct{ id, amount, outcome, level string }{
		{"ORD-1", "250", "notified", "INFO"},
		{"ORD-2", "5", "stored", "INFO"},
		{"ORD-1", "250", "duplicate", "INFO"},
		{"ORD-1", "9", "conflict", "WARN"},
		{"ORD-3", `"x"`, "rejected", "WARN"},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d: %v", len(lines), len(want), lines)
	}
	for i, w := range want {
		l := lines[i]
		if l["OrderId"] != w.id || l["Amount"] != w.amount || l["outcome"] != w.outcome || l["level"] != w.level {
			t.Errorf("line %d: %v, want %+v", i, l, w)
		}
	}
	if lines[0]["MessageId"] != "msg-1" {
		t.Errorf("notified line lacks MessageId: %v", lines[0])
	}
	if _, ok := lines[3]["error"]; !ok {
		t.Errorf("conflict line lacks error: %v", lines[3])
	}
}

func mustHandle(t *testing.T, r *rig, payload string) Result {
	t.Helper()
	res, err := r.handle(t, payload)
	if err != nil {
		t.Fatalf("%s: %v", payload, err)
	}
	return res
}

func assertOutcomes(t *testing.T, r *rig, want ...string) {
	t.Helper()
	var got []string
	for _, l := range r.logLines(t) {
		s, _ := l["outcome"].(string)
		got = append(got, s)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("outcomes %v, want %v", got, want)
	}
}

// The result's JSON field names are the contract callers parse.
func TestResultJSONNames(t *testing.T) {
	b, _ := json.Marshal(Result{})
	if string(b) != `{"OrderId":"","Stored":false,"Notified":false,"MessageId":"","Duplicate":false}` {
		t.Errorf("got %s", b)
	}
}
