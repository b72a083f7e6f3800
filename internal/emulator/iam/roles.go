package iam

import (
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

const (
	defaultMaxSession = 3600
	maxRoleSession    = 43200
)

// lookupRole is the account's role of that name, or nil.
func (s *Service) lookupRole(account, name string) *role {
	r, _ := roleTable.get(s, account, name)
	return r
}

// mutateRole applies change to a copy of the role, persists the copy and
// publishes it.
func (s *Service) mutateRole(account, name string, change func(r *role) error) (*role, error) {
	return roleTable.mutate(s, account, name, func(r *role) ([]store.Op, error) { return nil, change(r) }, nil)
}

// authorizeRole reads RoleName and authorizes the operation on the role.
func (s *Service) authorizeRole(call *service.Call, f form, cond map[string][]string) (string, error) {
	return roleTable.authorize(s, call, f, cond)
}

// checkTrustPolicy refuses a role trust policy that is no valid trust
// document (member names the parameter in the message) or that exceeds
// IAM's ACLSizePerRole quota.
func checkTrustPolicy(doc, member string) error {
	if _, err := parseDocument(doc, trustDoc, member); err != nil {
		return err
	}
	if nonSpaceLen(doc) > maxTrustChars {
		return limitExceeded("Cannot exceed quota for ACLSizePerRole: %d", maxTrustChars)
	}
	return nil
}

type roleResult struct {
	Role roleXML `xml:"Role"`
}

func (s *Service) createRole(call *service.Call, f form) (any, error) {
	e, err := roleTable.authorizeCreate(call, f)
	if err != nil {
		return nil, err
	}
	trust := f.get("AssumeRolePolicyDocument")
	if err := checkTrustPolicy(trust, "assumeRolePolicyDocument"); err != nil {
		return nil, err
	}
	desc, err := f.description(1000)
	if err != nil {
		return nil, err
	}
	maxSession, ok, err := f.intRange("MaxSessionDuration", "maxSessionDuration", defaultMaxSession, maxRoleSession)
	if err != nil {
		return nil, err
	}
	if !ok {
		maxSession = defaultMaxSession
	}
	tags, err := f.tags()
	if err != nil {
		return nil, err
	}
	// Tags on create need iam:TagRole too, as on AWS
	// (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags_roles.html).
	if len(tags) > 0 {
		if err := call.AuthorizeAction("iam:TagRole", e.ARN, nil); err != nil {
			return nil, err
		}
	}
	if e.Boundary != "" {
		if err := s.boundaryPolicy(e.Boundary); err != nil {
			return nil, err
		}
	}
	e.ID, e.Tags = "AROA"+service.RandomID(17), tags
	r := &role{entity: e, Trust: trust, Description: desc, MaxSessionDuration: int32(maxSession)}
	if err := roleTable.insert(s, r); err != nil {
		return nil, err
	}
	return roleResult{roleOut(r, roleCreated)}, nil
}

func (s *Service) getRole(call *service.Call, f form) (any, error) {
	name, err := s.authorizeRole(call, f, nil)
	if err != nil {
		return nil, err
	}
	r, ok := roleTable.get(s, call.Account, name)
	if !ok {
		return nil, roleTable.notFound(name)
	}
	return roleResult{roleOut(r, roleFull)}, nil
}

func (s *Service) deleteRole(call *service.Call, f form) (any, error) {
	name, err := s.authorizeRole(call, f, nil)
	if err != nil {
		return nil, err
	}
	return nil, roleTable.remove(s, call.Account, name, nil)
}

type listRolesResult struct {
	Roles members[roleXML] `xml:"Roles"`
	listResult
}

func (s *Service) listRoles(call *service.Call, f form) (any, error) {
	pg, truncated, next, err := roleTable.list(s, call, f)
	if err != nil {
		return nil, err
	}
	out := make([]roleXML, len(pg))
	for i, r := range pg {
		out[i] = roleOut(r, roleListed)
	}
	return listRolesResult{Roles: list(out), listResult: listResult{truncated, next}}, nil
}

func (s *Service) updateRole(call *service.Call, f form) (any, error) {
	name, err := s.authorizeRole(call, f, nil)
	if err != nil {
		return nil, err
	}
	desc, err := f.description(1000)
	if err != nil {
		return nil, err
	}
	maxSession, setMax, err := f.intRange("MaxSessionDuration", "maxSessionDuration", defaultMaxSession, maxRoleSession)
	if err != nil {
		return nil, err
	}
	setDesc := f.has("Description")
	_, err = s.mutateRole(call.Account, name, func(r *role) error {
		if setDesc {
			r.Description = desc
		}
		if setMax {
			r.MaxSessionDuration = int32(maxSession)
		}
		return nil
	})
	return nil, err
}

func (s *Service) updateRoleDescription(call *service.Call, f form) (any, error) {
	name, err := s.authorizeRole(call, f, nil)
	if err != nil {
		return nil, err
	}
	desc, err := f.description(1000)
	if err != nil {
		return nil, err
	}
	r, err := s.mutateRole(call.Account, name, func(r *role) error {
		r.Description = desc
		return nil
	})
	if err != nil {
		return nil, err
	}
	return roleResult{roleOut(r, roleFull)}, nil
}

func (s *Service) updateAssumeRolePolicy(call *service.Call, f form) (any, error) {
	name, err := s.authorizeRole(call, f, nil)
	if err != nil {
		return nil, err
	}
	doc := f.get("PolicyDocument")
	if err := checkTrustPolicy(doc, "policyDocument"); err != nil {
		return nil, err
	}
	_, err = s.mutateRole(call.Account, name, func(r *role) error {
		r.Trust = doc
		return nil
	})
	return nil, err
}

func (s *Service) tagRole(call *service.Call, f form) (any, error) {
	return s.tagEntity(call, f, roleTable.entityKind)
}

func (s *Service) untagRole(call *service.Call, f form) (any, error) {
	return s.untagEntity(call, f, roleTable.entityKind)
}

type tagsResult struct {
	Tags members[tagXML] `xml:"Tags"`
	listResult
}

func tagPage(f form, tags []Tag) (any, error) {
	pg, truncated, next, err := page(f, tagsXML(tags), func(t tagXML) string { return t.Key })
	if err != nil {
		return nil, err
	}
	return tagsResult{Tags: list(pg), listResult: listResult{truncated, next}}, nil
}

func (s *Service) listRoleTags(call *service.Call, f form) (any, error) {
	return s.listEntityTags(call, f, roleTable.entityKind)
}

func (s *Service) putRolePermissionsBoundary(call *service.Call, f form) (any, error) {
	return s.putEntityPermissionsBoundary(call, f, roleTable.entityKind)
}

func (s *Service) deleteRolePermissionsBoundary(call *service.Call, f form) (any, error) {
	return s.deleteEntityPermissionsBoundary(call, f, roleTable.entityKind)
}
