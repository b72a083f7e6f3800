package emulator

import (
	"context"
	"log/slog"

	"github.com/orders-dev/orders/internal/emulator/iam"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/sts"
	"github.com/orders-dev/orders/internal/iampolicy"
)

// authorizer enforces IAM for principals the emulator issued credentials to,
// with the same evaluator verify and iam:Simulate* use: one implementation
// of "may this principal do this".
type authorizer struct {
	iam    *iam.Service
	sts    *sts.Service
	logger *slog.Logger
}

func (a *authorizer) Authorize(ctx context.Context, call *service.Call, action, resource string, conditions map[string][]string) error {
	p := call.Principal
	res := a.evaluate(ctx, p.ARN, p.AccessKeyID, call.Account, call.Region, action, resource, conditions)
	if res.Decision == iampolicy.Allowed {
		return nil
	}
	a.logger.Info("request denied", "principal", p.ARN, "action", action, "resource", resource, "decision", res.Decision)
	return service.AccessDenied(call.Service, p.ARN, action, resource, res.Reason)
}

func (a *authorizer) evaluate(ctx context.Context, principalARN, akid, account, region, action, resource string, conditions map[string][]string) iampolicy.Result {
	req := iampolicy.Request{
		Principal:        principalARN,
		PrincipalAccount: account,
		Action:           action,
		Resource:         resource,
		Context:          withRegion(conditions, region),
	}
	identity, boundary, ok := a.iam.PrincipalPolicies(ctx, principalARN)
	if !ok {
		// The role or user behind still-valid credentials is gone: nothing
		// grants anything, as on AWS.
		return iampolicy.Result{Decision: iampolicy.ImplicitDeny, Reason: "because no identity-based policy allows the " + action + " action"}
	}
	in := iampolicy.Input{Identity: identity, Boundary: boundary}
	if akid != "" {
		if sp, ok := a.sts.SessionPolicy(ctx, akid); ok {
			in.SessionPolicy = sp
		}
	}
	return iampolicy.Evaluate(in, req)
}

// roleAllows checks an action for a role acting as a service on its own
// behalf (Lambda writing the function's logs with the function's role).
func (a *authorizer) roleAllows(ctx context.Context, roleARN, account, action, resource string) error {
	res := a.evaluate(ctx, roleARN, "", account, "", action, resource, nil)
	if res.Decision == iampolicy.Allowed {
		return nil
	}
	return service.AccessDenied("logs", roleARN, action, resource, res.Reason)
}

func withRegion(conditions map[string][]string, region string) map[string][]string {
	if region == "" {
		return conditions
	}
	out := make(map[string][]string, len(conditions)+1)
	for k, v := range conditions {
		out[k] = v
	}
	out["aws:RequestedRegion"] = []string{region}
	return out
}
