package iampolicy

// Decision is AWS's EvalDecision.
type Decision string

const (
	Allowed      Decision = "allowed"
	ExplicitDeny Decision = "explicitDeny"
	ImplicitDeny Decision = "implicitDeny"
)

// PolicyKind says what role a policy plays in an evaluation; Validate also
// takes it to apply that kind's rules.
type PolicyKind string

const (
	KindIdentity PolicyKind = "identity"             // inline or attached to the principal
	KindResource PolicyKind = "resource"             // attached to the resource (queue policy, ...)
	KindBoundary PolicyKind = "permissions-boundary" // the principal's permissions boundary
	KindSession  PolicyKind = "session"              // passed when the session was created
	KindTrust    PolicyKind = "trust"                // a role's AssumeRolePolicyDocument
)

// Match is a statement that matched the request.
type Match struct {
	PolicyID  string
	Statement int // index in the policy's Statement list
	Sid       string
	Effect    string     // "Allow" | "Deny"
	Kind      PolicyKind // which of the Input's policies it is in
}

// Result is the outcome of an evaluation.
type Result struct {
	Decision Decision
	// Matched: for explicitDeny the denying statements; for allowed the
	// allowing statements (identity, resource, and the boundary/session
	// statements that let them through); for implicitDeny the identity or
	// resource allows a boundary or session policy cut off (else empty).
	Matched []Match
	// Reason is the tail of AWS's AccessDenied message, e.g. "because no
	// identity-based policy allows the dynamodb:PutItem action", or a short
	// note of what allowed the request.
	Reason string
}

// NamedPolicy is a parsed policy with the name results refer to it by: an
// inline policy's name or a managed policy's ARN.
type NamedPolicy struct {
	ID     string
	Policy *Policy
}

// Input is every policy that applies to one request.
type Input struct {
	Identity      []NamedPolicy // inline and attached managed policies of the principal
	Boundary      *NamedPolicy  // permissions boundary, optional
	Resource      *NamedPolicy  // resource-based policy, optional
	SessionPolicy *NamedPolicy  // optional
}

// Reasons for an allow; fixed strings so an allow costs no allocation.
const (
	reasonIdentityAllows = "allowed by an identity-based policy"
	reasonResourceAllows = "allowed by a resource-based policy"
)

// tally is what one evaluation found. It lives on the caller's stack: matches
// go to a fixed array (a slice into a local array would escape to the heap
// through the pointer receiver), overflowing to a slice only for policies
// with very many matching statements.
type tally struct {
	n        int
	fixed    [8]Match
	overflow []Match
	denyKind PolicyKind // kind of the first explicit deny; "" if none

	identityAllow bool
	boundaryAllow bool
	sessionAllow  bool
	resourceBest  principalMatch // strongest principal match of a resource-policy allow
}

func (t *tally) add(m Match) {
	if t.n < len(t.fixed) {
		t.fixed[t.n] = m
	} else {
		t.overflow = append(t.overflow, m)
	}
	t.n++
}

func (t *tally) at(i int) *Match {
	if i < len(t.fixed) {
		return &t.fixed[i]
	}
	return &t.overflow[i-len(t.fixed)]
}

func (t *tally) scan(np *NamedPolicy, kind PolicyKind, req *Request) {
	if np == nil || np.Policy == nil {
		return
	}
	variables := np.Policy.Version == Version2012
	for i := range np.Policy.Statements {
		st := &np.Policy.Statements[i]
		m := st.m
		if m == nil { // built by hand rather than by Parse
			var err error
			if m, err = compileStatement(st, variables); err != nil {
				continue
			}
		}
		ok, pm := m.applies(req)
		if !ok {
			continue
		}
		if m.deny {
			if t.denyKind == "" {
				t.denyKind = kind
			}
			t.add(Match{PolicyID: np.ID, Statement: i, Sid: st.Sid, Effect: EffectDeny, Kind: kind})
			continue
		}
		switch kind {
		case KindIdentity:
			t.identityAllow = true
		case KindBoundary:
			t.boundaryAllow = true
		case KindSession:
			t.sessionAllow = true
		case KindResource:
			if pm == principalAbsent {
				continue // a resource policy allow must name who it allows
			}
			t.resourceBest = max(t.resourceBest, pm)
		}
		t.add(Match{PolicyID: np.ID, Statement: i, Sid: st.Sid, Effect: EffectAllow, Kind: kind})
	}
}

