package verify

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/iampolicy"
	"github.com/orders-dev/orders/policies"
)

// roleInfo is the function's role as IAM describes it.
type roleInfo struct {
	exists   bool
	arn      string
	boundary string // permissions boundary ARN; "" for none
	inline   []inlinePolicy
	managed  []string // attached managed policy ARNs
}

type inlinePolicy struct {
	name     string
	doc      string            // as IAM returned it (URL-encoded JSON)
	policy   *iampolicy.Policy // nil when doc could not be parsed
	parseErr error
}

// readRole reads the role, its inline policies (documents included) and
// its attached managed policies.
func readRole(ctx context.Context, e *env) (roleInfo, error) {
	name := e.names.Role
	var ri roleInfo
	got, err := e.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if awsapi.ErrorCode(err) == "NoSuchEntity" {
		return ri, nil
	}
	if err != nil {
		return ri, fmt.Errorf("get role %s: %w", name, awsapi.ExplainAccessDenied(err))
	}
	ri.exists = true
	if got.Role != nil {
		ri.arn = aws.ToString(got.Role.Arn)
		if b := got.Role.PermissionsBoundary; b != nil {
			ri.boundary = aws.ToString(b.PermissionsBoundaryArn)
		}
	}
	var names []string
	for in := (&iam.ListRolePoliciesInput{RoleName: aws.String(name)}); ; {
		out, err := e.iam.ListRolePolicies(ctx, in)
		if err != nil {
			return ri, fmt.Errorf("list inline policies of role %s: %w", name, awsapi.ExplainAccessDenied(err))
		}
		names = append(names, out.PolicyNames...)
		if !out.IsTruncated || out.Marker == nil {
			break
		}
		in.Marker = out.Marker
	}
	for _, pn := range names {
		out, err := e.iam.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(pn)})
		if err != nil {
			return ri, fmt.Errorf("get inline policy %s of role %s: %w", pn, name, awsapi.ExplainAccessDenied(err))
		}
		ip := inlinePolicy{name: pn, doc: aws.ToString(out.PolicyDocument)}
		// Parse accepts the URL-encoded form IAM returns.
		ip.policy, ip.parseErr = iampolicy.Parse(ip.doc)
		ri.inline = append(ri.inline, ip)
	}
	for in := (&iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)}); ; {
		out, err := e.iam.ListAttachedRolePolicies(ctx, in)
		if err != nil {
			return ri, fmt.Errorf("list managed policies of role %s: %w", name, awsapi.ExplainAccessDenied(err))
		}
		for _, p := range out.AttachedPolicies {
			ri.managed = append(ri.managed, aws.ToString(p.PolicyArn))
		}
		if !out.IsTruncated || out.Marker == nil {
			break
		}
		in.Marker = out.Marker
	}
	return ri, nil
}

// checkPolicies: the role carries exactly its template inline policy, no
// other inline policy, no managed policy, the configured permissions
// boundary, and nothing in its policies is broader than the function needs
// (iampolicy.Lint) or short of what it needs.
func checkPolicies(e *env, role roleInfo, readErr error) Result {
	r := Result{Name: NamePolicies}
	fail := func(detail string) Result {
		r.Detail = detail
		if len(r.Problems) == 0 {
			r.Problems = []string{detail}
		}
		return r
	}
	if readErr != nil {
		return fail(readErr.Error())
	}
	if !role.exists {
		return fail(fmt.Sprintf("role %s does not exist — %s creates it", e.names.Role, e.cmd("up")))
	}
	template, err := policies.Render("function", e.arns)
	if err != nil {
		return fail("render the function policy template: " + err.Error())
	}

	if e.boundary != "" && role.boundary != e.boundary {
		have := role.boundary
		if have == "" {
			have = "none"
		}
		r.Problems = append(r.Problems, fmt.Sprintf("permissions boundary: want %s, the role has %s", e.boundary, have))
	}

	own := false
	var parsed []iampolicy.NamedPolicy
	for _, ip := range role.inline {
		if ip.name == e.names.RolePolicy {
			own = true
			if same, err := policies.Equal([]byte(ip.doc), template); err != nil {
				r.Problems = append(r.Problems, fmt.Sprintf("inline policy %s: cannot be compared with the template: %v", ip.name, err))
			} else if !same {
				r.Problems = append(r.Problems, fmt.Sprintf("inline policy %s differs from the template (%s prints it)", ip.name, e.cmd("policy function")))
			}
		} else {
			r.Problems = append(r.Problems, fmt.Sprintf("extra inline policy %s (only %s is expected)", ip.name, e.names.RolePolicy))
		}
		if ip.parseErr != nil {
			r.Problems = append(r.Problems, fmt.Sprintf("inline policy %s cannot be read: %v", ip.name, ip.parseErr))
			continue
		}
		parsed = append(parsed, iampolicy.NamedPolicy{ID: ip.name, Policy: ip.policy})
	}
	if !own {
		r.Problems = append(r.Problems, fmt.Sprintf("inline policy %s is missing", e.names.RolePolicy))
	}
	for _, f := range iampolicy.LintAttached(role.managed) {
		r.Problems = append(r.Problems, f.String()+" (no managed policy is expected)")
	}
	for _, f := range iampolicy.Lint(parsed, iampolicy.Expected{Actions: expectedGrants(e.arns)}) {
		r.Problems = append(r.Problems, f.String())
	}
	// What the inline policies alone allow: a narrowed policy is named here
	// even where the endpoint cannot simulate.
	in := iampolicy.Input{Identity: parsed}
	for _, c := range neededCalls(e.arns) {
		res := iampolicy.Evaluate(in, e.request(c))
		if res.Decision != iampolicy.Allowed {
			r.Problems = append(r.Problems, fmt.Sprintf("missing permission: the inline policies do not allow %s on %s (%s; needed to %s)",
				c.action, c.resource, res.Decision, c.why))
		}
	}

	r.OK = len(r.Problems) == 0
	if r.OK {
		r.Detail = fmt.Sprintf("role %s has exactly its template policy %s; no other inline or managed policy; nothing over-broad",
			e.names.Role, e.names.RolePolicy)
		if e.boundary != "" {
			r.Detail += "; permissions boundary " + e.boundary
		}
	} else {
		r.Detail = fmt.Sprintf("role %s: %d problem%s", e.names.Role, len(r.Problems), plural(len(r.Problems)))
	}
	return r
}

// request is c as the function's role session would make it.
func (e *env) request(c call) iampolicy.Request {
	return iampolicy.Request{
		Principal: fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/verify", partitionOr(e.arns.Partition), e.arns.Account, e.names.Role),
		Action:    c.action,
		Resource:  c.resource,
	}
}

func partitionOr(p string) string {
	if p == "" {
		return "aws"
	}
	return p
}

// statementsIn names the statements of the role's inline policy policyID
// that match c with the given effect, by index and Sid, as the local
// evaluator sees them; "" when it cannot tell.
func statementsIn(e *env, role roleInfo, policyID string, c call) string {
	i := slices.IndexFunc(role.inline, func(ip inlinePolicy) bool { return ip.name == policyID })
	if i < 0 || role.inline[i].policy == nil {
		return ""
	}
	res := role.inline[i].policy.Evaluate(policyID, e.request(c))
	var parts []string
	for _, m := range res.Matched {
		s := fmt.Sprintf("statement %d", m.Statement)
		if m.Sid != "" {
			s += " (Sid " + m.Sid + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
