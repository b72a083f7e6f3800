package iam

import (
	"crypto/rand"
	"encoding/base64"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

const maxAccessKeysPerUser = 2

// lookupUser is the account's user of that name, or nil.
func (s *Service) lookupUser(account, name string) *user {
	u, _ := userTable.get(s, account, name)
	return u
}

// authorizeUser reads UserName and authorizes the operation on the user.
func (s *Service) authorizeUser(call *service.Call, f form, cond map[string][]string) (string, error) {
	return userTable.authorize(s, call, f, cond)
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
	if err := call.Authorize(userTable.resource(s, call, name)); err != nil {
		return "", err
	}
	return name, nil
}

type userResult struct {
	User userXML `xml:"User"`
}

func (s *Service) createUser(call *service.Call, f form) (any, error) {
	e, err := userTable.authorizeCreate(call, f)
	if err != nil {
		return nil, err
	}
	tags, err := f.tags()
	if err != nil {
		return nil, err
	}
	if e.Boundary != "" {
		if err := s.boundaryPolicy(e.Boundary); err != nil {
			return nil, err
		}
	}
	e.ID, e.Tags = "AIDA"+service.RandomID(17), tags
	u := &user{entity: e}
	if err := userTable.insert(s, u); err != nil {
		return nil, err
	}
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
	u, ok := userTable.get(s, call.Account, name)
	if !ok {
		return nil, userTable.notFound(name)
	}
	return userResult{userOut(u, true)}, nil
}

func (s *Service) deleteUser(call *service.Call, f form) (any, error) {
	name, err := s.authorizeUser(call, f, nil)
	if err != nil {
		return nil, err
	}
	return nil, userTable.remove(s, call.Account, name, func(u *user) error {
		if len(u.Keys) > 0 {
			return deleteConflict("Cannot delete entity, must delete access keys first.")
		}
		return nil
	})
}

type listUsersResult struct {
	Users members[userXML] `xml:"Users"`
	listResult
}

func (s *Service) listUsers(call *service.Call, f form) (any, error) {
	pg, truncated, next, err := userTable.list(s, call, f)
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
	return s.tagEntity(call, f, userTable.entityKind)
}

func (s *Service) untagUser(call *service.Call, f form) (any, error) {
	return s.untagEntity(call, f, userTable.entityKind)
}

func (s *Service) listUserTags(call *service.Call, f form) (any, error) {
	return s.listEntityTags(call, f, userTable.entityKind)
}

func (s *Service) putUserPermissionsBoundary(call *service.Call, f form) (any, error) {
	return s.putEntityPermissionsBoundary(call, f, userTable.entityKind)
}

func (s *Service) deleteUserPermissionsBoundary(call *service.Call, f form) (any, error) {
	return s.deleteEntityPermissionsBoundary(call, f, userTable.entityKind)
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
	u, err := userTable.mutate(s, call.Account, name, func(u *user) ([]store.Op, error) {
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
	_, err = userTable.mutate(s, call.Account, name, func(u *user) ([]store.Op, error) {
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
	u, ok := userTable.get(s, call.Account, name)
	if !ok {
		return nil, userTable.notFound(name)
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
