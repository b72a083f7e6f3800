package sqs

import (
	"fmt"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// SQS speaks awsJson 1.0 but stays compatible with its older awsQuery
// protocol: every error carries the legacy code in x-amzn-query-error, which
// is what SDKs report as the error code. Statuses and legacy codes follow the
// @awsQueryError traits of the service model.

func sqsError(status int, code, queryCode, format string, args ...any) *service.Error {
	if queryCode == "" {
		queryCode = code
	}
	return &service.Error{Status: status, Code: code, QueryCode: queryCode, Message: fmt.Sprintf(format, args...), Sender: true}
}

func errQueueDoesNotExist() *service.Error {
	return sqsError(400, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.")
}

func errInvalidAddress(addr string) *service.Error {
	return sqsError(404, "InvalidAddress", "", "The address %s is not valid for this endpoint.", addr)
}

func errMissing(param string) *service.Error {
	return sqsError(400, "MissingParameter", "", "The request must contain the parameter %s.", param)
}

// errInvalidParameter is the generic InvalidParameterValue SQS answers for
// out-of-range request parameters; it has no modelled shape, so SDKs surface
// it as a generic API error with this code.
func errInvalidParameter(format string, args ...any) *service.Error {
	return sqsError(400, "InvalidParameterValue", "", format, args...)
}

func errInvalidAttributeName(name string) *service.Error {
	return sqsError(400, "InvalidAttributeName", "", "Unknown Attribute %s.", name)
}

func errInvalidAttributeValue(name string) *service.Error {
	return sqsError(400, "InvalidAttributeValue", "", "Invalid value for the parameter %s.", name)
}

func errReceiptHandleInvalid(handle string) *service.Error {
	return sqsError(404, "ReceiptHandleIsInvalid", "", "The input receipt handle %q is not a valid receipt handle.", handle)
}

func errMessageNotInflight() *service.Error {
	return sqsError(400, "MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight", "The specified message isn't in flight.")
}

func errEmptyBatch(kind string) *service.Error {
	return sqsError(400, "EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest",
		"There should be at least one %sBatchRequestEntry in the request.", kind)
}

func errTooManyEntries(n int) *service.Error {
	return sqsError(400, "TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
		"Maximum number of entries per request are %d. You have sent %d.", maxBatchEntries, n)
}

func errBatchIDsNotDistinct(id string) *service.Error {
	return sqsError(400, "BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id %s repeated.", id)
}

func errInvalidBatchEntryID() *service.Error {
	return sqsError(400, "InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId",
		"A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")
}

func errBatchTooLong(n int) *service.Error {
	return sqsError(400, "BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong",
		"Batch requests cannot be longer than %d bytes. You have sent %d bytes.", maxMessageSizeLimit, n)
}

func errQueueNameExists(attr string) *service.Error {
	return sqsError(400, "QueueNameExists", "QueueAlreadyExists",
		"A queue already exists with the same name and a different value for attribute %s", attr)
}

func errQueueDeletedRecently(wait string) *service.Error {
	return sqsError(400, "QueueDeletedRecently", "AWS.SimpleQueueService.QueueDeletedRecently",
		"You must wait %s after deleting a queue before you can create another with the same name.", wait)
}

func errPurgeInProgress(arn string, wait string) *service.Error {
	return sqsError(403, "PurgeQueueInProgress", "AWS.SimpleQueueService.PurgeQueueInProgress",
		"Only one PurgeQueue operation on %s is allowed every %s.", arn, wait)
}

func errUnsupported(format string, args ...any) *service.Error {
	return sqsError(400, "UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation", format, args...)
}

// batchError is one failed entry of a batch operation.
type batchError struct {
	Id          string `json:"Id"`
	SenderFault bool   `json:"SenderFault"`
	Code        string `json:"Code"`
	Message     string `json:"Message,omitempty"`
}

func batchErrorOf(id string, e *service.Error) batchError {
	code := e.QueryCode
	if code == "" {
		code = e.Code
	}
	return batchError{Id: id, SenderFault: e.Sender, Code: code, Message: e.Message}
}
