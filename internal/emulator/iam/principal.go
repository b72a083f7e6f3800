package iam

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/iampolicy"
)

// RoleInfo is what other services need to know about a role: STS to issue
// sessions of it, Lambda to run functions as it. sts.RoleInfo has the same
// fields, so the wiring converts with sts.RoleInfo(info).
type RoleInfo struct {
	Name               string
	ARN                string
	RoleID             string // AROA...
	Path               string
	TrustPolicy        string // the trust policy document as JSON (not URL-encoded)
	MaxSessionDuration int32  // seconds
}

// Role finds a role by name (in account) or by ARN (its own account).
func (s *Service) Role(_ context.Context, account, nameOrARN string) (RoleInfo, bool) {
	name := nameOrARN
	arn := ""
	if strings.HasPrefix(nameOrARN, "arn:") {
		acct, n, ok := parseEntityARN(nameOrARN, "role/")
		if !ok {
			return RoleInfo{}, false
		}
		account, name, arn = acct, n, nameOrARN
	}
	r := s.lookupRole(account, name)
	if r == nil || arn != "" && !sameEntityARN(r.ARN, arn) {
		return RoleInfo{}, false
	}
	return RoleInfo{Name: r.Name, ARN: r.ARN, RoleID: r.ID, Path: r.Path, TrustPolicy: r.Trust, MaxSessionDuration: r.MaxSessionDuration}, true
}

// sameEntityARN compares ARNs of IAM entities: the name is case-insensitive
// in IAM, the rest is not.
func sameEntityARN(a, b string) bool {
	ia, ib := strings.LastIndexByte(a, '/'), strings.LastIndexByte(b, '/')
	return ia >= 0 && ib >= 0 && a[:ia] == b[:ib] && strings.EqualFold(a[ia:], b[ib:])
}

