package awsapi

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/smithy-go"
)

// ErrorCode returns the AWS error code of err ("ResourceNotFoundException",
// "AccessDenied", ...) or "" when err carries none.
func ErrorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// accessDeniedCodes are the codes AWS services use for "not allowed",
// depending on protocol and service (SNS says AuthorizationError).
var accessDeniedCodes = map[string]bool{
	"AccessDenied":                true,
	"AccessDeniedException":       true,
	"AuthorizationError":          true,
	"AuthorizationErrorException": true,
	"UnauthorizedOperation":       true,
	"UnauthorizedException":       true,
}

// IsAccessDenied reports whether err is AWS refusing a call for lack of
// permission.
func IsAccessDenied(err error) bool { return accessDeniedCodes[ErrorCode(err)] }

// AccessDeniedError is an AccessDenied-like error with the IAM action the
// caller lacks, found in AWS's message or derived from the operation.
type AccessDeniedError struct {
	Action   string // e.g. "sqs:CreateQueue"
	Resource string // the resource AWS named, when it did
	Err      error  // AWS's error
}

func (e *AccessDeniedError) Error() string {
	var b strings.Builder
	b.WriteString("access denied: your AWS identity lacks ")
	b.WriteString(e.Action)
	if e.Resource != "" {
		b.WriteString(" on ")
		b.WriteString(e.Resource)
	}
	b.WriteString(" — `orders policy operator` prints the policy orders needs\n  (")
	b.WriteString(e.Err.Error())
	b.WriteString(")")
	return b.String()
}

func (e *AccessDeniedError) Unwrap() error { return e.Err }

var (
	// AWS's usual wording: "User: arn:... is not authorized to perform:
	// sqs:CreateQueue on resource: arn:... because ...".
	deniedActionRE   = regexp.MustCompile(`not authorized to perform:?\s+([A-Za-z0-9-]+:[A-Za-z0-9*]+)`)
	deniedResourceRE = regexp.MustCompile(`on resource:?\s+([^\s,;]+)`)
)

// iamPrefix maps the SDK's service IDs to IAM action prefixes.
var iamPrefix = map[string]string{
	"DynamoDB":        "dynamodb",
	"SNS":             "sns",
	"SQS":             "sqs",
	"IAM":             "iam",
	"Lambda":          "lambda",
	"CloudWatch Logs": "logs",
	"STS":             "sts",
}

// iamActionName covers operations whose IAM action is named differently.
var iamActionName = map[string]string{
	"lambda:Invoke": "lambda:InvokeFunction",
}

// ExplainAccessDenied turns an AccessDenied-like error into an
// *AccessDeniedError naming the missing action and pointing at
// `orders policy operator`. Any other error (and nil) is returned as is.
func ExplainAccessDenied(err error) error {
	if err == nil || !IsAccessDenied(err) {
		return err
	}
	var already *AccessDeniedError
	if errors.As(err, &already) {
		return err
	}
	ad := &AccessDeniedError{Err: err}
	msg := err.Error()
	if m := deniedActionRE.FindStringSubmatch(msg); m != nil {
		ad.Action = m[1]
	}
	if m := deniedResourceRE.FindStringSubmatch(msg); m != nil {
		ad.Resource = strings.TrimRight(m[1], ".")
	}
	if ad.Action == "" {
		var opErr *smithy.OperationError
		if errors.As(err, &opErr) {
			ad.Action = IAMAction(opErr.Service(), opErr.Operation())
		}
	}
	if ad.Action == "" {
		ad.Action = "a permission"
	}
	return ad
}

// Describe is a short human form of an AWS error for messages that already
// say what was being done: "QueueDeletedRecently: You must wait 60 seconds…"
// instead of the SDK's "operation error SQS: CreateQueue, https response
// error StatusCode: 400, RequestID: …, api error …". Other errors are
// returned as their message.
func Describe(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		if m := apiErr.ErrorMessage(); m != "" {
			return fmt.Sprintf("%s: %s", apiErr.ErrorCode(), m)
		}
		return apiErr.ErrorCode()
	}
	return err.Error()
}
