// Package iam emulates AWS Identity and Access Management over awsQuery:
// roles, users and their access keys, inline and managed policies (with a
// small built-in set of AWS managed policies), and the policy simulator. It
// is global: ARNs carry no region and state is not kept per region. Policy
// documents are validated and evaluated with internal/iampolicy, the same
// evaluator the emulator enforces requests with.
package iam

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"sort"
	"sync"
	"time"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/protocol"
	"github.com/orders-dev/orders/internal/emulator/realism"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
	"github.com/orders-dev/orders/internal/iampolicy"
)

// Namespace is IAM's XML namespace.
const Namespace = "https://iam.amazonaws.com/doc/2010-05-08/"

// Store buckets.
const (
	bucketRoles       = "iam.roles"
	bucketUsers       = "iam.users"
	bucketPolicies    = "iam.policies"
	bucketDeletedKeys = "iam.deletedkeys"
)

// Options configure a Service.
type Options struct {
	// Now is the clock for timestamps; default time.Now.
	Now func() time.Time
	// Realism is the realism profile: AWS's documented delays (nil: none).
	Realism *realism.Profile
}

// Service is the IAM emulator. It is safe for concurrent use.
type Service struct {
	st  *store.Store
	now func() time.Time

	// writeMu serializes mutations: each reads the current entity, builds a
	// changed copy, persists it, then publishes it under mu. IAM changes
	// are rare; reads (the authorizer on every request) only take mu.RLock.
	writeMu sync.Mutex

	mu          sync.RWMutex
	roles       map[string]*role          // entityKey(account, name)
	users       map[string]*user          // entityKey(account, name)
	policies    map[string]*managedPolicy // customer managed, entityKey(account, name)
	awsPolicies map[string]*managedPolicy // AWS managed, by lower-case ARN
	keys        map[string]string         // access key id -> entityKey of its user
	deletedKeys map[string]string         // access key id -> ARN of the user it belonged to

	realism  *realism.Profile
	baseView view   // the state as loaded: visible from the start
	views    []view // under mu: see changedLocked
}

type handler func(s *Service, call *service.Call, f form) (any, error)

var handlers = map[string]handler{
	// roles
	"CreateRole":                    (*Service).createRole,
	"GetRole":                       (*Service).getRole,
	"DeleteRole":                    (*Service).deleteRole,
	"ListRoles":                     (*Service).listRoles,
	"UpdateRole":                    (*Service).updateRole,
	"UpdateRoleDescription":         (*Service).updateRoleDescription,
	"UpdateAssumeRolePolicy":        (*Service).updateAssumeRolePolicy,
	"TagRole":                       (*Service).tagRole,
	"UntagRole":                     (*Service).untagRole,
	"ListRoleTags":                  (*Service).listRoleTags,
	"PutRolePermissionsBoundary":    (*Service).putRolePermissionsBoundary,
	"DeleteRolePermissionsBoundary": (*Service).deleteRolePermissionsBoundary,
	"PutRolePolicy":                 (*Service).putRolePolicy,
	"GetRolePolicy":                 (*Service).getRolePolicy,
	"DeleteRolePolicy":              (*Service).deleteRolePolicy,
	"ListRolePolicies":              (*Service).listRolePolicies,
	"AttachRolePolicy":              (*Service).attachRolePolicy,
	"DetachRolePolicy":              (*Service).detachRolePolicy,
	"ListAttachedRolePolicies":      (*Service).listAttachedRolePolicies,
	// managed policies
	"CreatePolicy":            (*Service).createPolicy,
	"GetPolicy":               (*Service).getPolicy,
	"DeletePolicy":            (*Service).deletePolicy,
	"ListPolicies":            (*Service).listPolicies,
	"GetPolicyVersion":        (*Service).getPolicyVersion,
	"CreatePolicyVersion":     (*Service).createPolicyVersion,
	"DeletePolicyVersion":     (*Service).deletePolicyVersion,
	"ListPolicyVersions":      (*Service).listPolicyVersions,
	"SetDefaultPolicyVersion": (*Service).setDefaultPolicyVersion,
	"ListEntitiesForPolicy":   (*Service).listEntitiesForPolicy,
	// users
	"CreateUser":                    (*Service).createUser,
	"GetUser":                       (*Service).getUser,
	"DeleteUser":                    (*Service).deleteUser,
	"ListUsers":                     (*Service).listUsers,
	"TagUser":                       (*Service).tagUser,
	"UntagUser":                     (*Service).untagUser,
	"ListUserTags":                  (*Service).listUserTags,
	"PutUserPermissionsBoundary":    (*Service).putUserPermissionsBoundary,
	"DeleteUserPermissionsBoundary": (*Service).deleteUserPermissionsBoundary,
	"CreateAccessKey":               (*Service).createAccessKey,
	"DeleteAccessKey":               (*Service).deleteAccessKey,
	"ListAccessKeys":                (*Service).listAccessKeys,
	"PutUserPolicy":                 (*Service).putUserPolicy,
	"GetUserPolicy":                 (*Service).getUserPolicy,
	"DeleteUserPolicy":              (*Service).deleteUserPolicy,
	"ListUserPolicies":              (*Service).listUserPolicies,
	"AttachUserPolicy":              (*Service).attachUserPolicy,
	"DetachUserPolicy":              (*Service).detachUserPolicy,
	"ListAttachedUserPolicies":      (*Service).listAttachedUserPolicies,
	// policy simulator
	"SimulatePrincipalPolicy": (*Service).simulatePrincipalPolicy,
	"SimulateCustomPolicy":    (*Service).simulateCustomPolicy,
}

