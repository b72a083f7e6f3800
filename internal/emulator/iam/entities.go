package iam

import (
	"sort"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// entityKind describes roles or users for the operations they share (tags,
// permissions boundary, inline and attached policies), so both behave
// identically apart from names, quotas and messages.
type entityKind struct {
	kind          string // "role" / "user", as IAM's messages name it
	nameParam     string // RoleName / UserName
	nameMember    string // roleName / userName
	maxInline     int    // quota on the inline documents' total size
	inlineQuota   string // how IAM names that quota in its message
	maxAttached   int
	attachedQuota string

	// lookup and update reach the shared part of one role or user; set by
	// newEntityTable from the kind's table.
	lookup func(s *Service, account, name string) (*entity, bool)
	update func(s *Service, account, name string, change func(*entity) error) error
}

func (k entityKind) notFound(name string) error {
	return noSuchEntity("The %s with name %s cannot be found.", k.kind, name)
}

func (k entityKind) inlineNotFound(name string) error {
	return noSuchEntity("The %s policy with name %s cannot be found.", k.kind, name)
}

// resource is the ARN an operation on the entity is authorized on: its own
// ARN (with its path) when it exists, else role/NAME or user/NAME.
func (k entityKind) resource(s *Service, call *service.Call, name string) string {
	if e, ok := k.lookup(s, call.Account, name); ok {
		return e.ARN
	}
	return call.GlobalARN("iam", k.kind+"/"+name)
}

// authorize reads the required RoleName or UserName and authorizes the
// operation being served on that entity.
func (k entityKind) authorize(s *Service, call *service.Call, f form, cond map[string][]string) (string, error) {
	name, err := f.name(k.nameParam, k.nameMember, 64)
	if err != nil {
		return "", err
	}
	if err := call.AuthorizeAction("iam:"+call.Operation, k.resource(s, call, name), cond); err != nil {
		return "", err
	}
	return name, nil
}

// authorizeCreate reads what creating a role or user starts with (its name,
// path and permissions boundary) and authorizes the create on the ARN it
// will have, with iam:PermissionsBoundary when a boundary is set. It returns
// the new entity without an id or tags.
func (k entityKind) authorizeCreate(call *service.Call, f form) (entity, error) {
	name, err := f.name(k.nameParam, k.nameMember, 64)
	if err != nil {
		return entity{}, err
	}
	path, err := f.path("Path", "path")
	if err != nil {
		return entity{}, err
	}
	boundary := f.get("PermissionsBoundary")
	arn := call.GlobalARN("iam", k.kind+path+name)
	var cond map[string][]string
	if boundary != "" {
		cond = map[string][]string{"iam:PermissionsBoundary": {boundary}}
	}
	if err := call.AuthorizeAction("iam:"+call.Operation, arn, cond); err != nil {
		return entity{}, err
	}
	return entity{Account: call.Account, Name: name, Path: path, ARN: arn, Created: call.Now.UTC(), Boundary: boundary}, nil
}

// boundaryPolicy refuses a permissions boundary that names no managed policy.
func (s *Service) boundaryPolicy(arn string) error {
	if s.policyByARN(arn) == nil {
		return noSuchEntity("Scope ARN: %s does not exist or is not attachable.", arn)
	}
	return nil
}

func (k entityKind) policies(s *Service, account, name string) (*policySet, bool) {
	e, ok := k.lookup(s, account, name)
	if !ok {
		return nil, false
	}
	return &e.policySet, true
}

func (k entityKind) mutatePolicies(s *Service, account, name string, change func(*policySet) error) error {
	return k.update(s, account, name, func(e *entity) error { return change(&e.policySet) })
}

// entityRecord is a stored role or user: its shared part, and a copy of
// itself to change (entities are copy-on-write, see model.go).
type entityRecord[E any] interface {
	base() *entity
	clone() E
}

// entityTable is where one kind of entity lives: the Service's map of it
// (guarded by s.mu), persisted in bucket under entityKey(account, name).
type entityTable[E entityRecord[E]] struct {
	entityKind
	bucket     string
	listAction string // iam:ListRoles / iam:ListUsers
	all        func(s *Service) map[string]E
}

var roleTable = newEntityTable(entityKind{
	kind: "role", nameParam: "RoleName", nameMember: "roleName",
	maxInline: maxInlineChars, inlineQuota: "RolePolicySize",
	maxAttached: 10, attachedQuota: "PoliciesPerRole",
}, bucketRoles, "iam:ListRoles", func(s *Service) map[string]*role { return s.roles })

var userTable = newEntityTable(entityKind{
	kind: "user", nameParam: "UserName", nameMember: "userName",
	maxInline: maxUserInline, inlineQuota: "UserPolicySize",
	maxAttached: 10, attachedQuota: "PoliciesPerUser",
}, bucketUsers, "iam:ListUsers", func(s *Service) map[string]*user { return s.users })

func newEntityTable[E entityRecord[E]](k entityKind, bucket, listAction string, all func(*Service) map[string]E) *entityTable[E] {
	t := &entityTable[E]{bucket: bucket, listAction: listAction, all: all}
	k.lookup = func(s *Service, account, name string) (*entity, bool) {
		e, ok := t.get(s, account, name)
		if !ok {
			return nil, false
		}
		return e.base(), true
	}
	k.update = func(s *Service, account, name string, change func(*entity) error) error {
		_, err := t.mutate(s, account, name, func(e E) ([]store.Op, error) { return nil, change(e.base()) }, nil)
		return err
	}
	t.entityKind = k
	return t
}

func (t *entityTable[E]) get(s *Service, account, name string) (E, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := t.all(s)[entityKey(account, name)]
	return e, ok
}

// mutate applies change to a copy of the entity and persists the copy
// together with any extra ops change returns, in one durable write; publish
// then runs under the state lock with the new entity in place, so indexes
// (a user's access keys) change atomically with it.
func (t *entityTable[E]) mutate(s *Service, account, name string, change func(E) ([]store.Op, error), publish func(E)) (E, error) {
	var none E
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	cur, ok := t.get(s, account, name)
	if !ok {
		return none, t.notFound(name)
	}
	e := cur.clone()
	extra, err := change(e)
	if err != nil {
		return none, err
	}
	key := entityKey(account, name)
	ops := append([]store.Op{store.Put(t.bucket, key, mustJSON(e))}, extra...)
	if err := s.persist("update "+t.kind+" "+name, ops...); err != nil {
		return none, err
	}
	s.mu.Lock()
	t.all(s)[key] = e
	if publish != nil {
		publish(e)
	}
	s.changedLocked()
	s.mu.Unlock()
	return e, nil
}

// insert stores a new entity; its name must be new in its account (IAM
// names are unique regardless of case).
func (t *entityTable[E]) insert(s *Service, e E) error {
	b := e.base()
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if _, ok := t.get(s, b.Account, b.Name); ok {
		return alreadyExists("%s with name %s already exists.", strings.ToUpper(t.kind[:1])+t.kind[1:], b.Name)
	}
	key := entityKey(b.Account, b.Name)
	if err := s.persist("create "+t.kind+" "+b.Name, store.Put(t.bucket, key, mustJSON(e))); err != nil {
		return err
	}
	s.mu.Lock()
	t.all(s)[key] = e
	s.changedLocked()
	s.mu.Unlock()
	return nil
}

// remove deletes an entity that holds nothing: IAM refuses while it has
// inline or attached policies, or whatever else holds says (a user's access
// keys, checked first).
func (t *entityTable[E]) remove(s *Service, account, name string, holds func(E) error) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	e, ok := t.get(s, account, name)
	if !ok {
		return t.notFound(name)
	}
	if holds != nil {
		if err := holds(e); err != nil {
			return err
		}
	}
	if len(e.base().Inline) > 0 {
		return deleteConflict("Cannot delete entity, must delete policies first.")
	}
	if len(e.base().Attached) > 0 {
		return deleteConflict("Cannot delete entity, must detach all policies first.")
	}
	key := entityKey(account, name)
	if err := s.persist("delete "+t.kind+" "+name, store.Del(t.bucket, key)); err != nil {
		return err
	}
	s.mu.Lock()
	delete(t.all(s), key)
	s.changedLocked()
	s.mu.Unlock()
	return nil
}

