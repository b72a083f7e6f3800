package iampolicy

import (
	"strconv"
	"strings"
	"time"
)

// Request is one call to authorize: who, what, on which resource, and the
// request context the conditions test.
type Request struct {
	// Principal is the caller's ARN: arn:aws:sts::A:assumed-role/R/S for a role
	// session, arn:aws:iam::A:user/U for an IAM user.
	Principal string
	// PrincipalService is set instead of Principal when an AWS service calls
	// (e.g. "sns.amazonaws.com" delivering to a queue).
	PrincipalService string
	// PrincipalAccount is the caller's account; when empty it is taken from
	// Principal.
	PrincipalAccount string
	Action           string // "dynamodb:PutItem"
	Resource         string // full ARN, or "*" for actions without a resource
	// ResourceAccount is the account that owns the resource; when empty it
	// is taken from Resource's account field. A caller from another account
	// is evaluated with the cross-account logic (see Evaluate).
	ResourceAccount string
	// Context holds condition keys (aws:SourceArn, iam:PassedToService, ...).
	// Keys are matched case-insensitively, as IAM does. A key with no values
	// counts as absent. aws:username, aws:PrincipalArn, aws:PrincipalAccount,
	// aws:PrincipalType, aws:PrincipalServiceName, aws:CurrentTime and
	// aws:EpochTime are derived from the request when not given here.
	Context map[string][]string
}

// lookup returns the values of a condition key, case-insensitively.
func (r *Request) lookup(key string) ([]string, bool) {
	if v, ok := r.Context[key]; ok {
		return v, len(v) > 0
	}
	for k, v := range r.Context {
		if strings.EqualFold(k, key) {
			return v, len(v) > 0
		}
	}
	return r.derived(key)
}

// derived answers the global keys AWS always puts in the request context.
func (r *Request) derived(key string) ([]string, bool) {
	if len(key) < 4 || !strings.EqualFold(key[:4], "aws:") {
		return nil, false
	}
	one := func(v string) ([]string, bool) {
		if v == "" {
			return nil, false
		}
		return []string{v}, true
	}
	caller := parseCaller(r.Principal)
	// EqualFold rather than ToLower: a lookup of an absent key (common with
	// ...IfExists) must not allocate.
	name := key[4:]
	is := func(s string) bool { return strings.EqualFold(name, s) }
	switch {
	case is("username"):
		if caller.kind == callerUser {
			return one(caller.name)
		}
	case is("PrincipalArn"):
		if caller.kind == callerSession {
			return one("arn:" + caller.partition + ":iam::" + caller.account + ":role/" + caller.name)
		}
		return one(r.Principal)
	case is("PrincipalAccount"):
		return one(r.account())
	case is("PrincipalType"):
		switch caller.kind {
		case callerSession:
			return one("AssumedRole")
		case callerUser:
			return one("User")
		case callerRoot:
			return one("Account")
		case callerFederated:
			return one("FederatedUser")
		}
	case is("PrincipalServiceName"):
		return one(r.PrincipalService)
	case is("CurrentTime"):
		return one(time.Now().UTC().Format(time.RFC3339))
	case is("EpochTime"):
		return one(strconv.FormatInt(time.Now().Unix(), 10))
	}
	return nil, false
}

// crossAccount reports whether the caller and the resource are in different
// accounts. Service principals and resources whose ARN names no account
// (arn:aws:s3:::bucket, "*") are evaluated as same-account.
func (r *Request) crossAccount() bool {
	if r.PrincipalService != "" {
		return false
	}
	owner := r.ResourceAccount
	if owner == "" {
		if f, ok := splitARN(r.Resource); ok {
			owner = f[4]
		}
	}
	caller := r.account()
	return owner != "" && caller != "" && owner != caller
}

func (r *Request) account() string {
	if r.PrincipalAccount != "" {
		return r.PrincipalAccount
	}
	return parseCaller(r.Principal).account
}

type callerKind uint8

const (
	callerOther     callerKind = iota
	callerSession              // arn:P:sts::A:assumed-role/ROLE/SESSION
	callerUser                 // arn:P:iam::A:user/PATH/NAME
	callerRole                 // arn:P:iam::A:role/PATH/NAME
	callerRoot                 // arn:P:iam::A:root
	callerFederated            // arn:P:sts::A:federated-user/NAME
)

// caller is a principal ARN taken apart, without allocating.
type caller struct {
	kind               callerKind
	partition, account string
	name               string // user, role (of a session) or federated user name
}

func parseCaller(arn string) caller {
	f, ok := splitARN(arn)
	if !ok {
		return caller{}
	}
	c := caller{partition: f[1], account: f[4]}
	res := f[5]
	switch {
	case f[2] == "sts" && strings.HasPrefix(res, "assumed-role/"):
		role, _, ok := strings.Cut(res[len("assumed-role/"):], "/")
		if ok {
			c.kind, c.name = callerSession, role
		}
	case f[2] == "sts" && strings.HasPrefix(res, "federated-user/"):
		c.kind, c.name = callerFederated, res[len("federated-user/"):]
	case f[2] == "iam" && res == "root":
		c.kind = callerRoot
	case f[2] == "iam" && strings.HasPrefix(res, "user/"):
		c.kind, c.name = callerUser, lastSegment(res)
	case f[2] == "iam" && strings.HasPrefix(res, "role/"):
		c.kind, c.name = callerRole, lastSegment(res)
	}
	return c
}

func lastSegment(s string) string {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// splitARN splits "arn:partition:service:region:account:resource" into its six
// fields; the resource keeps any further colons.
func splitARN(s string) (f [6]string, ok bool) {
	for i := 0; i < 5; i++ {
		j := strings.IndexByte(s, ':')
		if j < 0 {
			return f, false
		}
		f[i], s = s[:j], s[j+1:]
	}
	f[5] = s
	return f, f[0] == "arn"
}