// pick copies the matches of one effect (and, when kinds is non-empty, of
// those kinds) into a new slice: the one allocation of an evaluation.
func (t *tally) pick(effect string, kinds ...PolicyKind) []Match {
	n := 0
	for i := 0; i < t.n; i++ {
		if keep(t.at(i), effect, kinds) {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]Match, 0, n)
	for i := 0; i < t.n; i++ {
		if m := t.at(i); keep(m, effect, kinds) {
			out = append(out, *m)
		}
	}
	return out
}

func keep(m *Match, effect string, kinds []PolicyKind) bool {
	if m.Effect != effect {
		return false
	}
	if len(kinds) == 0 {
		return true
	}
	for _, k := range kinds {
		if m.Kind == k {
			return true
		}
	}
	return false
}

// Evaluate decides a request as AWS documents it. For a same-account request:
//
//  1. An explicit Deny in any policy (identity, resource, boundary, session)
//     wins: explicitDeny.
//  2. Allowed when an identity-based policy allows and the permissions
//     boundary and session policy (each only when set) allow too.
//  3. Allowed when the resource-based policy allows the caller by name (its
//     user or session ARN, "*", or the calling service): such a grant is not
//     limited by the boundary or session policy. A grant to the role (not the
//     session) is limited by them, and a grant to the account only delegates
//     to the caller's identity-based policies, as on AWS.
//  4. Otherwise implicitDeny.
//
// A caller from another account than the resource's needs both: an
// identity-based policy (within its boundary and session policy) and the
// resource-based policy must allow, whoever the resource policy names ("Cross-
// account policy evaluation logic",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html).
func Evaluate(in Input, req Request) Result {
	var t tally
	for i := range in.Identity {
		t.scan(&in.Identity[i], KindIdentity, &req)
	}
	t.scan(in.Resource, KindResource, &req)
	t.scan(in.Boundary, KindBoundary, &req)
	t.scan(in.SessionPolicy, KindSession, &req)

	if t.denyKind != "" {
		return Result{Decision: ExplicitDeny, Matched: t.pick(EffectDeny), Reason: denyReason(t.denyKind)}
	}
	limitsOK := (in.Boundary == nil || t.boundaryAllow) && (in.SessionPolicy == nil || t.sessionAllow)
	// Only a request something allows can differ across accounts; the
	// account check is skipped for the rest.
	if (t.identityAllow || t.resourceBest != principalNone) && req.crossAccount() {
		return t.crossAccount(in, &req, limitsOK)
	}
	switch {
	case t.identityAllow && limitsOK:
		return Result{Decision: Allowed, Matched: t.pick(EffectAllow), Reason: reasonIdentityAllows}
	case t.resourceBest == principalDirect, t.resourceBest == principalRole && limitsOK:
		return Result{Decision: Allowed, Matched: t.pick(EffectAllow), Reason: reasonResourceAllows}
	}

	res := Result{Decision: ImplicitDeny}
	granted := t.identityAllow || t.resourceBest == principalRole
	switch {
	case granted && in.Boundary != nil && !t.boundaryAllow:
		res.Reason = "because no permissions boundary allows the " + req.Action + " action"
		res.Matched = t.pick(EffectAllow, KindIdentity, KindResource)
	case granted && in.SessionPolicy != nil && !t.sessionAllow:
		res.Reason = "because no session policy allows the " + req.Action + " action"
		res.Matched = t.pick(EffectAllow, KindIdentity, KindResource)
	case req.PrincipalService != "" || (len(in.Identity) == 0 && in.Resource != nil):
		res.Reason = "because no resource-based policy allows the " + req.Action + " action"
	default:
		res.Reason = "because no identity-based policy allows the " + req.Action + " action"
	}
	return res
}

