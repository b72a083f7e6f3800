package invoke

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/orders-dev/orders/internal/awsapi"
)

func answer(out *lambda.InvokeOutput, err error) *fakeLambda {
	return &fakeLambda{fn: func(context.Context, *lambda.InvokeInput) (*lambda.InvokeOutput, error) { return out, err }}
}

func TestSendParsesResult(t *testing.T) {
	tail := "START RequestId: 1\n{\"msg\":\"order notified\",\"OrderId\":\"ORD-1\"}\nEND RequestId: 1\n"
	fl := answer(&lambda.InvokeOutput{
		StatusCode: 200,
		Payload:    []byte(`{"OrderId":"ORD-1","Stored":true,"Notified":true,"MessageId":"m-1","Duplicate":false}`),
		LogResult:  aws.String(base64.StdEncoding.EncodeToString([]byte(tail))),
	}, nil)
	event := []byte(`{"OrderId":"ORD-1","Amount":250}`)
	o, err := Send(context.Background(), fl, "Fn", event, true)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	want := Outcome{OrderID: "ORD-1", Stored: true, Notified: true, MessageID: "m-1", LogTail: tail}
	got := o
	got.Duration, got.DurationMs = 0, 0
	if got != want {
		t.Errorf("outcome = %+v, want %+v", got, want)
	}
	if o.Duration <= 0 || o.DurationMs <= 0 {
		t.Errorf("duration not measured: %v / %v ms", o.Duration, o.DurationMs)
	}
	in := fl.inputs()[0]
	if aws.ToString(in.FunctionName) != "Fn" || in.InvocationType != ltypes.InvocationTypeRequestResponse ||
		in.LogType != ltypes.LogTypeTail || string(in.Payload) != string(event) {
		t.Errorf("invoke input = %+v", in)
	}
}

func TestSendWithoutLogsAsksForNone(t *testing.T) {
	fl := answer(&lambda.InvokeOutput{StatusCode: 200, Payload: []byte(`{"OrderId":"A","Duplicate":true,"MessageId":"old"}`)}, nil)
	o, err := Send(context.Background(), fl, "Fn", []byte(`{}`), false)
	if err != nil {
		t.Fatal(err)
	}
	if in := fl.inputs()[0]; in.LogType != "" {
		t.Errorf("LogType = %q, want none", in.LogType)
	}
	if !o.Duplicate || o.MessageID != "old" || o.Stored || o.LogTail != "" {
		t.Errorf("outcome = %+v", o)
	}
}

func TestSendFunctionErrorShowsAccessDenied(t *testing.T) {
	msg := "publish notification for order ORD-9 to topic arn:aws:sns:r:1:T: operation error SNS: Publish, " +
		"api error AuthorizationError: User: arn:aws:sts::1:assumed-role/R/S is not authorized to perform: SNS:Publish on resource: arn:aws:sns:r:1:T"
	fl := answer(&lambda.InvokeOutput{
		StatusCode:    200,
		FunctionError: aws.String("Unhandled"),
		Payload:       []byte(`{"errorMessage":` + quote(msg) + `,"errorType":"NotifyError"}`),
		LogResult:     aws.String(base64.StdEncoding.EncodeToString([]byte("the tail"))),
	}, nil)
	o, err := Send(context.Background(), fl, "Fn", []byte(`{"OrderId":"ORD-9","Amount":500}`), true)
	var fe *FunctionError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v (%T), want *FunctionError", err, err)
	}
	if fe.Type != "NotifyError" || fe.Message != msg || fe.LogTail != "the tail" {
		t.Errorf("function error = %+v", fe)
	}
	for _, want := range []string{"NotifyError", "AuthorizationError", "SNS:Publish"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not show %q", err, want)
		}
	}
	if !fe.AccessDenied() {
		t.Error("AccessDenied() = false for an AuthorizationError")
	}
	if o.LogTail != "the tail" || o.Duration <= 0 {
		t.Errorf("outcome on function error = %+v, want tail and duration", o)
	}
}

func TestSendFunctionErrorWithoutLambdaShape(t *testing.T) {
	fl := answer(&lambda.InvokeOutput{StatusCode: 200, FunctionError: aws.String("Unhandled"), Payload: []byte("Task timed out after 3.00 seconds")}, nil)
	_, err := Send(context.Background(), fl, "Fn", nil, false)
	var fe *FunctionError
	if !errors.As(err, &fe) || fe.Type != "Unhandled" || fe.Message != "Task timed out after 3.00 seconds" {
		t.Fatalf("error = %#v", err)
	}
	if fe.AccessDenied() {
		t.Error("AccessDenied() = true for a timeout")
	}
	validation := answer(&lambda.InvokeOutput{FunctionError: aws.String("Unhandled"),
		Payload: []byte(`{"errorMessage":"invalid order event: Amount: must be >= 0, got -3 (nothing stored)","errorType":"ValidationError"}`)}, nil)
	_, err = Send(context.Background(), validation, "Fn", nil, false)
	if err == nil || err.Error() != "function error ValidationError: invalid order event: Amount: must be >= 0, got -3 (nothing stored)" {
		t.Errorf("error = %v", err)
	}
}

func TestSendCallErrors(t *testing.T) {
	denied := &smithy.GenericAPIError{Code: "AccessDeniedException",
		Message: "User: arn:aws:iam::1:user/u is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:r:1:function:Fn"}
	_, err := Send(context.Background(), answer(nil, denied), "Fn", nil, false)
	var ad *awsapi.AccessDeniedError
	if !errors.As(err, &ad) || ad.Action != "lambda:InvokeFunction" {
		t.Errorf("error = %v, want an AccessDeniedError naming lambda:InvokeFunction", err)
	}
	if err == nil || !strings.Contains(err.Error(), "invoke function Fn") {
		t.Errorf("error %v does not say what was being done", err)
	}

	_, err = Send(context.Background(), answer(&lambda.InvokeOutput{StatusCode: 200, Payload: []byte(`"hello"`)}, nil), "Fn", nil, false)
	if err == nil || !strings.Contains(err.Error(), "not an order result") {
		t.Errorf("unexpected payload: error = %v", err)
	}
}

func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}
