package iampolicy

// Versions of the policy language IAM accepts. Only 2012-10-17 supports policy
// variables such as ${aws:username}; in 2008-10-17 (or when Version is absent)
// they are literal text, as on AWS.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Effects of a statement.
const (
	EffectAllow = "Allow"
	EffectDeny  = "Deny"
)

// Policy is a parsed policy document. Build it with Parse: the statements carry
// compiled matchers that Evaluate relies on for speed.
type Policy struct {
	Version    string // "" when the document has no Version
	ID         string
	Statements []Statement
}

// Statement is one element of a policy's Statement list. List-valued elements
// are always lists here, whether the document wrote a string or a list.
type Statement struct {
	Sid, Effect             string
	Principal, NotPrincipal *Principal // nil when absent
	Action, NotAction       []string
	Resource, NotResource   []string
	Condition               Conditions // nil when absent

	m *matcher // compiled form, set by Parse
}

// Principal is a statement's Principal or NotPrincipal element.
type Principal struct {
	All           bool // "Principal": "*"
	AWS           []string
	Service       []string
	Federated     []string
	CanonicalUser []string
}

// Conditions is a statement's Condition element: operator (as written, e.g.
// "ForAnyValue:StringLikeIfExists") -> condition key -> values. Numbers and
// booleans in the document are kept as their JSON text ("10", "true").
type Conditions map[string]map[string][]string
