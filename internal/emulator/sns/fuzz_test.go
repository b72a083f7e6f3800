package sns

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// discardSink accepts every delivery.
type discardSink struct{}

func (discardSink) SendFromService(context.Context, string, string, string, string, string, string, map[string]service.MessageAttribute, string) error {
	return nil
}

// FuzzHandleQuery feeds arbitrary form bodies to every operation, decoded
// as the dispatcher decodes them: the answer is a result or a 4xx
// *service.Error, never a panic or a 500. Seed corpus in
// testdata/fuzz/FuzzHandleQuery.
func FuzzHandleQuery(f *testing.F) {
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = st.Close() })
	svc, err := New(st, Options{Queues: discardSink{}, SigningKey: testKey()})
	if err != nil {
		f.Fatal(err)
	}
	call := func(op string) *service.Call {
		return &service.Call{Context: context.Background(), Service: "sns", Operation: op, Region: "us-east-1",
			Account: testAccount, Endpoint: "http://x", Now: time.Now(), Principal: service.Principal{ARN: "arn:aws:iam::000000000000:root", Admin: true}}
	}
	seed := url.Values{"Name": {"fz"}}
	if _, err := svc.HandleQuery(call("CreateTopic"), seed); err != nil {
		f.Fatal(err)
	}
	sub := url.Values{"TopicArn": {"arn:aws:sns:us-east-1:000000000000:fz"}, "Protocol": {"sqs"}, "Endpoint": {"arn:aws:sqs:us-east-1:000000000000:q"}}
	if _, err := svc.HandleQuery(call("Subscribe"), sub); err != nil {
		f.Fatal(err)
	}
	f.Add(uint8(11), "TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3Afz&Message=hi")
	f.Fuzz(func(t *testing.T, op uint8, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return // the dispatcher answers these itself (MalformedQueryString)
		}
		c := call(operations[int(op)%len(operations)])
		_, err = svc.HandleQuery(c, form)
		if err == nil {
			return
		}
		var se *service.Error
		if !errors.As(err, &se) {
			t.Fatalf("%s: error is not a *service.Error: %v", c.Operation, err)
		}
		if se.HTTPStatus() >= 500 {
			t.Fatalf("%s: %d for %q: %v", c.Operation, se.HTTPStatus(), body, err)
		}
	})
}
