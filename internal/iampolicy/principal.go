package iampolicy

import "strings"

// principalMatch says how a statement's Principal named the caller. The
// difference matters when a resource-based policy grants access in the same
// account (see Evaluate).
type principalMatch uint8

const (
	principalNone principalMatch = iota
	// principalAccount: the caller's account ("123456789012" or
	// arn:aws:iam::123456789012:root). Within the account this delegates to
	// IAM: the caller's identity-based policies must allow.
	principalAccount
	// principalRole: the role whose session is calling. A grant is still
	// limited by the session's permissions boundary and session policy.
	principalRole
	// principalDirect: "*", the exact user / session / federated ARN, or the
	// calling service. A grant stands on its own.
	principalDirect
)

type roleRef struct{ partition, account, name string }

// principalMatcher is a compiled Principal / NotPrincipal element.
type principalMatcher struct {
	all       bool // "*" or {"AWS": "*"}
	accounts  []string
	roles     []roleRef
	exact     []string // other ARNs, compared as written
	services  []string
	federated []string
	canonical []string
}

func compilePrincipal(p *Principal) *principalMatcher {
	m := &principalMatcher{all: p.All, services: p.Service, federated: p.Federated, canonical: p.CanonicalUser}
	for _, v := range p.AWS {
		switch {
		case v == "*":
			m.all = true
		case isAccountID(v):
			m.accounts = append(m.accounts, v)
		default:
			c := parseCaller(v)
			switch c.kind {
			case callerRoot:
				m.accounts = append(m.accounts, c.account)
			case callerRole:
				m.roles = append(m.roles, roleRef{partition: c.partition, account: c.account, name: c.name})
				m.exact = append(m.exact, v)
			default:
				m.exact = append(m.exact, v)
			}
		}
	}
	return m
}

func (m *principalMatcher) match(req *Request) principalMatch {
	if m.all {
		return principalDirect
	}
	if req.PrincipalService != "" {
		for _, s := range m.services {
			if strings.EqualFold(s, req.PrincipalService) {
				return principalDirect
			}
		}
		return principalNone
	}
	if req.Principal == "" {
		return principalNone
	}
	for _, e := range m.exact {
		if e == req.Principal {
			return principalDirect
		}
	}
	for _, f := range m.federated {
		if f == req.Principal {
			return principalDirect
		}
	}
	for _, c := range m.canonical {
		if c == req.Principal {
			return principalDirect
		}
	}
	if len(m.roles) > 0 {
		c := parseCaller(req.Principal)
		if c.kind == callerSession {
			for _, r := range m.roles {
				if r.name == c.name && r.account == c.account && r.partition == c.partition {
					return principalRole
				}
			}
		}
	}
	if len(m.accounts) > 0 {
		acct := req.account()
		for _, a := range m.accounts {
			if a == acct {
				return principalAccount
			}
		}
	}
	return principalNone
}