// New loads IAM's state from st.
func New(st *store.Store, opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Service{
		st: st, now: opts.Now, realism: opts.Realism,
		roles: map[string]*role{}, users: map[string]*user{},
		policies: map[string]*managedPolicy{}, keys: map[string]string{}, deletedKeys: map[string]string{},
	}
	aws, err := loadAWSManaged()
	if err != nil {
		return nil, err
	}
	s.awsPolicies = aws
	if err := s.load(); err != nil {
		return nil, fmt.Errorf("load iam state: %w", err)
	}
	if s.realism.Delaying() {
		s.baseView = view{roles: maps.Clone(s.roles), users: maps.Clone(s.users), policies: maps.Clone(s.policies)}
	}
	return s, nil
}

func (s *Service) load() error {
	if err := s.st.ForEach(bucketRoles, func(k, v []byte) error {
		var r role
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("role %s: %w", k, err)
		}
		r.parsed = parseStored(r.Inline)
		s.roles[string(k)] = &r
		return nil
	}); err != nil {
		return err
	}
	if err := s.st.ForEach(bucketUsers, func(k, v []byte) error {
		var u user
		if err := json.Unmarshal(v, &u); err != nil {
			return fmt.Errorf("user %s: %w", k, err)
		}
		u.parsed = parseStored(u.Inline)
		s.users[string(k)] = &u
		for _, ak := range u.Keys {
			s.keys[ak.ID] = string(k)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := s.st.ForEach(bucketPolicies, func(k, v []byte) error {
		var p managedPolicy
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("policy %s: %w", k, err)
		}
		for i := range p.Versions {
			p.Versions[i].parsed = parseStoredOne(p.Versions[i].Document)
		}
		s.policies[string(k)] = &p
		return nil
	}); err != nil {
		return err
	}
	return s.st.ForEach(bucketDeletedKeys, func(k, v []byte) error {
		s.deletedKeys[string(k)] = string(v)
		return nil
	})
}

// parseStored re-parses documents that were valid when stored. Should the
// parser have become stricter since, the document is kept (it is served
// back as is) but grants nothing: failing closed.
func parseStored(docs map[string]string) map[string]*iampolicy.Policy {
	out := make(map[string]*iampolicy.Policy, len(docs))
	for name, doc := range docs {
		if p := parseStoredOne(doc); p != nil {
			out[name] = p
		}
	}
	return out
}

func parseStoredOne(doc string) *iampolicy.Policy {
	p, err := iampolicy.Parse(doc)
	if err != nil {
		return nil
	}
	return p
}

// Register adds IAM to the dispatcher.
func (s *Service) Register(d *dispatch.Server) {
	d.Query("iam", protocol.QueryService{XMLNamespace: Namespace}, s, s.Operations())
}

// Operations lists the operations IAM implements.
func (s *Service) Operations() []string {
	ops := make([]string, 0, len(handlers))
	for op := range handlers {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	return ops
}

// HandleQuery serves one IAM operation.
func (s *Service) HandleQuery(call *service.Call, values url.Values) (any, error) {
	h, ok := handlers[call.Operation]
	if !ok {
		return nil, service.Errorf(400, "InvalidAction", "Could not find operation %s for version 2010-05-08", call.Operation)
	}
	return h(s, call, form(values))
}

// persist writes ops durably; the caller publishes its change only after.
func (s *Service) persist(what string, ops ...store.Op) error {
	if err := s.st.Write(ops...); err != nil {
		return service.Internal(fmt.Errorf("%s: %w", what, err))
	}
	return nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only plain structs of strings, times and slices are marshalled.
		panic(fmt.Sprintf("iam: marshal %T: %v", v, err))
	}
	return b
}
