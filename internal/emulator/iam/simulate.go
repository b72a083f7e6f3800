package iam

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/iampolicy"
)

// The policy simulator: SimulatePrincipalPolicy and SimulateCustomPolicy
// evaluate with internal/iampolicy, the evaluator the emulator enforces
// requests with, so a simulation and the real call always agree.

// simSource is one policy taking part in a simulation, with what the answer
// calls it (SourcePolicyId / SourcePolicyType) and its text for positions.
type simSource struct {
	id, typ string
	doc     string
	policy  *iampolicy.Policy
}

// simInput is everything one simulation evaluates.
type simInput struct {
	identity []simSource
	boundary *simSource
	resource *simSource
	caller   string
	account  string
	context  map[string][]string
}

type positionXML struct {
	Line   int `xml:"Line"`
	Column int `xml:"Column"`
}

type statementXML struct {
	SourcePolicyId   string       `xml:"SourcePolicyId"`
	SourcePolicyType string       `xml:"SourcePolicyType"`
	StartPosition    *positionXML `xml:"StartPosition,omitempty"`
	EndPosition      *positionXML `xml:"EndPosition,omitempty"`
}

type boundaryDetailXML struct {
	AllowedByPermissionsBoundary bool `xml:"AllowedByPermissionsBoundary"`
}

type resourceResultXML struct {
	EvalResourceName                  string                `xml:"EvalResourceName"`
	EvalResourceDecision              string                `xml:"EvalResourceDecision"`
	MatchedStatements                 members[statementXML] `xml:"MatchedStatements"`
	MissingContextValues              members[string]       `xml:"MissingContextValues"`
	PermissionsBoundaryDecisionDetail *boundaryDetailXML    `xml:"PermissionsBoundaryDecisionDetail,omitempty"`
}

type evalResultXML struct {
	EvalActionName                    string                      `xml:"EvalActionName"`
	EvalResourceName                  string                      `xml:"EvalResourceName"`
	EvalDecision                      string                      `xml:"EvalDecision"`
	MatchedStatements                 members[statementXML]       `xml:"MatchedStatements"`
	MissingContextValues              members[string]             `xml:"MissingContextValues"`
	PermissionsBoundaryDecisionDetail *boundaryDetailXML          `xml:"PermissionsBoundaryDecisionDetail,omitempty"`
	ResourceSpecificResults           *members[resourceResultXML] `xml:"ResourceSpecificResults,omitempty"`
}

type simulateResult struct {
	EvaluationResults members[evalResultXML] `xml:"EvaluationResults"`
	listResult
}

// simPolicyList parses a list of policy documents given in the request.
func simPolicyList(f form, param, typ string) ([]simSource, error) {
	var out []simSource
	for i, doc := range f.list(param) {
		p, err := iampolicy.Parse(doc)
		if err != nil && !isJSON(doc) {
			return nil, invalidJSON()
		}
		if err != nil {
			return nil, malformed("%s.%d: %s", param, i+1, err.Error())
		}
		out = append(out, simSource{id: fmt.Sprintf("%s.%d", param, i+1), typ: typ, doc: doc, policy: p})
	}
	return out, nil
}

// readSimCommon reads what both simulate operations take besides the
// policies: actions, resources, the resource policy, the caller and context.
func readSimCommon(f form, in *simInput) (actions, resources []string, explicitResources bool, err error) {
	actions = f.list("ActionNames")
	if len(actions) == 0 {
		return nil, nil, false, validationError("Value null at 'actionNames' failed to satisfy constraint: Member must not be null")
	}
	for _, a := range actions {
		if a == "" || len(a) > 128 {
			return nil, nil, false, validationError("Value '%s' at 'actionNames' failed to satisfy constraint: Member must have length between 3 and 128", a)
		}
	}
	resources = f.list("ResourceArns")
	explicitResources = len(resources) > 0
	if !explicitResources {
		resources = []string{"*"}
	}
	if doc := f.get("ResourcePolicy"); doc != "" {
		p, err := iampolicy.Parse(doc)
		if err != nil && !isJSON(doc) {
			return nil, nil, false, invalidJSON()
		}
		if err != nil {
			return nil, nil, false, malformed("ResourcePolicy: %s", err.Error())
		}
		if err := p.Validate(iampolicy.KindResource); err != nil {
			return nil, nil, false, malformed("ResourcePolicy: %s", err.Error())
		}
		in.resource = &simSource{id: "ResourcePolicy", typ: "resource", doc: doc, policy: p}
	}
	if c := f.get("CallerArn"); c != "" {
		in.caller = c
	}
	ctx, err := contextEntries(f)
	if err != nil {
		return nil, nil, false, err
	}
	in.context = ctx
	return actions, resources, explicitResources, nil
}

