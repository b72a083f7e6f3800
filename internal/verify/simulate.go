package verify

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	itypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/orders-dev/orders/internal/awsapi"
)

// checkSimulation asks IAM's policy simulator (SimulatePrincipalPolicy on
// the role, so its boundary and managed policies count too) whether the
// calls the function needs are allowed and a list of calls it never makes
// are denied. Each failure names the statement that grants too much or the
// permission that is missing. An endpoint without the simulator fails the
// check, saying so: an unproven claim is not a pass.
func checkSimulation(ctx context.Context, e *env, role roleInfo) Result {
	r := Result{Name: NameSimulation}
	roleARN := role.arn
	if roleARN == "" {
		roleARN = e.arns.Role
	}
	type want struct {
		call
		allow bool
	}
	var wants []want
	for _, c := range neededCalls(e.arns) {
		wants = append(wants, want{c, true})
	}
	for _, c := range deniedCalls(e.arns) {
		wants = append(wants, want{c, false})
	}
	// One simulation per resource, with every action asked about it.
	var resources []string
	actions := map[string][]string{}
	for _, w := range wants {
		if _, ok := actions[w.resource]; !ok {
			resources = append(resources, w.resource)
		}
		actions[w.resource] = append(actions[w.resource], w.action)
	}
	type key struct{ action, resource string }
	results := map[key]itypes.EvaluationResult{}
	for _, res := range resources {
		got, err := simulate(ctx, e, roleARN, actions[res], res)
		if err != nil {
			r.Detail = err.Error()
			r.Problems = []string{err.Error()}
			return r
		}
		for _, er := range got {
			results[key{strings.ToLower(aws.ToString(er.EvalActionName)), res}] = er
		}
	}

	allowed, denied := 0, 0
	for _, w := range wants {
		er, ok := results[key{strings.ToLower(w.action), w.resource}]
		if !ok {
			r.Problems = append(r.Problems, fmt.Sprintf("%s on %s: the simulator returned no result", w.action, w.resource))
			continue
		}
		decision, matched := decisionFor(er, w.resource)
		switch {
		case w.allow && decision == itypes.PolicyEvaluationDecisionTypeAllowed:
			allowed++
		case w.allow:
			p := fmt.Sprintf("missing permission: %s on %s is %s (needed to %s)", w.action, w.resource, decision, w.why)
			if len(matched) > 0 {
				p += "; denied by " + describeStatements(e, role, matched, w.call)
			}
			r.Problems = append(r.Problems, p)
		case decision == itypes.PolicyEvaluationDecisionTypeAllowed:
			p := fmt.Sprintf("%s on %s is allowed but must be denied (%s)", w.action, w.resource, w.why)
			if len(matched) > 0 {
				p += "; granted by " + describeStatements(e, role, matched, w.call)
			}
			r.Problems = append(r.Problems, p)
		default:
			denied++
		}
	}
	r.OK = len(r.Problems) == 0
	if r.OK {
		r.Detail = fmt.Sprintf("iam:SimulatePrincipalPolicy on %s: the %d calls the function makes are allowed, %d it must not make are denied",
			roleARN, allowed, denied)
	} else {
		r.Detail = fmt.Sprintf("iam:SimulatePrincipalPolicy on %s: %d problem%s", roleARN, len(r.Problems), plural(len(r.Problems)))
	}
	return r
}

// simulate runs one SimulatePrincipalPolicy, every page.
func simulate(ctx context.Context, e *env, roleARN string, actions []string, resource string) ([]itypes.EvaluationResult, error) {
	in := &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(roleARN),
		ActionNames:     actions,
		ResourceArns:    []string{resource},
	}
	var out []itypes.EvaluationResult
	for {
		page, err := e.iam.SimulatePrincipalPolicy(ctx, in)
		if err != nil {
			switch unsupported(err) {
			case missingOperation:
				return nil, fmt.Errorf("simulation not done: this endpoint does not implement iam:SimulatePrincipalPolicy (%s)", awsapi.Describe(err))
			case serverError:
				return nil, fmt.Errorf("simulation not done: iam:SimulatePrincipalPolicy failed with a server error, as endpoints that lack it (moto) answer (%s)", awsapi.Describe(err))
			}
			return nil, fmt.Errorf("simulation not done: iam:SimulatePrincipalPolicy on %s: %w", roleARN, awsapi.ExplainAccessDenied(err))
		}
		out = append(out, page.EvaluationResults...)
		if !page.IsTruncated || page.Marker == nil {
			return out, nil
		}
		in.Marker = page.Marker
	}
}

// decisionFor is the decision for resource: the resource-specific one when
// the simulator gave it, else the overall one.
func decisionFor(er itypes.EvaluationResult, resource string) (itypes.PolicyEvaluationDecisionType, []itypes.Statement) {
	for _, rr := range er.ResourceSpecificResults {
		if aws.ToString(rr.EvalResourceName) == resource {
			matched := rr.MatchedStatements
			if len(matched) == 0 {
				matched = er.MatchedStatements
			}
			return rr.EvalResourceDecision, matched
		}
	}
	return er.EvalDecision, er.MatchedStatements
}

// describeStatements names matched statements: the simulator's policy id,
// type and position, and (for the role's inline policies) which statement
// that is by index and Sid.
func describeStatements(e *env, role roleInfo, matched []itypes.Statement, c call) string {
	var parts []string
	for _, s := range matched {
		id := aws.ToString(s.SourcePolicyId)
		d := "policy " + id
		if s.SourcePolicyType != "" {
			d += " (" + string(s.SourcePolicyType) + ")"
		}
		if local := statementsIn(e, role, id, c); local != "" {
			d += " " + local
		}
		if p := s.StartPosition; p != nil {
			d += fmt.Sprintf(" at line %d column %d", p.Line, p.Column)
		}
		parts = append(parts, d)
	}
	return strings.Join(parts, "; ")
}

type support int

const (
	supported        support = iota
	missingOperation         // the endpoint says it has no such operation
	serverError              // 5xx: how moto answers for operations it lacks
)

// unsupported tells an endpoint that lacks the operation from a refusal
// (AccessDenied) or a bad request, which are reported as they are.
func unsupported(err error) support {
	switch awsapi.ErrorCode(err) {
	case "NotImplemented", "NotImplementedException", "InvalidAction", "UnknownOperationException":
		return missingOperation
	case "InternalFailure", "InternalError", "ServiceUnavailable":
		return serverError
	}
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) {
		switch code := status.HTTPStatusCode(); {
		case code == 501:
			return missingOperation
		case code >= 500:
			return serverError
		}
	}
	return supported
}
