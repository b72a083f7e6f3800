package service

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an AWS error as a service reports it. Each protocol encoder
// renders it in its own shape (JSON __type, query XML <Error>, REST
// X-Amzn-ErrorType), so services never format errors themselves.
type Error struct {
	Status  int    // HTTP status; 400 when zero
	Code    string // AWS's error code, e.g. ResourceNotFoundException
	Message string
	// Sender is true for client faults (query protocol <Type>Sender</Type>).
	Sender bool
	// QueryCode is SQS's legacy awsQuery code (AWS.SimpleQueueService.NonExistentQueue),
	// sent in x-amzn-query-error so older SDKs map the error too.
	QueryCode string
	// Fields are further members of the error's body, for error shapes that
	// carry data (DynamoDB's ConditionalCheckFailedException.Item). The
	// awsJson encoder writes them next to __type and message.
	Fields map[string]any
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// HTTPStatus is the status to answer with.
func (e *Error) HTTPStatus() int {
	if e.Status == 0 {
		return http.StatusBadRequest
	}
	return e.Status
}

// Errorf builds a client (4xx, Sender) error.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...), Sender: true}
}

// Validation is the common 400 ValidationException (DynamoDB, Lambda, Logs use
// it; query services use ValidationError — pass the code explicitly there).
func Validation(format string, args ...any) *Error {
	return Errorf(400, "ValidationException", format, args...)
}

// Internal wraps an unexpected failure as a 500 the client can retry.
func Internal(err error) *Error {
	return &Error{Status: 500, Code: "InternalFailure", Message: err.Error()}
}

// AsError turns any error into an *Error; unknown errors become 500s.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}
