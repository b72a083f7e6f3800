package handler

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"
)

// The Lambda runtime reports a returned error's Go type name as errorType
// (aws-lambda-go uses reflection on the value it gets), so these are returned
// unwrapped, as pointers: callers see "ValidationError", "ConflictError",
// "StoreError", "NotifyError" or "ConfigError".

// FieldProblem is one thing wrong with one field of the event.
type FieldProblem struct {
	Field   string // "OrderId", "Amount", or "event" for the payload as a whole
	Problem string
}

// ValidationError: the event is not a valid order. Nothing was stored.
type ValidationError struct {
	Problems []FieldProblem
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Field + ": " + p.Problem
	}
	return "invalid order event: " + strings.Join(parts, "; ") + " (nothing stored)"
}

// ConflictError: the OrderId is already stored with a different Amount.
// Nothing was changed and nothing was published.
type ConflictError struct {
	OrderID      string
	StoredAmount string // as DynamoDB holds it
	Amount       string // as this event asked
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("order %s is already stored with Amount %s, not %s: nothing changed",
		e.OrderID, e.StoredAmount, e.Amount)
}

// StoreError: a DynamoDB PutItem failed. Its message keeps AWS's error code and
// message (an AccessDeniedException names the missing permission).
type StoreError struct {
	Op      string // what was being done: "store order", "mark notified order"
	OrderID string
	Table   string
	Detail  string // extra context, e.g. the message id already published
	Err     error
}

func (e *StoreError) Error() string {
	msg := fmt.Sprintf("%s %s in table %s: %s", e.Op, e.OrderID, e.Table, withCode(e.Err))
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

func (e *StoreError) Unwrap() error { return e.Err }

// Code is AWS's error code ("AccessDeniedException", ...), or "" if the
// failure did not come from AWS.
func (e *StoreError) Code() string { return apiCode(e.Err) }

// NotifyError: the order is stored (Status PENDING_NOTIFY) but SNS Publish
// failed. Replaying the same event publishes once and completes the order.
type NotifyError struct {
	OrderID string
	Topic   string
	Err     error
}

func (e *NotifyError) Error() string {
	return fmt.Sprintf("publish notification for order %s to topic %s: %s "+
		"(the order is stored with its notification pending; replaying the same event will notify)",
		e.OrderID, e.Topic, withCode(e.Err))
}

func (e *NotifyError) Unwrap() error { return e.Err }

// Code is AWS's error code ("AuthorizationError", ...), or "".
func (e *NotifyError) Code() string { return apiCode(e.Err) }

// ConfigError: the function's environment is unusable (TABLE_NAME, TOPIC_ARN,
// THRESHOLD, or the AWS configuration).
type ConfigError struct {
	Problems []string
}

func (e *ConfigError) Error() string {
	return "function misconfigured: " + strings.Join(e.Problems, "; ")
}

func apiCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// withCode is err's message, with AWS's error code added when the message
// does not already carry it (the SDK's messages do: "api error Code: msg").
func withCode(err error) string {
	if err == nil {
		return "<nil>"
	}
	msg := err.Error()
	var api smithy.APIError
	if errors.As(err, &api) {
		if code := api.ErrorCode(); code != "" && !strings.Contains(msg, code) {
			msg = code + ": " + msg
		}
		if m := api.ErrorMessage(); m != "" && !strings.Contains(msg, m) {
			msg += ": " + m
		}
	}
	return msg
}
