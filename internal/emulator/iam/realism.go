package iam

import (
	"maps"
	"strings"
	"time"

	"github.com/orders-dev/orders/internal/emulator/realism"
)

// What the realism profile adds to IAM, after the IAM User Guide's
// "Changes that I make are not always immediately visible" (see
// realism.IAMPolicyPropagation): a change to roles, users or policies is
// seen at once by IAM's own API, but role sessions and users are judged by
// it only a few seconds later — until then the old decision stands; a new
// role cannot be assumed by Lambda for a few seconds more; a new access key
// is refused for a few seconds.
//
// IAM's entities are immutable once published (every change publishes a
// modified copy), so a shallow copy of the maps is a consistent view of
// the whole state. views holds the state after each change still within
// the propagation window, oldest first; views[0] is visible.

// view is IAM's state as of one change.
type view struct {
	at       time.Time
	roles    map[string]*role
	users    map[string]*user
	policies map[string]*managedPolicy
}

// changedLocked records the state just published. s.mu is held for writing.
func (s *Service) changedLocked() {
	d := s.realism.Delay(realism.IAMPolicyPropagation)
	if d <= 0 {
		return
	}
	now := s.now()
	v := view{at: now, roles: maps.Clone(s.roles), users: maps.Clone(s.users), policies: maps.Clone(s.policies)}
	if len(s.views) == 0 {
		// The state before this change has been visible all along.
		s.views = []view{s.baseView}
	}
	s.views = append(s.views, v)
	// Drop states that a later visible one supersedes.
	i := 0
	for i+1 < len(s.views) && !s.views[i+1].at.Add(d).After(now) {
		i++
	}
	s.views = s.views[i:]
}

// visible is the state role sessions and users are judged by at now: the
// latest one at least the propagation delay old. ok is false when every
// change is visible (use the live maps).
func (s *Service) visible(now time.Time) (view, bool) {
	d := s.realism.Delay(realism.IAMPolicyPropagation)
	if d <= 0 {
		return view{}, false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.views) == 0 {
		return view{}, false
	}
	last := len(s.views) - 1
	if !s.views[last].at.Add(d).After(now) {
		return view{}, false
	}
	v := s.views[0]
	for _, w := range s.views[1:] {
		if w.at.Add(d).After(now) {
			break
		}
		v = w
	}
	return v, true
}

// RoleAssumable reports whether Lambda can assume the role roleARN yet: a
// role is not assumable by a service until realism.IAMRoleAssumable after
// its creation. Roles the profile's window has passed (and every role
// without a profile) are.
func (s *Service) RoleAssumable(account, nameOrARN string) bool {
	d := s.realism.Delay(realism.IAMRoleAssumable)
	if d <= 0 {
		return true
	}
	name := nameOrARN
	if _, n, ok := parseEntityARN(nameOrARN, "role/"); ok {
		name = n
	}
	r := s.lookupRole(account, name)
	return r == nil || !s.now().Before(r.Created.Add(d))
}

// keyPropagating reports whether an access key created at created is still
// unknown to the rest of AWS at now.
func (s *Service) keyPropagating(created time.Time) bool {
	d := s.realism.Delay(realism.IAMAccessKeyPropagation)
	return d > 0 && s.now().Before(created.Add(d))
}

// roleIn, userIn and policyIn look in v (nil: the current state).
func (s *Service) roleIn(v *view, account, name string) *role {
	if v == nil {
		return s.lookupRole(account, name)
	}
	return v.roles[entityKey(account, name)]
}

func (s *Service) userIn(v *view, account, name string) *user {
	if v == nil {
		return s.lookupUser(account, name)
	}
	return v.users[entityKey(account, name)]
}

func (s *Service) policyIn(v *view, arn string) *managedPolicy {
	if v == nil {
		return s.policyByARN(arn)
	}
	if p := s.awsPolicies[strings.ToLower(arn)]; p != nil {
		return p
	}
	account, name, ok := parsePolicyARN(arn)
	if !ok {
		return nil
	}
	p := v.policies[entityKey(account, name)]
	if p == nil || !strings.EqualFold(p.ARN, arn) {
		return nil
	}
	return p
}