// crossAccount decides a request from another account, once no explicit deny
// applied: the trusting account's resource policy and the trusted account's
// identity-based policies must both allow. A grant to the caller's account
// counts here, as the trusted account's identity policies decide too.
func (t *tally) crossAccount(in Input, req *Request, limitsOK bool) Result {
	identityOK := t.identityAllow && limitsOK
	resourceOK := t.resourceBest != principalNone
	if identityOK && resourceOK {
		return Result{Decision: Allowed, Matched: t.pick(EffectAllow), Reason: "allowed by an identity-based policy and the resource-based policy of the resource's account"}
	}
	res := Result{Decision: ImplicitDeny}
	switch {
	case t.identityAllow && in.Boundary != nil && !t.boundaryAllow:
		res.Reason = "because no permissions boundary allows the " + req.Action + " action"
	case t.identityAllow && in.SessionPolicy != nil && !t.sessionAllow:
		res.Reason = "because no session policy allows the " + req.Action + " action"
	case !t.identityAllow:
		res.Reason = "because no identity-based policy allows the " + req.Action + " action"
	default:
		res.Reason = "because no resource-based policy allows the " + req.Action + " action"
	}
	res.Matched = t.pick(EffectAllow, KindIdentity, KindResource)
	return res
}

// Evaluate evaluates this one policy alone, as SimulateCustomPolicy does:
// explicitDeny if a Deny statement applies, allowed if an Allow does, else
// implicitDeny. Statements with a Principal apply only to the callers they
// name (an account principal names every caller of that account here).
func (p *Policy) Evaluate(id string, req Request) Result {
	kind := KindIdentity
	for i := range p.Statements {
		if p.Statements[i].Principal != nil || p.Statements[i].NotPrincipal != nil {
			kind = KindResource
			break
		}
	}
	var t tally
	np := NamedPolicy{ID: id, Policy: p}
	// Scanned as identity even when it has principals: here a statement
	// without a Principal still applies, and any principal match counts.
	t.scan(&np, KindIdentity, &req)
	for i := 0; i < t.n; i++ {
		t.at(i).Kind = kind
	}
	switch {
	case t.denyKind != "":
		return Result{Decision: ExplicitDeny, Matched: t.pick(EffectDeny), Reason: denyReason(kind)}
	case t.identityAllow:
		reason := reasonIdentityAllows
		if kind == KindResource {
			reason = reasonResourceAllows
		}
		return Result{Decision: Allowed, Matched: t.pick(EffectAllow), Reason: reason}
	}
	what := "identity-based policy"
	if kind == KindResource {
		what = "resource-based policy"
	}
	return Result{Decision: ImplicitDeny, Reason: "because no " + what + " allows the " + req.Action + " action"}
}

func denyReason(kind PolicyKind) string {
	switch kind {
	case KindResource:
		return "with an explicit deny in a resource-based policy"
	case KindBoundary:
		return "with an explicit deny in a permissions boundary"
	case KindSession:
		return "with an explicit deny in a session policy"
	}
	return "with an explicit deny in an identity-based policy"
}

// DeniedMessage is AWS's AccessDenied message for a denied result, e.g.
// "User: arn:aws:sts::000000000000:assumed-role/R/S is not authorized to
// perform: dynamodb:DeleteItem on resource: arn:aws:dynamodb:...:table/T
// because no identity-based policy allows the dynamodb:DeleteItem action".
// It is "" for an allowed result.
func (r Result) DeniedMessage(req Request) string {
	if r.Decision == Allowed {
		return ""
	}
	who := req.Principal
	if who == "" {
		who = req.PrincipalService
	}
	return "User: " + who + " is not authorized to perform: " + req.Action + " on resource: " + req.Resource + " " + r.Reason
}
