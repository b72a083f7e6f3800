package iam

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// FuzzHandleQuery feeds arbitrary form bodies to IAM: whatever arrives, the
// answer is a result or a client error, never a panic or a 500.
func FuzzHandleQuery(f *testing.F) {
	f.Add([]byte("Action=CreateRole&RoleName=R&AssumeRolePolicyDocument=%7B%7D"))
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = st.Close() })
	svc, err := New(st, Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return // the dispatcher answers MalformedQueryString
		}
		call := &service.Call{
			Service: "iam", Operation: form.Get("Action"), Region: "us-east-1", Account: account,
			Now: time.Now(), RequestID: "fuzz",
			Principal: service.Principal{ARN: "arn:aws:iam::000000000000:root", Admin: true},
		}
		_, herr := svc.HandleQuery(call, form)
		var se *service.Error
		if herr != nil && (!errors.As(herr, &se) || se.HTTPStatus() >= 500) {
			t.Fatalf("%q: %v", body, herr)
		}
	})
}
