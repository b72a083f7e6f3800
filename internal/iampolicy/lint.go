package iampolicy

import (
	"fmt"
	"strings"
)

// Expected is what a principal should be able to do: action -> the exact
// resources it may act on. Action names are compared case-insensitively,
// resources exactly; an expected resource may itself hold a wildcard (the
// log group's ":*" for its streams), which then is not reported.
type Expected struct {
	Actions map[string][]string
}

// Finding is one over-broad grant.
type Finding struct {
	PolicyID  string
	Statement int // index in the policy's Statement list; -1 when not about a statement
	Sid       string
	Problem   string // e.g. `grants wildcard action "dynamodb:*"`
}

func (f Finding) String() string {
	if f.Statement < 0 {
		return f.Problem
	}
	where := fmt.Sprintf("policy %s statement %d", f.PolicyID, f.Statement)
	if f.Sid != "" {
		where += fmt.Sprintf(" (Sid %s)", f.Sid)
	}
	return where + ": " + f.Problem
}

// Lint names every grant in the Allow statements of policies that goes beyond
// expected: a wildcard action or resource (unless expected as written),
// NotAction or NotResource with Allow, a statement without Resource, an action
// outside the expected set, and a resource outside the expected set for an
// action. Deny statements only narrow and are not reported; a Condition on a
// grant does not excuse it. Findings come in policy and statement order.
func Lint(policies []NamedPolicy, expected Expected) []Finding {
	want := make(map[string][]string, len(expected.Actions))
	for a, rs := range expected.Actions {
		key := strings.ToLower(a)
		want[key] = append(want[key], rs...)
	}
	var out []Finding
	for _, np := range policies {
		if np.Policy == nil {
			continue
		}
		for i := range np.Policy.Statements {
			st := &np.Policy.Statements[i]
			if st.Effect != EffectAllow {
				continue
			}
			report := func(format string, args ...any) {
				out = append(out, Finding{PolicyID: np.ID, Statement: i, Sid: st.Sid, Problem: fmt.Sprintf(format, args...)})
			}
			lintStatement(st, want, report)
		}
	}
	return out
}

func lintStatement(st *Statement, want map[string][]string, report func(string, ...any)) {
	if st.NotAction != nil {
		report("allows every action except %s (NotAction with Allow)", strings.Join(st.NotAction, ", "))
	}
	if st.NotResource != nil {
		report("allows every resource except %s (NotResource with Allow)", strings.Join(st.NotResource, ", "))
	}
	if st.Resource == nil && st.NotResource == nil {
		report("grants on every resource (no Resource element)")
	}
	// The statement's actions that are expected; only their resources are
	// checked one by one, the others are reported already.
	var known []string
	for _, a := range st.Action {
		_, ok := want[strings.ToLower(a)]
		switch {
		case ok:
			known = append(known, a)
		case hasWildcard(a):
			report("grants wildcard action %q", a)
		default:
			report("grants unexpected action %q", a)
		}
	}
	for _, r := range st.Resource {
		if hasWildcard(r) && !expectedAnywhere(want, r) {
			report("grants wildcard resource %q", r)
			continue
		}
		for _, a := range known {
			if !contains(want[strings.ToLower(a)], r) {
				report("grants %s on unexpected resource %q", a, r)
			}
		}
	}
}

// LintAttached reports each attached managed policy: the expected policies
// are inline, so any managed policy is a grant nobody reviewed here.
func LintAttached(managedPolicyARNs []string) []Finding {
	var out []Finding
	for _, arn := range managedPolicyARNs {
		out = append(out, Finding{PolicyID: arn, Statement: -1, Problem: fmt.Sprintf("managed policy %s attached", arn)})
	}
	return out
}

// expectedAnywhere: r is an expected resource of some action, so its
// wildcard is intended (the log group's ":*").
func expectedAnywhere(want map[string][]string, r string) bool {
	for _, rs := range want {
		if contains(rs, r) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