var contextKeyTypes = map[string]bool{
	"string": true, "stringList": true, "numeric": true, "numericList": true, "boolean": true,
	"booleanList": true, "ip": true, "ipList": true, "binary": true, "binaryList": true,
	"date": true, "dateList": true,
}

func contextEntries(f form) (map[string][]string, error) {
	entries := f.structs("ContextEntries")
	if len(entries) == 0 {
		return nil, nil
	}
	ctx := make(map[string][]string, len(entries))
	for _, p := range entries {
		name := f.get(p + "ContextKeyName")
		if name == "" || len(name) < 5 || len(name) > 256 {
			return nil, validationError("Value '%s' at 'contextEntries.member.contextKeyName' failed to satisfy constraint: Member must have length between 5 and 256", name)
		}
		if t := f.get(p + "ContextKeyType"); t != "" && !contextKeyTypes[t] {
			return nil, validationError("Value '%s' at 'contextEntries.member.contextKeyType' failed to satisfy constraint: Member must satisfy enum value set: [string, stringList, numeric, numericList, boolean, booleanList, ip, ipList, binary, binaryList, date, dateList]", t)
		}
		ctx[name] = append(ctx[name], f.list(p+"ContextKeyValues")...)
	}
	return ctx, nil
}

func (s *Service) simulatePrincipalPolicy(call *service.Call, f form) (any, error) {
	source, err := f.required("PolicySourceArn", "policySourceArn")
	if err != nil {
		return nil, err
	}
	if err := call.Authorize(source); err != nil {
		return nil, err
	}
	in := simInput{account: call.Account, caller: source}
	actions, resources, explicit, err := readSimCommon(f, &in)
	if err != nil {
		return nil, err
	}
	ps, boundaryARN, kind, ok := s.principalEntity(nil, source)
	if !ok || strings.Contains(source, ":assumed-role/") {
		return nil, noSuchEntity("PolicySourceArn %s does not identify an existing user or role.", source)
	}
	identity, boundary := s.entityPolicies(nil, ps, boundaryARN)
	for _, np := range identity {
		src := simSource{id: np.ID, policy: np.Policy}
		if doc, inline := ps.Inline[np.ID]; inline {
			src.typ, src.doc = kind, doc
		} else if p := s.policyByARN(np.ID); p != nil {
			src.id, src.doc = p.Name, p.defaultVersion().Document
			src.typ = "user-managed"
			if p.AWSManaged {
				src.typ = "aws-managed"
			}
		}
		in.identity = append(in.identity, src)
	}
	extra, err := simPolicyList(f, "PolicyInputList", "none")
	if err != nil {
		return nil, err
	}
	in.identity = append(in.identity, extra...)
	if boundary != nil {
		src := simSource{id: boundaryARN, typ: "user-managed", policy: boundary.Policy}
		if p := s.policyByARN(boundaryARN); p != nil {
			src.id, src.doc = p.Name, p.defaultVersion().Document
			if p.AWSManaged {
				src.typ = "aws-managed"
			}
		}
		in.boundary = &src
	}
	// A boundary given in the request replaces the entity's own.
	bl, err := simPolicyList(f, "PermissionsBoundaryPolicyInputList", "none")
	if err != nil {
		return nil, err
	}
	if len(bl) > 0 {
		in.boundary = &bl[0]
	}
	return simulate(f, in, actions, resources, explicit)
}

func (s *Service) simulateCustomPolicy(call *service.Call, f form) (any, error) {
	if err := call.Authorize("*"); err != nil {
		return nil, err
	}
	in := simInput{account: call.Account}
	actions, resources, explicit, err := readSimCommon(f, &in)
	if err != nil {
		return nil, err
	}
	policies, err := simPolicyList(f, "PolicyInputList", "none")
	if err != nil {
		return nil, err
	}
	if len(policies) == 0 {
		return nil, validationError("Value null at 'policyInputList' failed to satisfy constraint: Member must not be null")
	}
	in.identity = policies
	bl, err := simPolicyList(f, "PermissionsBoundaryPolicyInputList", "none")
	if err != nil {
		return nil, err
	}
	if len(bl) > 0 {
		in.boundary = &bl[0]
	}
	return simulate(f, in, actions, resources, explicit)
}

// simulate evaluates every action on every resource.
func simulate(f form, in simInput, actions, resources []string, explicit bool) (any, error) {
	var results []evalResultXML
	for _, action := range actions {
		for _, res := range resources {
			results = append(results, evaluateOne(in, action, res, explicit))
		}
	}
	type indexed struct {
		key string
		r   evalResultXML
	}
	items := make([]indexed, len(results))
	for i, r := range results {
		items[i] = indexed{fmt.Sprintf("%08d", i), r}
	}
	pg, truncated, next, err := page(f, items, func(x indexed) string { return x.key })
	if err != nil {
		return nil, err
	}
	out := make([]evalResultXML, len(pg))
	for i, x := range pg {
		out[i] = x.r
	}
	return simulateResult{EvaluationResults: list(out), listResult: listResult{truncated, next}}, nil
}

