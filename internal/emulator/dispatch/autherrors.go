package dispatch

import (
	"github.com/orders-dev/orders/internal/emulator/service"
)

// authFailure is a way a request fails authentication before any service
// sees it.
type authFailure int

const (
	// missingAuth: no Authorization header (nor any other credential).
	missingAuth authFailure = iota
	// incompleteSignature: an Authorization header that is not a complete
	// SigV4 signature (no aws4_request scope, no SignedHeaders, no Signature,
	// no X-Amz-Date).
	incompleteSignature
	// unrecognizedKey: a well-formed signature by a key this emulator does
	// not accept (strict mode).
	unrecognizedKey
	// signatureExpired: X-Amz-Date more than maxSkew from the emulator's clock.
	signatureExpired
)

// authErrorCodes are each protocol family's codes and statuses for the
// failures above. The awsQuery services (SNS, IAM, STS) and SQS, whose JSON
// protocol keeps the awsQuery codes, answer with the "Common Errors" of
// their API references (MissingAuthenticationToken 403, IncompleteSignature
// 400, InvalidClientTokenId 403). DynamoDB and CloudWatch Logs (awsJson)
// answer with the coral exceptions that DynamoDB's developer guide lists
// under HTTP 400 ("Error handling with DynamoDB": MissingAuthenticationTokenException,
// IncompleteSignatureException); a key or signature that does not verify
// is 403 here as for every other rejected signature of the emulator
// (invalidToken, signatureMismatch). Lambda's REST front door answers the
// same names with 403. An expired signature is
// SignatureDoesNotMatch / InvalidSignatureException "Signature expired: ...",
// the codes the SDKs' clock-skew correction (aws-sdk-go-v2 aws/retry
// clockSkewCodes) recognises, so a client with a wrong clock heals itself.
var authErrorCodes = map[string]map[authFailure]struct {
	status int
	code   string
}{
	"query": {
		missingAuth:         {403, "MissingAuthenticationToken"},
		incompleteSignature: {400, "IncompleteSignature"},
		unrecognizedKey:     {403, "InvalidClientTokenId"},
		signatureExpired:    {403, "SignatureDoesNotMatch"},
	},
	"json": {
		missingAuth:         {400, "MissingAuthenticationTokenException"},
		incompleteSignature: {400, "IncompleteSignatureException"},
		unrecognizedKey:     {403, "UnrecognizedClientException"},
		signatureExpired:    {403, "InvalidSignatureException"},
	},
	"rest": {
		missingAuth:         {403, "MissingAuthenticationTokenException"},
		incompleteSignature: {403, "IncompleteSignatureException"},
		unrecognizedKey:     {403, "UnrecognizedClientException"},
		signatureExpired:    {403, "InvalidSignatureException"},
	},
}

var authMessages = map[authFailure]string{
	missingAuth:     "Missing Authentication Token: the request must be signed with AWS Signature Version 4 (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, e.g. eval \"$(orders local env)\")",
	unrecognizedKey: "The security token included in the request is invalid: this emulator runs with --auth strict and accepts only its root key (orders local env prints it) and the keys it issued",
}

// protocolFamily is which error vocabulary svc answers in.
func protocolFamily(svc string) string {
	switch svc {
	case "sns", "iam", "sts", "sqs":
		return "query"
	case "lambda":
		return "rest"
	default:
		return "json"
	}
}

// authError is failure f as svc answers it; detail, when set, replaces
// the standard message.
func authError(svc string, f authFailure, detail string) *service.Error {
	c := authErrorCodes[protocolFamily(svc)][f]
	msg := detail
	if msg == "" {
		msg = authMessages[f]
	}
	return service.Errorf(c.status, c.code, "%s", msg)
}
