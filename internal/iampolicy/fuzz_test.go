package iampolicy

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzParse: Parse never panics and fails only with ErrMalformed; what it
// accepts survives a round trip through MarshalJSON unchanged in meaning;
// evaluation and lint never panic; a policy alone and the same policy as the
// only identity policy decide alike. The seed corpus in
// testdata/fuzz/FuzzParse holds real documents and runs with `go test`.
func FuzzParse(f *testing.F) {
	f.Add(functionPolicyDoc)
	f.Add(queuePolicyDoc)
	f.Add(trustPolicyDoc)
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := Parse(doc)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not match ErrMalformed", err)
			}
			return
		}
		canonical, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		q, err := Parse(string(canonical))
		if err != nil {
			t.Fatalf("canonical form does not parse: %v\n%s", err, canonical)
		}
		if again, _ := json.Marshal(q); string(again) != string(canonical) {
			t.Fatalf("canonical form is not stable:\n%s\n%s", canonical, again)
		}
		for _, k := range []PolicyKind{KindIdentity, KindResource, KindTrust} {
			_ = p.Validate(k)
		}
		_ = Lint([]NamedPolicy{{ID: "p", Policy: p}}, functionExpected)

		hasPrincipal := false
		for i := range p.Statements {
			hasPrincipal = hasPrincipal || p.Statements[i].Principal != nil || p.Statements[i].NotPrincipal != nil
		}
		for _, req := range fuzzRequests(p) {
			a, b := p.Evaluate("p", req), q.Evaluate("p", req)
			if a.Decision != b.Decision {
				t.Fatalf("%+v: %s before and %s after the round trip", req, a.Decision, b.Decision)
			}
			in := Evaluate(Input{Identity: []NamedPolicy{{ID: "p", Policy: p}}}, req)
			if !hasPrincipal && in.Decision != a.Decision {
				t.Fatalf("%+v: alone %s, as identity policy %s", req, a.Decision, in.Decision)
			}
			_ = Evaluate(Input{Resource: &NamedPolicy{ID: "r", Policy: p}, Boundary: &NamedPolicy{ID: "b", Policy: q}}, req)
		}
	})
}

// fuzzRequests builds requests from the policy's own actions, resources and
// condition keys, so that statements actually match.
func fuzzRequests(p *Policy) []Request {
	context := map[string][]string{"aws:CurrentTime": {"2024-01-01T00:00:00Z"}, "aws:EpochTime": {"1704067200"}}
	var actions, resources []string
	for _, st := range p.Statements {
		actions = append(actions, st.Action...)
		actions = append(actions, st.NotAction...)
		resources = append(resources, st.Resource...)
		resources = append(resources, st.NotResource...)
		for _, keys := range st.Condition {
			for k, vs := range keys {
				context[k] = vs
			}
		}
	}
	actions = append(actions, "dynamodb:PutItem")
	resources = append(resources, tableARN, "*")
	var out []Request
	for i, a := range actions {
		if i >= 4 {
			break
		}
		for j, r := range resources {
			if j >= 4 {
				break
			}
			out = append(out,
				Request{Principal: session, Action: a, Resource: r, Context: context},
				Request{PrincipalService: "sns.amazonaws.com", Action: a, Resource: r, Context: context})
		}
	}
	return out
}