// parseEntityARN splits arn:P:iam::ACCOUNT:<kind>PATH/NAME (kind "role/" or
// "user/") into account and name.
func parseEntityARN(arn, kind string) (account, name string, ok bool) {
	f := strings.SplitN(arn, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[2] != "iam" || !strings.HasPrefix(f[5], kind) {
		return "", "", false
	}
	name = f[5][strings.LastIndexByte(f[5], '/')+1:]
	return f[4], name, name != ""
}

// principalEntity finds the role or user whose policies apply to a caller:
// a role session (arn:aws:sts::A:assumed-role/R/S), a role or a user.
// v is the state to look in (nil: the current one).
func (s *Service) principalEntity(v *view, principalARN string) (ps *policySet, boundaryARN string, kind string, ok bool) {
	f := strings.SplitN(principalARN, ":", 6)
	if len(f) != 6 || f[0] != "arn" {
		return nil, "", "", false
	}
	account, res := f[4], f[5]
	switch {
	case f[2] == "sts" && strings.HasPrefix(res, "assumed-role/"):
		roleName, _, found := strings.Cut(strings.TrimPrefix(res, "assumed-role/"), "/")
		if !found {
			return nil, "", "", false
		}
		if r := s.roleIn(v, account, roleName); r != nil {
			return &r.policySet, r.Boundary, "role", true
		}
	case f[2] == "iam" && strings.HasPrefix(res, "role/"):
		_, name, _ := parseEntityARN(principalARN, "role/")
		if r := s.roleIn(v, account, name); r != nil && sameEntityARN(r.ARN, principalARN) {
			return &r.policySet, r.Boundary, "role", true
		}
	case f[2] == "iam" && strings.HasPrefix(res, "user/"):
		_, name, _ := parseEntityARN(principalARN, "user/")
		if u := s.userIn(v, account, name); u != nil && sameEntityARN(u.ARN, principalARN) {
			return &u.policySet, u.Boundary, "user", true
		}
	}
	return nil, "", "", false
}

// denyEverything stands in for a permissions boundary whose policy no longer
// exists: a boundary that cannot be read allows nothing.
var denyEverything = &iampolicy.Policy{Version: iampolicy.Version2012}

// PrincipalPolicies returns the identity policies (inline ones by name,
// attached managed ones by ARN) and the permissions boundary that apply to
// a caller: for arn:aws:sts::A:assumed-role/R/S and arn:aws:iam::A:role/R the
// role's, for arn:aws:iam::A:user/U the user's. ok is false when no such
// role or user exists (a session of a deleted role has no permissions).
//
// With a realism profile these are the policies as they were
// realism.IAMPolicyPropagation ago: changes reach role sessions and users
// only then.
func (s *Service) PrincipalPolicies(_ context.Context, principalARN string) (identity []iampolicy.NamedPolicy, boundary *iampolicy.NamedPolicy, ok bool) {
	var v *view
	if w, lagging := s.visible(s.now()); lagging {
		v = &w
	}
	ps, boundaryARN, _, ok := s.principalEntity(v, principalARN)
	if !ok {
		return nil, nil, false
	}
	identity, boundary = s.entityPolicies(v, ps, boundaryARN)
	return identity, boundary, true
}

func (s *Service) entityPolicies(v *view, ps *policySet, boundaryARN string) ([]iampolicy.NamedPolicy, *iampolicy.NamedPolicy) {
	names := make([]string, 0, len(ps.parsed))
	for n := range ps.parsed {
		names = append(names, n)
	}
	sort.Strings(names)
	identity := make([]iampolicy.NamedPolicy, 0, len(names)+len(ps.Attached))
	for _, n := range names {
		identity = append(identity, iampolicy.NamedPolicy{ID: n, Policy: ps.parsed[n]})
	}
	for _, arn := range ps.Attached {
		if p := s.policyIn(v, arn); p != nil {
			if pv := p.defaultVersion(); pv.parsed != nil {
				identity = append(identity, iampolicy.NamedPolicy{ID: p.ARN, Policy: pv.parsed})
			}
		}
	}
	var boundary *iampolicy.NamedPolicy
	if boundaryARN != "" {
		boundary = &iampolicy.NamedPolicy{ID: boundaryARN, Policy: denyEverything}
		if p := s.policyIn(v, boundaryARN); p != nil {
			if pv := p.defaultVersion(); pv.parsed != nil {
				boundary.Policy = pv.parsed
			}
		}
	}
	return identity, boundary
}

// ResolveAccessKey finds an IAM user's access key. Keys that were deleted
// are still claimed (ok is true) but with a fresh random secret, so requests
// signed with them fail signature verification instead of falling back to
// the administrator identity unknown keys get.
func (s *Service) ResolveAccessKey(_ context.Context, akid string) (p service.Principal, secret string, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if key, found := s.keys[akid]; found {
		if u := s.users[key]; u != nil {
			for _, k := range u.Keys {
				if k.ID == akid {
					return service.Principal{ARN: u.ARN, AccessKeyID: akid, UserName: u.Name}, k.Secret, true
				}
			}
		}
	}
	if userARN, found := s.deletedKeys[akid]; found {
		return service.Principal{ARN: userARN, AccessKeyID: akid}, newSecret(), true
	}
	return service.Principal{}, "", false
}

// Resolve implements dispatch.IdentityResolver for IAM users' access keys
// (they have no session token and do not expire), so the wiring can chain it
// with STS's resolver.
//
// A key still propagating (realism.IAMAccessKeyPropagation) is claimed
// with a session token no client sends, so its requests are refused the way
// AWS refuses a key it does not know yet (InvalidClientTokenId /
// UnrecognizedClientException), never served as the administrator.
func (s *Service) Resolve(ctx context.Context, akid string) (service.Principal, string, string, time.Time, bool) {
	p, secret, ok := s.ResolveAccessKey(ctx, akid)
	if ok && s.keyPropagating(s.keyCreated(akid)) {
		return p, secret, "not-yet-propagated-" + newSecret(), time.Time{}, true
	}
	return p, secret, "", time.Time{}, ok
}

// keyCreated is when the live access key akid was created (zero if none).
func (s *Service) keyCreated(akid string) time.Time {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if u := s.users[s.keys[akid]]; u != nil {
		for _, k := range u.Keys {
			if k.ID == akid {
				return k.Created
			}
		}
	}
	return time.Time{}
}

// UserID returns the unique id (AIDA...) of the IAM user with this ARN, for
// STS GetCallerIdentity.
func (s *Service) UserID(_ context.Context, userARN string) (string, bool) {
	account, name, ok := parseEntityARN(userARN, "user/")
	if !ok {
		return "", false
	}
	u := s.lookupUser(account, name)
	if u == nil || !sameEntityARN(u.ARN, userARN) {
		return "", false
	}
	return u.ID, true
}