func evaluateOne(in simInput, action, resource string, explicit bool) evalResultXML {
	req := iampolicy.Request{
		Principal: in.caller, PrincipalAccount: in.account,
		Action: action, Resource: resource, Context: in.context,
	}
	// Policies are named by their index so matches map back to sources.
	sources := map[string]*simSource{}
	named := func(src *simSource) *iampolicy.NamedPolicy {
		id := strconv.Itoa(len(sources))
		sources[id] = src
		return &iampolicy.NamedPolicy{ID: id, Policy: src.policy}
	}
	var input iampolicy.Input
	for i := range in.identity {
		input.Identity = append(input.Identity, *named(&in.identity[i]))
	}
	if in.boundary != nil {
		input.Boundary = named(in.boundary)
	}
	if in.resource != nil {
		input.Resource = named(in.resource)
	}
	var res iampolicy.Result
	if len(input.Identity) == 1 && input.Boundary == nil && input.Resource == nil {
		// One policy alone is evaluated as SimulateCustomPolicy does: its
		// statements apply whether or not they name a principal.
		res = input.Identity[0].Policy.Evaluate(input.Identity[0].ID, req)
	} else {
		res = iampolicy.Evaluate(input, req)
	}

	var matched []statementXML
	for _, m := range res.Matched {
		src := sources[m.PolicyID]
		if src == nil {
			continue
		}
		st := statementXML{SourcePolicyId: src.id, SourcePolicyType: src.typ}
		if start, end, ok := statementPosition(src.doc, m.Statement); ok {
			st.StartPosition, st.EndPosition = &start, &end
		}
		matched = append(matched, st)
	}
	missing := missingContextKeys(in, req)
	var boundaryDetail *boundaryDetailXML
	if in.boundary != nil {
		allowed := in.boundary.policy.Evaluate("boundary", req).Decision == iampolicy.Allowed
		boundaryDetail = &boundaryDetailXML{AllowedByPermissionsBoundary: allowed}
	}
	out := evalResultXML{
		EvalActionName: action, EvalResourceName: resource, EvalDecision: string(res.Decision),
		MatchedStatements: list(matched), MissingContextValues: list(missing),
		PermissionsBoundaryDecisionDetail: boundaryDetail,
	}
	if explicit {
		rs := list([]resourceResultXML{{
			EvalResourceName: resource, EvalResourceDecision: string(res.Decision),
			MatchedStatements: list(matched), MissingContextValues: list(missing),
			PermissionsBoundaryDecisionDetail: boundaryDetail,
		}})
		out.ResourceSpecificResults = &rs
	}
	return out
}

// derivedKeys are the global condition keys every request carries, so a
// simulation never reports them missing.
var derivedKeys = map[string]bool{
	"aws:username": true, "aws:principalarn": true, "aws:principalaccount": true,
	"aws:principaltype": true, "aws:principalservicename": true, "aws:currenttime": true,
	"aws:epochtime": true, "aws:userid": true,
}

// missingContextKeys lists the condition keys of statements that apply to
// the action and resource (ignoring their conditions) for which the request
// context has no value, as the simulator reports them.
func missingContextKeys(in simInput, req iampolicy.Request) []string {
	seen := map[string]bool{}
	var out []string
	check := func(src *simSource) {
		if src == nil || src.policy == nil {
			return
		}
		for _, st := range src.policy.Statements {
			if len(st.Condition) == 0 {
				continue
			}
			bare := &iampolicy.Policy{Version: src.policy.Version, Statements: []iampolicy.Statement{{
				Sid: st.Sid, Effect: st.Effect, Principal: st.Principal, NotPrincipal: st.NotPrincipal,
				Action: st.Action, NotAction: st.NotAction, Resource: st.Resource, NotResource: st.NotResource,
			}}}
			if bare.Evaluate("bare", req).Decision == iampolicy.ImplicitDeny {
				continue // the statement does not concern this action and resource
			}
			for _, keys := range st.Condition {
				for key := range keys {
					lk := strings.ToLower(key)
					if derivedKeys[lk] || seen[lk] || hasContextKey(req.Context, key) {
						continue
					}
					seen[lk] = true
					out = append(out, key)
				}
			}
		}
	}
	for i := range in.identity {
		check(&in.identity[i])
	}
	check(in.boundary)
	check(in.resource)
	return out
}

func hasContextKey(ctx map[string][]string, key string) bool {
	for k, v := range ctx {
		if strings.EqualFold(k, key) && len(v) > 0 {
			return true
		}
	}
	return false
}
