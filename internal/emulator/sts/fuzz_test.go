package sts

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// FuzzHandleQuery: any form gets a result or a client error, never a panic
// or a 500.
func FuzzHandleQuery(f *testing.F) {
	f.Add([]byte("Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2FAssumable&RoleSessionName=s1"))
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = st.Close() })
	svc, err := New(st, Options{Roles: roles})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return
		}
		for _, p := range []service.Principal{
			{ARN: "arn:aws:iam::000000000000:root", Admin: true},
			{ARN: "arn:aws:sts::000000000000:assumed-role/Assumable/s", RoleName: "Assumable", SessionName: "s", AccessKeyID: "ASIAX"},
		} {
			call := &service.Call{Service: "sts", Operation: form.Get("Action"), Region: "us-east-1", Account: account, Now: time.Now(), Principal: p}
			_, herr := svc.HandleQuery(call, form)
			var se *service.Error
			if herr != nil && (!errors.As(herr, &se) || se.HTTPStatus() >= 500) {
				t.Fatalf("%q: %v", body, herr)
			}
		}
	})
}