// list is a page of the caller's account's entities under PathPrefix, in
// name order. IAM authorizes a list operation on the path being listed.
func (t *entityTable[E]) list(s *Service, call *service.Call, f form) (pg []E, truncated bool, next string, err error) {
	prefix, err := f.pathPrefix()
	if err != nil {
		return nil, false, "", err
	}
	if err := call.AuthorizeAction(t.listAction, call.GlobalARN("iam", t.kind+prefix), nil); err != nil {
		return nil, false, "", err
	}
	s.mu.RLock()
	var es []E
	for _, e := range t.all(s) {
		if b := e.base(); b.Account == call.Account && strings.HasPrefix(b.Path, prefix) {
			es = append(es, e)
		}
	}
	s.mu.RUnlock()
	sortKey := func(e E) string { return strings.ToLower(e.base().Name) }
	sort.Slice(es, func(i, j int) bool { return sortKey(es[i]) < sortKey(es[j]) })
	return page(f, es, sortKey)
}

func (s *Service) tagEntity(call *service.Call, f form, k entityKind) (any, error) {
	name, err := k.authorize(s, call, f, nil)
	if err != nil {
		return nil, err
	}
	tags, err := f.tags()
	if err != nil {
		return nil, err
	}
	return nil, k.update(s, call.Account, name, func(e *entity) error {
		merged, err := mergeTags(e.Tags, tags)
		e.Tags = merged
		return err
	})
}

func (s *Service) untagEntity(call *service.Call, f form, k entityKind) (any, error) {
	name, err := k.authorize(s, call, f, nil)
	if err != nil {
		return nil, err
	}
	keys := f.list("TagKeys")
	return nil, k.update(s, call.Account, name, func(e *entity) error {
		e.Tags = removeTags(e.Tags, keys)
		return nil
	})
}

func (s *Service) listEntityTags(call *service.Call, f form, k entityKind) (any, error) {
	name, err := k.authorize(s, call, f, nil)
	if err != nil {
		return nil, err
	}
	e, ok := k.lookup(s, call.Account, name)
	if !ok {
		return nil, k.notFound(name)
	}
	tags := append([]Tag(nil), e.Tags...)
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	return tagPage(f, tags)
}

func (s *Service) putEntityPermissionsBoundary(call *service.Call, f form, k entityKind) (any, error) {
	arn, err := f.required("PermissionsBoundary", "permissionsBoundary")
	if err != nil {
		return nil, err
	}
	name, err := k.authorize(s, call, f, map[string][]string{"iam:PermissionsBoundary": {arn}})
	if err != nil {
		return nil, err
	}
	if err := s.boundaryPolicy(arn); err != nil {
		return nil, err
	}
	return nil, k.update(s, call.Account, name, func(e *entity) error {
		e.Boundary = arn
		return nil
	})
}

func (s *Service) deleteEntityPermissionsBoundary(call *service.Call, f form, k entityKind) (any, error) {
	name, err := k.authorize(s, call, f, nil)
	if err != nil {
		return nil, err
	}
	return nil, k.update(s, call.Account, name, func(e *entity) error {
		e.Boundary = ""
		return nil
	})
}
