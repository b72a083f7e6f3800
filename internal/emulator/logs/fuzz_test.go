package logs

import (
	"errors"
	"testing"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// FuzzHandleJSON feeds arbitrary operations and bodies to CloudWatch Logs:
// every answer is a result or a client error, never a panic or a 500.
func FuzzHandleJSON(f *testing.F) {
	f.Add("PutLogEvents", []byte(`{"logGroupName":"/g","logStreamName":"s","logEvents":[{"timestamp":1,"message":"m"}]}`))
	st := memStore(f)
	svc, err := New(st, Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, op string, body []byte) {
		call := &service.Call{Service: "logs", Operation: op, Region: "us-east-1", Account: account, Now: time.Now(),
			Principal: service.Principal{ARN: "arn:aws:iam::000000000000:root", Admin: true}}
		_, herr := svc.HandleJSON(call, body)
		var se *service.Error
		if herr != nil && (!errors.As(herr, &se) || se.HTTPStatus() >= 500) {
			t.Fatalf("%s %q: %v", op, body, herr)
		}
	})
}

// FuzzFilterPattern: any pattern compiles or is refused cleanly, and a
// compiled one never panics on any message.
func FuzzFilterPattern(f *testing.F) {
	f.Add(`{ $.a[0].b = "x*" && ($.c > 1 || $.d IS NULL) }`, `{"a":[{"b":"xyz"}],"c":2}`)
	f.Fuzz(func(t *testing.T, pattern, msg string) {
		m, err := compilePattern(pattern)
		if err != nil {
			var se *service.Error
			if !errors.As(err, &se) || se.Code != "InvalidParameterException" {
				t.Fatalf("%q: %v", pattern, err)
			}
			return
		}
		_ = m(msg)
	})
}
