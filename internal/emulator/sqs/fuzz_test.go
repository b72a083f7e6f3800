package sqs

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// FuzzHandleJSON feeds arbitrary bodies to every operation: whatever comes
// in, the answer is a value or a 4xx *service.Error — never a panic or a 500.
// The seed corpus is in testdata/fuzz/FuzzHandleJSON.
func FuzzHandleJSON(f *testing.F) {
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = st.Close() })
	svc, err := New(st, Options{DeletedCooldown: -1, PurgeCooldown: -1})
	if err != nil {
		f.Fatal(err)
	}
	setup := &service.Call{Context: context.Background(), Service: "sqs", Operation: "CreateQueue", Region: "us-east-1", Account: testAccount, Endpoint: "http://x"}
	if _, err := svc.HandleJSON(setup, []byte(`{"QueueName":"fz"}`)); err != nil {
		f.Fatal(err)
	}
	f.Add(uint8(8), []byte(`{"QueueUrl":"http://x/000000000000/fz","MessageBody":"hi"}`))
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		// Long polls must give up when the request goes away.
		cctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		call := &service.Call{Context: cctx, Service: "sqs", Operation: operations[int(op)%len(operations)],
			Region: "us-east-1", Account: testAccount, Endpoint: "http://x", Now: time.Now()}
		_, err := svc.HandleJSON(call, body)
		if err == nil {
			return
		}
		var se *service.Error
		if !errors.As(err, &se) {
			t.Fatalf("%s: error is not a *service.Error: %v", call.Operation, err)
		}
		if se.HTTPStatus() >= 500 {
			t.Fatalf("%s: %d for %q: %v", call.Operation, se.HTTPStatus(), body, err)
		}
	})
}
