package iam

import (
	"crypto/rand"
	"encoding/base64"
	"sort"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

const maxAccessKeysPerUser = 2

func (s *Service) lookupUser(account, name string) *user {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.users[entityKey(account, name)]
}

func noSuchUser(name string) error {
	return noSuchEntity("The user with name %s cannot be found.", name)
}

func (s *Service) userResource(call *service.Call, name string) string {
	if u := s.lookupUser(call.Account, name); u != nil {
		return u.ARN
	}
	return call.GlobalARN("iam", "user/"+name)
}

// authorizeUser reads the required UserName and authorizes the operation on
// the user.
func (s *Service) authorizeUser(call *service.Call, f form, cond map[string][]string) (string, error) {
	name, err := f.name("UserName", "userName", 64)
	if err != nil {
		return "", err
	}
	if err := call.AuthorizeAction("iam:"+call.Operation, s.userResource(call, name), cond); err != nil {
		return "", err
	}
	return name, nil
}

// authorizeSelfOrUser handles operations whose UserName defaults to the
// calling IAM user (GetUser, the access key operations).
func (s *Service) authorizeSelfOrUser(call *service.Call, f form) (string, error) {
	if f.get("UserName") != "" {
		return s.authorizeUser(call, f, nil)
	}
	if call.Principal.UserName == "" {
		return "", validationError("Must specify userName when calling with non-User credentials")
	}
	name := call.Principal.UserName
	if err := call.Authorize(s.userResource(call, name)); err != nil {
		return "", err
	}
	return name, nil
}

func (s *Service) mutateUser(account, name string, change func(u *user) error) (*user, error) {
	return s.mutateUserWith(account, name, func(u *user) ([]store.Op, error) { return nil, change(u) }, nil)
}

// mutateUserWith applies change to a copy of the user and persists the copy
// together with any extra ops change returns, in one durable write; publish
// then runs under the state lock with the new user in place, so indexes
// (access keys) change atomically with it.
func (s *Service) mutateUserWith(account, name string, change func(u *user) ([]store.Op, error), publish func(u *user)) (*user, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	cur := s.lookupUser(account, name)
	if cur == nil {
		return nil, noSuchUser(name)
	}
	u := cur.clone()
	extra, err := change(u)
	if err != nil {
		return nil, err
	}
	key := entityKey(account, name)
	ops := append([]store.Op{store.Put(bucketUsers, key, mustJSON(u))}, extra...)
	if err := s.persist("update user "+name, ops...); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.users[key] = u
	if publish != nil {
		publish(u)
	}
	s.changedLocked()
	s.mu.Unlock()
	return u, nil
}

type userResult struct {
	User userXML `xml:"User"`
}

func (s *Service) createUser(call *service.Call, f form) (any, error) {
	name, err := f.name("UserName", "userName", 64)
	if err != nil {
		return nil, err
	}
	path, err := f.path("Path", "path")
	if err != nil {
		return nil, err
	}
	boundaryARN := f.get("PermissionsBoundary")
	var cond map[string][]string
	if boundaryARN != "" {
		cond = map[string][]string{"iam:PermissionsBoundary": {boundaryARN}}
	}
	arn := call.GlobalARN("iam", "user"+path+name)
	if err := call.AuthorizeAction("iam:CreateUser", arn, cond); err != nil {
		return nil, err
	}
	tags, err := f.tags()
	if err != nil {
		return nil, err
	}
	if boundaryARN != "" && s.policyByARN(boundaryARN) == nil {
		return nil, noSuchEntity("Scope ARN: %s does not exist or is not attachable.", boundaryARN)
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.lookupUser(call.Account, name) != nil {
		return nil, alreadyExists("User with name %s already exists.", name)
	}
	u := &user{
		Account: call.Account, Name: name, Path: path, ARN: arn, ID: "AIDA" + service.RandomID(17),
		Created: call.Now.UTC(), Boundary: boundaryARN, Tags: tags,
	}
	key := entityKey(call.Account, name)
	if err := s.persist("create user "+name, store.Put(bucketUsers, key, mustJSON(u))); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.users[key] = u
	s.changedLocked()
	s.mu.Unlock()
	return userResult{userOut(u, true)}, nil
}

// rootUserXML is GetUser's answer for the account's root credentials,
// which have no user name or path.
type rootUserXML struct {
	UserId     string `xml:"UserId"`
	Arn        string `xml:"Arn"`
	CreateDate string `xml:"CreateDate"`
}

func (s *Service) getUser(call *service.Call, f form) (any, error) {
	if f.get("UserName") == "" && call.Principal.UserName == "" && call.Principal.RoleName == "" {
		// The account's administrator (root) asking about itself.
		if err := call.Authorize(call.Principal.ARN); err != nil {
			return nil, err
		}
		return struct {
			User rootUserXML `xml:"User"`
		}{rootUserXML{UserId: call.Account, Arn: call.GlobalARN("iam", "root"), CreateDate: isoTime(call.Now)}}, nil
	}
	name, err := s.authorizeSelfOrUser(call, f)
	if err != nil {
		return nil, err
	}
	u := s.lookupUser(call.Account, name)
	if u == nil {
		return nil, noSuchUser(name)
	}
	return userResult{userOut(u, true)}, nil
}

func (s *Service) deleteUser(call *service.Call, f form) (any, error) {
	name, err := s.authorizeUser(call, f, nil)
	if err != nil {
		return nil, err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	u := s.lookupUser(call.Account, name)
	if u == nil {
		return nil, noSuchUser(name)
	}
	switch {
	case len(u.Keys) > 0:
		return nil, deleteConflict("Cannot delete entity, must delete access keys first.")
	case len(u.Inline) > 0:
		return nil, deleteConflict("Cannot delete entity, must delete policies first.")
	case len(u.Attached) > 0:
		return nil, deleteConflict("Cannot delete entity, must detach all policies first.")
	}
	key := entityKey(call.Account, name)
	if err := s.persist("delete user "+name, store.Del(bucketUsers, key)); err != nil {
		return nil, err
	}
	s.mu.Lock()
	delete(s.users, key)
	s.changedLocked()
	s.mu.Unlock()
	return nil, nil
}

type listUsersResult struct {
	Users members[userXML] `xml:"Users"`
	listResult
}

func (s *Service) listUsers(call *service.Call, f form) (any, error) {
	prefix, err := f.pathPrefix()
	if err != nil {
		return nil, err
	}
	if err := call.AuthorizeAction("iam:ListUsers", call.GlobalARN("iam", "user"+prefix), nil); err != nil {
		return nil, err
	}
	s.mu.RLock()
	var us []*user
	for _, u := range s.users {
		if u.Account == call.Account && strings.HasPrefix(u.Path, prefix) {
			us = append(us, u)
		}
	}
	s.mu.RUnlock()
	sort.Slice(us, func(i, j int) bool { return strings.ToLower(us[i].Name) < strings.ToLower(us[j].Name) })
	pg, truncated, next, err := page(f, us, func(u *user) string { return strings.ToLower(u.Name) })
	if err != nil {
		return nil, err
	}
	out := make([]userXML, len(pg))
	for i, u := range pg {
		out[i] = userOut(u, false)
	}
	return listUsersResult{Users: list(out), listResult: listResult{truncated, next}}, nil
}

func (s *Service) tagUser(call *service.Call, f form) (any, error) {
	name, err := s.authorizeUser(call, f, nil)
	if err != nil {
		return nil, err
	}
	tags, err := f.tags()
	if err != nil {
		return nil, err
	}
	_, err = s.mutateUser(call.Account, name, func(u *user) error {
		merged, err := mergeTags(u.Tags, tags)
		u.Tags = merged
		return err
	})
	return nil, err
}

func (s *Service) untagUser(call *service.Call, f form) (any, error) {
	name, err := s.authorizeUser(call, f, nil)
	if err != nil {
		return nil, err
	}
	keys := f.list("TagKeys")
	_, err = s.mutateUser(call.Account, name, func(u *user) error {
		u.Tags = removeTags(u.Tags, keys)
		return nil
	})
	return nil, err
}

func (s *Service) listUserTags(call *service.Call, f form) (any, error) {
	name, err := s.authorizeUser(call, f, nil)
	if err != nil {
		return nil, err
	}
	u := s.lookupUser(call.Account, name)
	if u == nil {
		return nil, noSuchUser(name)
	}
	tags := append([]Tag(nil), u.Tags...)
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	return tagPage(f, tags)
}

func (s *Service) putUserPermissionsBoundary(call *service.Call, f form) (any, error) {
	arn, err := f.required("PermissionsBoundary", "permissionsBoundary")
	if err != nil {
		return nil, err
	}
	name, err := s.authorizeUser(call, f, map[string][]string{"iam:PermissionsBoundary": {arn}})
	if err != nil {
		return nil, err
	}
	if s.policyByARN(arn) == nil {
		return nil, noSuchEntity("Scope ARN: %s does not exist or is not attachable.", arn)
	}
	_, err = s.mutateUser(call.Account, name, func(u *user) error {
		u.Boundary = arn
		return nil
	})
	return nil, err
}

func (s *Service) deleteUserPermissionsBoundary(call *service.Call, f form) (any, error) {
	name, err := s.authorizeUser(call, f, nil)
	if err != nil {
		return nil, err
	}
	_, err = s.mutateUser(call.Account, name, func(u *user) error {
		u.Boundary = ""
		return nil
	})
	return nil, err
}

// newSecret returns 40 characters shaped like an AWS secret access key.
func newSecret() string {
	b := make([]byte, 30)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

type accessKeyResult struct {
	AccessKey accessKeyXML `xml:"AccessKey"`
}

func (s *Service) createAccessKey(call *service.Call, f form) (any, error) {
	name, err := s.authorizeSelfOrUser(call, f)
	if err != nil {
		return nil, err
	}
	key := accessKey{ID: "AKIA" + service.RandomID(16), Secret: newSecret(), Status: "Active", Created: call.Now.UTC()}
	u, err := s.mutateUserWith(call.Account, name, func(u *user) ([]store.Op, error) {
		if len(u.Keys) >= maxAccessKeysPerUser {
			return nil, limitExceeded("Cannot exceed quota for AccessKeysPerUser: %d", maxAccessKeysPerUser)
		}
		u.Keys = append(u.Keys, key)
		return nil, nil
	}, func(u *user) {
		s.keys[key.ID] = entityKey(u.Account, u.Name)
	})
	if err != nil {
		return nil, err
	}
	return accessKeyResult{accessKeyXML{UserName: u.Name, AccessKeyId: key.ID, Status: key.Status, SecretAccessKey: key.Secret, CreateDate: isoTime(key.Created)}}, nil
}

func (s *Service) deleteAccessKey(call *service.Call, f form) (any, error) {
	id, err := f.required("AccessKeyId", "accessKeyId")
	if err != nil {
		return nil, err
	}
	name, err := s.authorizeSelfOrUser(call, f)
	if err != nil {
		return nil, err
	}
	_, err = s.mutateUserWith(call.Account, name, func(u *user) ([]store.Op, error) {
		for i, k := range u.Keys {
			if k.ID == id {
				u.Keys = append(u.Keys[:i:i], u.Keys[i+1:]...)
				// A deleted key must never fall back to acting as the
				// administrator (what unknown keys do): remember it, in
				// the same write, so ResolveAccessKey still claims it and
				// its requests fail.
				return []store.Op{store.Put(bucketDeletedKeys, id, []byte(u.ARN))}, nil
			}
		}
		return nil, noSuchEntity("The Access Key with id %s cannot be found.", id)
	}, func(u *user) {
		delete(s.keys, id)
		s.deletedKeys[id] = u.ARN
	})
	return nil, err
}

type accessKeysResult struct {
	AccessKeyMetadata members[accessKeyXML] `xml:"AccessKeyMetadata"`
	listResult
}

func (s *Service) listAccessKeys(call *service.Call, f form) (any, error) {
	name, err := s.authorizeSelfOrUser(call, f)
	if err != nil {
		return nil, err
	}
	u := s.lookupUser(call.Account, name)
	if u == nil {
		return nil, noSuchUser(name)
	}
	out := make([]accessKeyXML, len(u.Keys))
	for i, k := range u.Keys {
		out[i] = accessKeyXML{UserName: u.Name, AccessKeyId: k.ID, Status: k.Status, CreateDate: isoTime(k.Created)}
	}
	pg, truncated, next, err := page(f, out, func(x accessKeyXML) string { return x.AccessKeyId })
	if err != nil {
		return nil, err
	}
	return accessKeysResult{AccessKeyMetadata: list(pg), listResult: listResult{truncated, next}}, nil
}
