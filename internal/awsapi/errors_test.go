package awsapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/orders-dev/orders/internal/config"
)

func opErr(service, op, code, msg string) error {
	return &smithy.OperationError{ServiceID: service, OperationName: op,
		Err: &smithy.GenericAPIError{Code: code, Message: msg}}
}

func TestExplainAccessDeniedFromMessage(t *testing.T) {
	err := opErr("SQS", "CreateQueue", "AccessDenied",
		"User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sqs:createqueue on resource: arn:aws:sqs:us-east-1:123456789012:HighValueQueue because no identity-based policy allows the sqs:createqueue action")
	got := ExplainAccessDenied(err)
	var ad *AccessDeniedError
	if !errors.As(got, &ad) {
		t.Fatalf("got %T %v", got, got)
	}
	if ad.Action != "sqs:createqueue" || ad.Resource != "arn:aws:sqs:us-east-1:123456789012:HighValueQueue" {
		t.Errorf("action %q resource %q", ad.Action, ad.Resource)
	}
	msg := got.Error()
	for _, want := range []string{"sqs:createqueue", "orders policy operator", "HighValueQueue", "not authorized"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if !errors.Is(got, err) {
		t.Error("the AWS error must stay in the chain")
	}
	if ExplainAccessDenied(got) != got {
		t.Error("explaining twice should not wrap twice")
	}
}

func TestExplainAccessDeniedFromOperation(t *testing.T) {
	for _, tc := range []struct {
		service, op, code, want string
	}{
		{"SNS", "Publish", "AuthorizationError", "sns:Publish"},
		{"Lambda", "Invoke", "AccessDeniedException", "lambda:InvokeFunction"},
		{"CloudWatch Logs", "CreateLogGroup", "AccessDeniedException", "logs:CreateLogGroup"},
		{"DynamoDB", "CreateTable", "AccessDeniedException", "dynamodb:CreateTable"},
		{"IAM", "CreateRole", "AccessDenied", "iam:CreateRole"},
	} {
		var ad *AccessDeniedError
		if !errors.As(ExplainAccessDenied(opErr(tc.service, tc.op, tc.code, "denied")), &ad) {
			t.Errorf("%s %s: not explained", tc.service, tc.op)
			continue
		}
		if ad.Action != tc.want {
			t.Errorf("%s %s: action %q, want %q", tc.service, tc.op, ad.Action, tc.want)
		}
	}
}

func TestExplainAccessDeniedLeavesOthers(t *testing.T) {
	if ExplainAccessDenied(nil) != nil {
		t.Error("nil should stay nil")
	}
	other := opErr("SQS", "CreateQueue", "QueueDeletedRecently", "wait 60 seconds")
	if ExplainAccessDenied(other) != other {
		t.Error("a non-access error should be returned as is")
	}
	plain := errors.New("boom")
	if ExplainAccessDenied(plain) != plain {
		t.Error("a non-AWS error should be returned as is")
	}
}

// Over the wire: the SDK's own error for a 403 from STS is explained.
func TestExplainAccessDeniedOverTheWire(t *testing.T) {
	isolate(t)
	staticEnv(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(403)
		w.Write([]byte(`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code>` +
			`<Message>User: arn:aws:iam::123456789012:user/bob is not authorized to perform: sts:GetCallerIdentity</Message></Error><RequestId>r</RequestId></ErrorResponse>`))
	}))
	defer srv.Close()
	cfg := config.Default()
	cfg.Region, cfg.EndpointURL = "us-east-1", srv.URL
	c, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.STS.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if !IsAccessDenied(err) {
		t.Fatalf("IsAccessDenied(%v) = false", err)
	}
	var ad *AccessDeniedError
	if !errors.As(ExplainAccessDenied(err), &ad) || ad.Action != "sts:GetCallerIdentity" {
		t.Errorf("explained = %v", ExplainAccessDenied(err))
	}
}

func TestDescribeAndErrorCode(t *testing.T) {
	err := opErr("SQS", "CreateQueue", "QueueDeletedRecently", "You must wait 60 seconds")
	if ErrorCode(err) != "QueueDeletedRecently" {
		t.Errorf("ErrorCode = %q", ErrorCode(err))
	}
	if got := Describe(err); got != "QueueDeletedRecently: You must wait 60 seconds" {
		t.Errorf("Describe = %q", got)
	}
	if ErrorCode(errors.New("x")) != "" || Describe(errors.New("x")) != "x" {
		t.Error("plain errors")
	}
}
