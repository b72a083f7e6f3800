package invoke

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// deniedThenOK refuses the first n invocations as a role without its
// policy would, then stores the order.
func deniedThenOK(n int32) *fakeLambda {
	var calls atomic.Int32
	return &fakeLambda{fn: func(context.Context, *lambda.InvokeInput) (*lambda.InvokeOutput, error) {
		if calls.Add(1) <= n {
			return &lambda.InvokeOutput{StatusCode: 200, FunctionError: aws.String("Unhandled"),
				Payload: []byte(`{"errorType":"StoreError","errorMessage":"put order ORD-1: AccessDeniedException: User: arn:aws:sts::1:assumed-role/r/f is not authorized to perform: dynamodb:PutItem"}`)}, nil
		}
		return &lambda.InvokeOutput{StatusCode: 200, Payload: []byte(`{"OrderId":"ORD-1","Stored":true}`)}, nil
	}}
}

// fakeClock advances only when slept on.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }
func (c *fakeClock) sleep(_ context.Context, d time.Duration) error {
	c.t = c.t.Add(d)
	return nil
}

func TestSendSettledRetriesAccessDeniedAfterARoleChange(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 10, 0, time.UTC)}
	changed := clk.t.Add(-2 * time.Second)
	var said []string
	rs := &RoleSettle{
		Until: func(context.Context) (time.Time, time.Time) { return changed.Add(2 * time.Minute), changed },
		Every: time.Second, Now: clk.now, Sleep: clk.sleep,
		Say: func(m string) { said = append(said, m) },
	}
	f := deniedThenOK(3)
	out, err := SendSettled(context.Background(), f, "fn", []byte(`{}`), false, rs)
	if err != nil || !out.Stored {
		t.Fatalf("SendSettled = %+v, %v; want stored after the role settled", out, err)
	}
	if n := len(f.inputs()); n != 4 {
		t.Errorf("invocations %d, want 4", n)
	}
	if len(said) != 3 || !strings.Contains(said[0], "role was changed 2s ago") || !strings.Contains(said[0], "--iam-wait") {
		t.Errorf("said %q", said)
	}
}

func TestSendSettledGivesUpAtTheDeadline(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 10, 0, time.UTC)}
	changed := clk.t.Add(-2 * time.Second)
	rs := &RoleSettle{
		Until: func(context.Context) (time.Time, time.Time) { return changed.Add(5 * time.Second), changed },
		Now:   clk.now, Sleep: clk.sleep,
	}
	f := deniedThenOK(1000)
	_, err := SendSettled(context.Background(), f, "fn", []byte(`{}`), false, rs)
	var fe *FunctionError
	if !errors.As(err, &fe) || !fe.AccessDenied() {
		t.Fatalf("err = %v, want the function's AccessDenied", err)
	}
	if n := len(f.inputs()); n != 4 { // at 10 s, 11, 12, 13 (the deadline)
		t.Errorf("invocations %d, want 4", n)
	}
}

func TestSendSettledWithoutARecentChangeSendsOnce(t *testing.T) {
	rs := &RoleSettle{Until: func(context.Context) (time.Time, time.Time) { return time.Time{}, time.Time{} }}
	f := deniedThenOK(1)
	if _, err := SendSettled(context.Background(), f, "fn", []byte(`{}`), false, rs); err == nil {
		t.Fatal("want the AccessDenied")
	}
	if n := len(f.inputs()); n != 1 {
		t.Errorf("invocations %d, want 1", n)
	}
}

func TestLoadSendsAgainAfterARoleChange(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 10, 0, time.UTC)}
	changed := clk.t.Add(-time.Second)
	rs := &RoleSettle{
		Until: func(context.Context) (time.Time, time.Time) { return changed.Add(time.Minute), changed },
		Now:   clk.now, Sleep: clk.sleep,
	}
	f := deniedThenOK(2)
	rep, err := Load(context.Background(), f, "fn", LoadOptions{Count: 3, Concurrency: 1, Amount: "250", RoleSettle: rs})
	if err != nil || rep.Errors != 0 || rep.Acknowledged != 3 {
		t.Errorf("load: %+v, %v; want 3 acknowledged once IAM applied the role", rep, err)
	}
}
