package realism

import (
	"github.com/orders-dev/orders/internal/emulator/service"
)

// Kind is the sort of fault a call is answered with.
type Kind int

const (
	None        Kind = iota
	Throttle         // the service's throttling error (4xx; 429 for Lambda and SNS)
	Internal         // the service's 500
	Unavailable      // 503 ServiceUnavailable
)

func (k Kind) String() string {
	switch k {
	case Throttle:
		return "throttle"
	case Internal:
		return "internal"
	case Unavailable:
		return "unavailable"
	}
	return "none"
}

// Share of faults that are throttling; the rest split between 500 and 503.
// Throttling is by far what a busy client meets on AWS.
const throttleShare = 0.7

// Decide draws the fault (or None) for the next eligible call to
// service/operation. The draw depends only on the seed, the service and
// operation, and how many calls to that operation were decided before: the
// same seed and the same sequence of calls give the same faults, and calls
// to one operation do not shift the faults of another.
func (p *Profile) Decide(svc, op string) Kind {
	if !p.Faulting() {
		return None
	}
	key := svc + "/" + op
	p.mu.Lock()
	n := p.calls[key]
	p.calls[key] = n + 1
	p.mu.Unlock()
	x := mix(uint64(p.cfg.Seed) ^ mix(hashKey(key)+n*0x9e3779b97f4a7c15))
	if unit(x) >= p.cfg.FaultRate {
		return None
	}
	switch k := unit(mix(x)); {
	case k < throttleShare:
		return Throttle
	case k < throttleShare+(1-throttleShare)/2:
		return Internal
	default:
		return Unavailable
	}
}

// Fault decides the next call to svc/op and, when it is to fail, returns
// the error in that service's own code and status (nil: serve the call).
func (p *Profile) Fault(svc, op string) *service.Error {
	k := p.Decide(svc, op)
	if k == None {
		return nil
	}
	return FaultError(svc, k)
}

// faultCodes are each service's codes for the three kinds, from its API
// reference and service model (botocore service-2.json).
var faultCodes = map[string][3]faultCode{
	// DynamoDB: ThrottlingException (400) "Throughput exceeds the current
	// throughput limit for your account" / rate of control-plane requests;
	// InternalServerError (500, fault); ServiceUnavailable (503) is a common
	// error of every AWS API.
	"dynamodb": {
		{400, "ThrottlingException", "", "Rate of requests exceeds the allowed throughput."},
		{500, "InternalServerError", "", "Internal server error"},
		{503, "ServiceUnavailable", "", "The service is unavailable. Please try again shortly."},
	},
	// SQS (awsJson, query-compatible): RequestThrottled; InternalFailure and
	// ServiceUnavailable are SQS's common errors. The legacy code rides in
	// x-amzn-query-error, as the real service sends it. The model gives
	// RequestThrottled no status; botocore's retry rules (data/_retry.json,
	// "sqs": service_error_code RequestThrottled with http_status_code 403)
	// retry it only at 403, which is what SQS answers with it.
	"sqs": {
		{403, "RequestThrottled", "RequestThrottled", "Request is throttled."},
		{500, "InternalFailure", "InternalFailure", "The request processing has failed because of an unknown error, exception or failure."},
		{503, "ServiceUnavailable", "ServiceUnavailable", "The request has failed due to a temporary failure of the server."},
	},
	// SNS: ThrottledException is code Throttled with HTTP 429 in the SNS
	// API Reference and its model; InternalErrorException is InternalError 500.
	"sns": {
		{429, "Throttled", "", "Rate exceeded"},
		{500, "InternalError", "", "Internal Error"},
		{503, "ServiceUnavailable", "", "The request has failed due to a temporary failure of the server."},
	},
	// Lambda: TooManyRequestsException 429, ServiceException 500.
	"lambda": {
		{429, "TooManyRequestsException", "", "Rate Exceeded."},
		{500, "ServiceException", "", "The service encountered an internal error."},
		{503, "ServiceUnavailable", "", "The service is unavailable. Please try again shortly."},
	},
	// IAM: Throttling 400 (common error); ServiceFailure 500 (ServiceFailureException).
	"iam": {
		{400, "Throttling", "", "Rate exceeded"},
		{500, "ServiceFailure", "", "The request processing has failed because of an unknown error, exception or failure."},
		{503, "ServiceUnavailable", "", "The request has failed due to a temporary failure of the server."},
	},
	// STS: only the common errors.
	"sts": {
		{400, "Throttling", "", "Rate exceeded"},
		{500, "InternalFailure", "", "The request processing has failed because of an unknown error, exception or failure."},
		{503, "ServiceUnavailable", "", "The request has failed due to a temporary failure of the server."},
	},
	// CloudWatch Logs: ThrottlingException 400; ServiceUnavailableException
	// is Logs' modelled server fault (HTTP 500).
	"logs": {
		{400, "ThrottlingException", "", "Rate exceeded"},
		{500, "ServiceUnavailableException", "", "The service cannot complete the request."},
		{503, "ServiceUnavailable", "", "The service is unavailable. Please try again shortly."},
	},
}

type faultCode struct {
	status    int
	code      string
	queryCode string
	message   string
}

// FaultError is svc's error for a fault of kind k.
func FaultError(svc string, k Kind) *service.Error {
	codes, ok := faultCodes[svc]
	if !ok || k == None {
		return &service.Error{Status: 500, Code: "InternalFailure", Message: "internal failure"}
	}
	c := codes[k-1]
	return &service.Error{
		Status: c.status, Code: c.code, QueryCode: c.queryCode, Message: c.message,
		// Throttling is the caller's to slow down (query <Type>Sender</Type>);
		// 5xx are the service's.
		Sender: k == Throttle,
	}
}
