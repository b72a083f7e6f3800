package iam

import (
	"sort"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

const (
	defaultMaxSession = 3600
	maxRoleSession    = 43200
)

// roleResource is the ARN a role operation is authorized on: the role's own
// ARN (with its path) when it exists, else role/NAME.
func (s *Service) roleResource(call *service.Call, name string) string {
	s.mu.RLock()
	r := s.roles[entityKey(call.Account, name)]
	s.mu.RUnlock()
	if r != nil {
		return r.ARN
	}
	return call.GlobalARN("iam", "role/"+name)
}

func (s *Service) lookupRole(account, name string) *role {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.roles[entityKey(account, name)]
}

func noSuchRole(name string) error {
	return noSuchEntity("The role with name %s cannot be found.", name)
}

// mutateRole applies change to a copy of the role, persists the copy and
// publishes it.
func (s *Service) mutateRole(account, name string, change func(r *role) error) (*role, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	cur := s.lookupRole(account, name)
	if cur == nil {
		return nil, noSuchRole(name)
	}
	r := cur.clone()
	if err := change(r); err != nil {
		return nil, err
	}
	key := entityKey(account, name)
	if err := s.persist("update role "+name, store.Put(bucketRoles, key, mustJSON(r))); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.roles[key] = r
	s.changedLocked()
	s.mu.Unlock()
	return r, nil
}

// readRoleParams reads RoleName and authorizes the operation on the role.
func (s *Service) authorizeRole(call *service.Call, f form, cond map[string][]string) (string, error) {
	name, err := f.name("RoleName", "roleName", 64)
	if err != nil {
		return "", err
	}
	action := "iam:" + call.Operation
	if err := call.AuthorizeAction(action, s.roleResource(call, name), cond); err != nil {
		return "", err
	}
	return name, nil
}

type roleResult struct {
	Role roleXML `xml:"Role"`
}

func (s *Service) createRole(call *service.Call, f form) (any, error) {
	name, err := f.name("RoleName", "roleName", 64)
	if err != nil {
		return nil, err
	}
	path, err := f.path("Path", "path")
	if err != nil {
		return nil, err
	}
	boundaryARN := f.get("PermissionsBoundary")
	arn := call.GlobalARN("iam", "role"+path+name)
	var cond map[string][]string
	if boundaryARN != "" {
		cond = map[string][]string{"iam:PermissionsBoundary": {boundaryARN}}
	}
	if err := call.AuthorizeAction("iam:CreateRole", arn, cond); err != nil {
		return nil, err
	}
	trust := f.get("AssumeRolePolicyDocument")
	if _, err := parseDocument(trust, trustDoc, "assumeRolePolicyDocument"); err != nil {
		return nil, err
	}
	if nonSpaceLen(trust) > maxTrustChars {
		return nil, limitExceeded("Cannot exceed quota for ACLSizePerRole: %d", maxTrustChars)
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
		if err := call.AuthorizeAction("iam:TagRole", arn, nil); err != nil {
			return nil, err
		}
	}
	if boundaryARN != "" && s.policyByARN(boundaryARN) == nil {
		return nil, noSuchEntity("Scope ARN: %s does not exist or is not attachable.", boundaryARN)
	}

	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	key := entityKey(call.Account, name)
	if s.lookupRole(call.Account, name) != nil {
		return nil, alreadyExists("Role with name %s already exists.", name)
	}
	r := &role{
		Account: call.Account, Name: name, Path: path, ARN: arn,
		ID: "AROA" + service.RandomID(17), Created: call.Now.UTC(),
		Trust: trust, Description: desc, MaxSessionDuration: int32(maxSession),
		Boundary: boundaryARN, Tags: tags,
	}
	if err := s.persist("create role "+name, store.Put(bucketRoles, key, mustJSON(r))); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.roles[key] = r
	s.changedLocked()
	s.mu.Unlock()
	return roleResult{roleOut(r, roleCreated)}, nil
}

func (s *Service) getRole(call *service.Call, f form) (any, error) {
	name, err := s.authorizeRole(call, f, nil)
	if err != nil {
		return nil, err
	}
	r := s.lookupRole(call.Account, name)
	if r == nil {
		return nil, noSuchRole(name)
	}
	return roleResult{roleOut(r, roleFull)}, nil
}

func (s *Service) deleteRole(call *service.Call, f form) (any, error) {
	name, err := s.authorizeRole(call, f, nil)
	if err != nil {
		return nil, err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	r := s.lookupRole(call.Account, name)
	if r == nil {
		return nil, noSuchRole(name)
	}
	if len(r.Inline) > 0 {
		return nil, deleteConflict("Cannot delete entity, must delete policies first.")
	}
	if len(r.Attached) > 0 {
		return nil, deleteConflict("Cannot delete entity, must detach all policies first.")
	}
	key := entityKey(call.Account, name)
	if err := s.persist("delete role "+name, store.Del(bucketRoles, key)); err != nil {
		return nil, err
	}
	s.mu.Lock()
	delete(s.roles, key)
	s.changedLocked()
	s.mu.Unlock()
	return nil, nil
}

type listRolesResult struct {
	Roles members[roleXML] `xml:"Roles"`
	listResult
}

func (s *Service) listRoles(call *service.Call, f form) (any, error) {
	prefix, err := f.pathPrefix()
	if err != nil {
		return nil, err
	}
	// IAM authorizes list operations on the path being listed.
	if err := call.AuthorizeAction("iam:ListRoles", call.GlobalARN("iam", "role"+prefix), nil); err != nil {
		return nil, err
	}
	s.mu.RLock()
	var rs []*role
	for _, r := range s.roles {
		if r.Account == call.Account && strings.HasPrefix(r.Path, prefix) {
			rs = append(rs, r)
		}
	}
	s.mu.RUnlock()
	sort.Slice(rs, func(i, j int) bool { return strings.ToLower(rs[i].Name) < strings.ToLower(rs[j].Name) })
	pg, truncated, next, err := page(f, rs, func(r *role) string { return strings.ToLower(r.Name) })
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
	if _, err := parseDocument(doc, trustDoc, "policyDocument"); err != nil {
		return nil, err
	}
	if nonSpaceLen(doc) > maxTrustChars {
		return nil, limitExceeded("Cannot exceed quota for ACLSizePerRole: %d", maxTrustChars)
	}
	_, err = s.mutateRole(call.Account, name, func(r *role) error {
		r.Trust = doc
		return nil
	})
	return nil, err
}

func (s *Service) tagRole(call *service.Call, f form) (any, error) {
	name, err := s.authorizeRole(call, f, nil)
	if err != nil {
		return nil, err
	}
	tags, err := f.tags()
	if err != nil {
		return nil, err
	}
	_, err = s.mutateRole(call.Account, name, func(r *role) error {
		merged, err := mergeTags(r.Tags, tags)
		r.Tags = merged
		return err
	})
	return nil, err
}

func (s *Service) untagRole(call *service.Call, f form) (any, error) {
	name, err := s.authorizeRole(call, f, nil)
	if err != nil {
		return nil, err
	}
	keys := f.list("TagKeys")
	_, err = s.mutateRole(call.Account, name, func(r *role) error {
		r.Tags = removeTags(r.Tags, keys)
		return nil
	})
	return nil, err
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
	name, err := s.authorizeRole(call, f, nil)
	if err != nil {
		return nil, err
	}
	r := s.lookupRole(call.Account, name)
	if r == nil {
		return nil, noSuchRole(name)
	}
	tags := append([]Tag(nil), r.Tags...)
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	return tagPage(f, tags)
}

func (s *Service) putRolePermissionsBoundary(call *service.Call, f form) (any, error) {
	arn, err := f.required("PermissionsBoundary", "permissionsBoundary")
	if err != nil {
		return nil, err
	}
	name, err := s.authorizeRole(call, f, map[string][]string{"iam:PermissionsBoundary": {arn}})
	if err != nil {
		return nil, err
	}
	if s.policyByARN(arn) == nil {
		return nil, noSuchEntity("Scope ARN: %s does not exist or is not attachable.", arn)
	}
	_, err = s.mutateRole(call.Account, name, func(r *role) error {
		r.Boundary = arn
		return nil
	})
	return nil, err
}

func (s *Service) deleteRolePermissionsBoundary(call *service.Call, f form) (any, error) {
	name, err := s.authorizeRole(call, f, nil)
	if err != nil {
		return nil, err
	}
	_, err = s.mutateRole(call.Account, name, func(r *role) error {
		r.Boundary = ""
		return nil
	})
	return nil, err
}
