// Package service holds what every emulated AWS service shares: the Call an
// operation runs in (who asked, in which region and account), the error type
// that each protocol encoder renders in its own wire shape, and the hook
// through which IAM is enforced. Services import this package and nothing of
// each other; the emulator package wires them together.
package service

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Principal is who signed a request.
type Principal struct {
	// ARN of the caller: arn:aws:iam::ACCT:user/admin for the account's
	// administrator, arn:aws:sts::ACCT:assumed-role/ROLE/SESSION for a role
	// session, arn:aws:iam::ACCT:user/NAME for an IAM user.
	ARN string
	// Admin is true for requests signed with keys the emulator did not issue:
	// they act as the account's administrator user, as a default local
	// profile expects (not root, which could not assume roles on AWS).
	Admin bool
	// AccessKeyID the request was signed with.
	AccessKeyID string
	// RoleName / SessionName are set for role sessions, UserName for users.
	RoleName, SessionName, UserName string
}

// Authorizer decides whether a principal may perform an action on a
// resource. It returns nil when allowed and an *Error (already shaped as the
// calling service's AccessDenied) when not.
type Authorizer interface {
	Authorize(ctx context.Context, call *Call, action, resource string, conditions map[string][]string) error
}

// Call is one operation being served.
type Call struct {
	Context   context.Context
	Service   string // signing name: dynamodb, sqs, sns, iam, sts, logs, lambda
	Operation string // the operation actually dispatched, e.g. PutItem
	Region    string
	Account   string
	Principal Principal
	RequestID string
	// Endpoint is the base URL clients reached the emulator at
	// (http://127.0.0.1:4566); queue URLs and similar point back at it.
	Endpoint string
	Now      time.Time
	// TraceHeader is the request's X-Amzn-Trace-Id (X-Ray), which SQS
	// keeps with a message as its AWSTraceHeader.
	TraceHeader string
	// Path is the request's URL path: awsQuery SQS clients post to the
	// queue URL itself.
	Path string

	Authz Authorizer // nil means every call is allowed
}

// Authorize checks the dispatched operation (service:Operation) on resource.
// Every operation handler calls it (or AuthorizeAction) before touching
// state, so the action is derived from what runs, never from the client.
// The signing name of every service emulated here is also its IAM action
// prefix (dynamodb, sqs, sns, iam, sts, logs, lambda).
func (c *Call) Authorize(resource string) error {
	return c.AuthorizeAction(c.Service+":"+c.Operation, resource, nil)
}

// AuthorizeAction checks an explicit action, for operations whose IAM action
// differs from their name (SendMessageBatch is sqs:SendMessage) and for
// condition keys such as iam:PassedToService.
func (c *Call) AuthorizeAction(action, resource string, conditions map[string][]string) error {
	if c.Authz == nil || c.Principal.Admin {
		return nil
	}
	return c.Authz.Authorize(c.ctx(), c, action, resource, conditions)
}

func (c *Call) ctx() context.Context {
	if c.Context == nil {
		return context.Background()
	}
	return c.Context
}

// ARN builds a regional ARN in the call's region and account.
func (c *Call) ARN(service, resource string) string {
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, c.Region, c.Account, resource)
}

// GlobalARN builds an ARN for a global service (IAM): no region.
func (c *Call) GlobalARN(service, resource string) string {
	return fmt.Sprintf("arn:aws:%s::%s:%s", service, c.Account, resource)
}

// AccessDenied shapes a denial the way the service whose operation was
// denied reports it, with AWS's message.
func AccessDenied(service, principalARN, action, resource, reason string) *Error {
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", principalARN, action, resource)
	if reason != "" {
		msg += " " + strings.TrimSpace(reason)
	}
	switch service {
	case "dynamodb", "logs":
		return &Error{Status: 400, Code: "AccessDeniedException", Message: msg, Sender: true}
	case "lambda":
		return &Error{Status: 403, Code: "AccessDeniedException", Message: msg, Sender: true}
	case "sns":
		return &Error{Status: 403, Code: "AuthorizationError", Message: msg, Sender: true}
	case "sqs":
		return &Error{Status: 403, Code: "AccessDenied", QueryCode: "AccessDenied", Message: msg, Sender: true}
	default: // iam, sts
		return &Error{Status: 403, Code: "AccessDenied", Message: msg, Sender: true}
	}
}

// MessageAttribute is an SNS/SQS message attribute, shared so SNS can hand
// messages to SQS without either importing the other.
type MessageAttribute struct {
	DataType    string // String, Number, Binary, or String.custom etc.
	StringValue string
	BinaryValue []byte
}

// ResourcePolicyEvaluator evaluates a resource-based policy (a queue policy)
// for a call made by an AWS service principal such as sns.amazonaws.com.
type ResourcePolicyEvaluator interface {
	AllowsService(policyJSON, servicePrincipal, action, resource string, conditions map[string][]string) (bool, error)
}
