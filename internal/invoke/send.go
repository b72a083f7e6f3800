// Package invoke calls the deployed ProcessOrderFunction: one order (Send),
// many at once (Load), and reads the function's CloudWatch Logs (Tail). It
// also builds and checks the order events the CLI sends (Event,
// EventFromFile, NewOrderID), so bad flags are refused before any call.
package invoke

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/orders-dev/orders/function/handler"
	"github.com/orders-dev/orders/internal/awsapi"
)

// Outcome is what one invocation did. On a function error it still carries
// the duration and the log tail; the order fields are then empty.
type Outcome struct {
	OrderID   string        `json:"orderId"`
	Stored    bool          `json:"stored"`    // this invocation wrote the order
	Notified  bool          `json:"notified"`  // this invocation published the SNS notification
	MessageID string        `json:"messageId"` // SNS message id (for a duplicate: the earlier one)
	Duplicate bool          `json:"duplicate"` // already fully processed: nothing was done
	Duration  time.Duration `json:"-"`         // round trip of the Invoke call, as the client saw it
	// DurationMs is Duration in milliseconds, for JSON readers.
	DurationMs float64 `json:"durationMs"`
	// LogTail is the function's last 4 KB of log output (LogType Tail),
	// decoded; "" unless asked for.
	LogTail string `json:"logTail,omitempty"`
}

// FunctionError is the function failing an order (Lambda's FunctionError):
// errorType is the handler's Go error type ("ValidationError",
// "NotifyError", ...) and errorMessage its message, which keeps AWS's code
// (AccessDeniedException, AuthorizationError) when an AWS call was refused.
type FunctionError struct {
	Type    string // errorType, or Lambda's FunctionError value ("Unhandled") when the payload has none
	Message string // errorMessage, or the raw payload when it is not Lambda's error shape
	LogTail string // the decoded log tail, when it was asked for
}

func (e *FunctionError) Error() string {
	if e.Message == "" {
		return "function error " + e.Type
	}
	return "function error " + e.Type + ": " + e.Message
}

// AccessDenied reports whether the function failed because one of its own
// AWS calls was refused: its role lacks a permission.
func (e *FunctionError) AccessDenied() bool {
	for _, code := range []string{"AccessDenied", "AuthorizationError", "not authorized to perform"} {
		if strings.Contains(e.Message, code) {
			return true
		}
	}
	return false
}

// lambdaError is the payload Lambda returns with a function error.
type lambdaError struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

// Send invokes the function synchronously with event and returns what the
// handler did. withLogs asks Lambda for the log tail (LogType Tail). A
// function error is returned as a *FunctionError together with the Outcome
// (duration, log tail); a failed Invoke call as an error saying so.
func Send(ctx context.Context, lambdaClient awsapi.Lambda, functionName string, event []byte, withLogs bool) (Outcome, error) {
	in := &lambda.InvokeInput{
		FunctionName:   aws.String(functionName),
		InvocationType: ltypes.InvocationTypeRequestResponse,
		Payload:        event,
	}
	if withLogs {
		in.LogType = ltypes.LogTypeTail
	}
	start := time.Now()
	out, err := lambdaClient.Invoke(ctx, in)
	elapsed := time.Since(start)
	if err != nil {
		return Outcome{}, fmt.Errorf("invoke function %s: %w", functionName, awsapi.ExplainAccessDenied(err))
	}
	o := Outcome{Duration: elapsed, DurationMs: millis(elapsed)}
	if out.LogResult != nil && *out.LogResult != "" {
		tail, err := base64.StdEncoding.DecodeString(*out.LogResult)
		if err != nil {
			// A tail we cannot decode is shown as Lambda sent it rather
			// than hiding the result of the order.
			o.LogTail = *out.LogResult
		} else {
			o.LogTail = string(tail)
		}
	}
	if out.FunctionError != nil {
		return o, functionError(*out.FunctionError, out.Payload, o.LogTail)
	}
	if out.StatusCode != 0 && out.StatusCode != 200 {
		return o, fmt.Errorf("invoke function %s: unexpected status %d for a RequestResponse invocation", functionName, out.StatusCode)
	}
	var res handler.Result
	if err := json.Unmarshal(bytes.TrimSpace(out.Payload), &res); err != nil || res.OrderID == "" {
		return o, fmt.Errorf("invoke function %s: the function returned %s, not an order result",
			functionName, shorten(string(out.Payload)))
	}
	o.OrderID, o.Stored, o.Notified, o.MessageID, o.Duplicate = res.OrderID, res.Stored, res.Notified, res.MessageID, res.Duplicate
	return o, nil
}

func functionError(kind string, payload []byte, tail string) *FunctionError {
	fe := &FunctionError{Type: kind, LogTail: tail}
	var le lambdaError
	if err := json.Unmarshal(payload, &le); err == nil && (le.ErrorType != "" || le.ErrorMessage != "") {
		if le.ErrorType != "" {
			fe.Type = le.ErrorType
		}
		fe.Message = le.ErrorMessage
		return fe
	}
	fe.Message = shorten(strings.TrimSpace(string(payload)))
	return fe
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// shorten cuts untrusted text for an error message.
func shorten(s string) string {
	const max = 200
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
