package service

import (
	"net/http"
	"net/url"
)

// JSONHandler serves an awsJson protocol service (DynamoDB, SQS, Logs).
// The protocol layer decodes nothing: the handler gets the raw body (already
// size-limited) and returns a value the layer encodes as JSON, or an error.
// call.Operation holds the operation from X-Amz-Target.
type JSONHandler interface {
	HandleJSON(call *Call, body []byte) (any, error)
}

// QueryHandler serves an awsQuery service (SNS, IAM, STS). The returned value
// is marshalled with encoding/xml inside <OperationResult>; nil gives an
// empty response with only ResponseMetadata.
type QueryHandler interface {
	HandleQuery(call *Call, form url.Values) (any, error)
}

// RESTHandler serves a restJson1 service (Lambda). The call is in the
// request's context (CallFrom); errors are written with WriteRESTError.
type RESTHandler interface {
	http.Handler
}

// Operations lists the operations a service implements, so the dispatcher
// can answer the protocol's "unknown operation" error before calling it.
type Operations interface {
	Operations() []string
}
