package emulator

import (
	"context"
	"sync"
	"time"

	"github.com/orders-dev/orders/internal/emulator/iam"
	"github.com/orders-dev/orders/internal/emulator/lambda"
	"github.com/orders-dev/orders/internal/emulator/logs"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/sts"
	"github.com/orders-dev/orders/internal/iampolicy"
)

// The adapters below connect services that must not import each other.

type stsRoles struct{ iam *iam.Service }

func (r stsRoles) Role(ctx context.Context, account, nameOrARN string) (sts.RoleInfo, bool) {
	info, ok := r.iam.Role(ctx, account, nameOrARN)
	return sts.RoleInfo(info), ok
}

type lambdaRoles struct{ iam *iam.Service }

// LambdaCanAssume is what CreateFunction asks: does the role exist and does
// its trust policy let lambda.amazonaws.com assume it.
func (r lambdaRoles) LambdaCanAssume(ctx context.Context, account, roleARN string) (bool, error) {
	info, ok := r.iam.Role(ctx, account, roleARN)
	if !ok || !r.iam.RoleAssumable(account, roleARN) {
		return false, nil
	}
	p, err := iampolicy.Parse(info.TrustPolicy)
	if err != nil {
		return false, nil
	}
	res := p.Evaluate("trust", iampolicy.Request{
		PrincipalService: "lambda.amazonaws.com",
		Action:           "sts:AssumeRole",
		Resource:         info.ARN,
	})
	return res.Decision == iampolicy.Allowed, nil
}

// IssueRoleSession issues a session of the role the way an AWS service that
// the role trusts does for itself (Lambda running a function as its role),
// without the trust check AssumeRole makes of its caller. Tests use it to
// act as a role whose trust policy admits only a service, as the pipeline's
// does: on AWS no user, the administrator included, can assume that role.
func (e *Emulator) IssueRoleSession(ctx context.Context, roleARN, sessionName string, d time.Duration) (sts.Credentials, error) {
	return e.sts.IssueRoleSession(ctx, e.account, roleARN, sessionName, d)
}

type lambdaCredentials struct{ sts *sts.Service }

func (c lambdaCredentials) IssueRoleSession(ctx context.Context, account, roleARN, sessionName string, d time.Duration) (string, string, string, time.Time, error) {
	cr, err := c.sts.IssueRoleSession(ctx, account, roleARN, sessionName, d)
	if err != nil {
		return "", "", "", time.Time{}, err
	}
	return cr.AccessKeyID, cr.SecretAccessKey, cr.SessionToken, cr.Expiration, nil
}

// identities resolves credentials the emulator issued: STS role sessions
// first (the Lambda's), then IAM users' access keys.
type identities struct {
	sts *sts.Service
	iam *iam.Service
}

func (i identities) Resolve(ctx context.Context, akid string) (service.Principal, string, string, time.Time, bool) {
	if p, secret, token, exp, ok := i.sts.Resolve(ctx, akid); ok {
		return p, secret, token, exp, true
	}
	return i.iam.Resolve(ctx, akid)
}

// policyEvaluator evaluates resource policies (queue policies) for service
// principals with the same evaluator that enforces identity policies.
// Parsed documents are cached by their text: SNS asks once per delivery,
// and parsing was most of the cost of a fan-out's policy check.
type policyEvaluator struct{ parsed *policyCache }

func (e policyEvaluator) AllowsService(policyJSON, servicePrincipal, action, resource string, conditions map[string][]string) (bool, error) {
	p, err := e.parsed.parse(policyJSON)
	if err != nil {
		return false, err
	}
	res := iampolicy.Evaluate(iampolicy.Input{Resource: &iampolicy.NamedPolicy{ID: "resource-policy", Policy: p}}, iampolicy.Request{
		PrincipalService: servicePrincipal,
		Action:           action,
		Resource:         resource,
		Context:          conditions,
	})
	return res.Decision == iampolicy.Allowed, nil
}

// functionLogs writes a function's log lines to CloudWatch Logs the way
// Lambda does: with the function role's permissions, so a role without
// logs:CreateLogStream / logs:PutLogEvents on its group leaves no logs.
type functionLogs struct {
	logs    *logs.Service
	authz   *authorizer
	enforce bool
	logger  interface {
		Warn(msg string, args ...any)
	}
}

func (f functionLogs) Append(ctx context.Context, region, account, group, stream string, events []lambda.LogEvent) error {
	if f.enforce {
		if src, ok := lambda.LogSourceFrom(ctx); ok && src.RoleARN != "" {
			streamARN := "arn:aws:logs:" + region + ":" + account + ":log-group:" + group + ":log-stream:" + stream
			for _, action := range []string{"logs:CreateLogStream", "logs:PutLogEvents"} {
				if err := f.authz.roleAllows(ctx, src.RoleARN, account, action, streamARN); err != nil {
					f.logger.Warn("function log lines dropped: its role may not write them", "function", src.FunctionARN, "err", err)
					return nil
				}
			}
		}
	}
	out := make([]logs.Event, len(events))
	for i, ev := range events {
		out[i] = logs.Event{Timestamp: ev.Timestamp, Message: ev.Message}
	}
	return f.logs.Append(ctx, region, account, group, stream, out)
}

// policyCache holds parsed policy documents by their exact text. A parsed
// *iampolicy.Policy is never changed after Parse, so one value serves
// every concurrent evaluation; a changed policy is different text.
type policyCache struct {
	mu sync.Mutex
	m  map[string]*iampolicy.Policy
}

// maxCachedPolicies bounds the cache; past it the cache starts over.
const maxCachedPolicies = 256

func newPolicyCache() *policyCache { return &policyCache{m: map[string]*iampolicy.Policy{}} }

func (c *policyCache) parse(doc string) (*iampolicy.Policy, error) {
	if c == nil {
		return iampolicy.Parse(doc)
	}
	c.mu.Lock()
	p := c.m[doc]
	c.mu.Unlock()
	if p != nil {
		return p, nil
	}
	p, err := iampolicy.Parse(doc)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.m) >= maxCachedPolicies {
		clear(c.m)
	}
	c.m[doc] = p
	c.mu.Unlock()
	return p, nil
}
