package iam

import (
	"maps"
	"strings"
	"time"

	"github.com/orders-dev/orders/internal/iampolicy"
)

// Tag is an IAM tag.
type Tag struct {
	Key, Value string
}

// Entities are copy-on-write: a mutation clones the entity, persists the
// clone and then swaps it into the maps, so readers holding a pointer never
// see a half-made change and the authorizer's hot path reads without waiting
// for an fsync.

// entity is what roles and users share: who they are, their permissions
// boundary, tags, and inline and attached policies.
type entity struct {
	Account  string
	Name     string
	Path     string
	ID       string
	ARN      string
	Created  time.Time
	Boundary string `json:",omitempty"` // managed policy ARN
	Tags     []Tag  `json:",omitempty"`
	policySet
}

func (e *entity) cloneEntity() entity {
	c := *e
	c.Tags = append([]Tag(nil), e.Tags...)
	c.policySet = e.policySet.clone()
	return c
}

// role is an IAM role as stored (JSON) and served.
type role struct {
	entity
	Trust              string // the trust policy as submitted (not URL-encoded)
	Description        string `json:",omitempty"`
	MaxSessionDuration int32
}

// policySet is what roles and users share: inline policies and attached
// managed policies.
type policySet struct {
	Inline   map[string]string `json:",omitempty"` // policy name -> document as submitted
	Attached []string          `json:",omitempty"` // managed policy ARNs, in attach order

	parsed map[string]*iampolicy.Policy // inline documents, parsed once
}

func (p policySet) clone() policySet {
	return policySet{
		Inline:   maps.Clone(p.Inline),
		Attached: append([]string(nil), p.Attached...),
		parsed:   maps.Clone(p.parsed),
	}
}

func (r *role) clone() *role {
	c := *r
	c.entity = r.cloneEntity()
	return &c
}

func (r *role) base() *entity { return &r.entity }

// user is an IAM user with its access keys.
type user struct {
	entity
	Keys []accessKey `json:",omitempty"`
}

type accessKey struct {
	ID      string
	Secret  string
	Status  string // Active
	Created time.Time
}

func (u *user) clone() *user {
	c := *u
	c.entity = u.cloneEntity()
	c.Keys = append([]accessKey(nil), u.Keys...)
	return &c
}

func (u *user) base() *entity { return &u.entity }

// managedPolicy is a customer managed policy, or one of the built-in AWS
// managed policies (AWSManaged, never persisted).
type managedPolicy struct {
	Account        string
	Name           string
	Path           string
	ID             string
	ARN            string
	Description    string `json:",omitempty"`
	Created        time.Time
	Updated        time.Time
	DefaultVersion string
	Versions       []policyVersion
	NextVersion    int
	Tags           []Tag `json:",omitempty"`

	AWSManaged bool `json:"-"`
}

type policyVersion struct {
	ID       string
	Document string
	Created  time.Time

	parsed *iampolicy.Policy
}

func (p *managedPolicy) clone() *managedPolicy {
	c := *p
	c.Versions = append([]policyVersion(nil), p.Versions...)
	c.Tags = append([]Tag(nil), p.Tags...)
	return &c
}

func (p *managedPolicy) version(id string) (policyVersion, bool) {
	for _, v := range p.Versions {
		if v.ID == id {
			return v, true
		}
	}
	return policyVersion{}, false
}

func (p *managedPolicy) defaultVersion() policyVersion {
	v, _ := p.version(p.DefaultVersion)
	return v
}

// entityKey is how roles, users and customer policies are indexed: IAM names
// are unique per account regardless of case.
func entityKey(account, name string) string {
	return account + "/" + strings.ToLower(name)
}
