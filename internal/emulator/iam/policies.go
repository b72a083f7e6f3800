package iam

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

const maxPolicyVersions = 5

// parsePolicyARN splits arn:PARTITION:iam::ACCOUNT:policy/PATH/NAME.
func parsePolicyARN(arn string) (account, name string, ok bool) {
	f := strings.SplitN(arn, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[2] != "iam" || f[3] != "" || !strings.HasPrefix(f[5], "policy/") {
		return "", "", false
	}
	res := f[5]
	name = res[strings.LastIndexByte(res, '/')+1:]
	return f[4], name, name != ""
}

// policyByARN finds a customer managed or built-in AWS managed policy.
func (s *Service) policyByARN(arn string) *managedPolicy {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.policyByARNLocked(arn)
}

func (s *Service) policyByARNLocked(arn string) *managedPolicy {
	if p := s.awsPolicies[strings.ToLower(arn)]; p != nil {
		return p
	}
	account, name, ok := parsePolicyARN(arn)
	if !ok {
		return nil
	}
	p := s.policies[entityKey(account, name)]
	if p == nil || !strings.EqualFold(p.ARN, arn) {
		return nil
	}
	return p
}

func noSuchPolicy(arn string) error {
	return noSuchEntity("Policy %s was not found.", arn)
}

// policyUsage counts the roles and users a policy is attached to and those
// using it as their permissions boundary.
func (s *Service) policyUsage(arn string) (attached, boundaries int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	count := func(ps *policySet, boundary string) {
		for _, a := range ps.Attached {
			if a == arn {
				attached++
			}
		}
		if boundary == arn {
			boundaries++
		}
	}
	for _, r := range s.roles {
		count(&r.policySet, r.Boundary)
	}
	for _, u := range s.users {
		count(&u.policySet, u.Boundary)
	}
	return attached, boundaries
}

func (s *Service) policyOut(p *managedPolicy, withTags bool) policyXML {
	attached, boundaries := s.policyUsage(p.ARN)
	x := policyXML{
		PolicyName: p.Name, PolicyId: p.ID, Arn: p.ARN, Path: p.Path, DefaultVersionId: p.DefaultVersion,
		AttachmentCount: attached, PermissionsBoundaryUsageCount: boundaries, IsAttachable: true,
		Description: p.Description, CreateDate: isoTime(p.Created), UpdateDate: isoTime(p.Updated),
	}
	if withTags && len(p.Tags) > 0 {
		t := list(tagsXML(p.Tags))
		x.Tags = &t
	}
	return x
}

// mutatePolicy applies change to a copy of a customer managed policy,
// persists it and publishes it.
func (s *Service) mutatePolicy(arn string, change func(p *managedPolicy) error) (*managedPolicy, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	cur := s.policyByARN(arn)
	if cur == nil {
		return nil, noSuchPolicy(arn)
	}
	if cur.AWSManaged {
		return nil, service.Errorf(400, "UnmodifiableEntity", "Policy %s is an AWS managed policy and cannot be modified.", arn)
	}
	p := cur.clone()
	if err := change(p); err != nil {
		return nil, err
	}
	key := entityKey(p.Account, p.Name)
	if err := s.persist("update policy "+p.Name, store.Put(bucketPolicies, key, mustJSON(p))); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.policies[key] = p
	s.changedLocked()
	s.mu.Unlock()
	return p, nil
}

// authorizePolicy reads PolicyArn and authorizes the operation on it.
func authorizePolicy(call *service.Call, f form) (string, error) {
	arn, err := f.policyARN("PolicyArn", "policyArn")
	if err != nil {
		return "", err
	}
	if err := call.Authorize(arn); err != nil {
		return "", err
	}
	return arn, nil
}

type policyResult struct {
	Policy policyXML `xml:"Policy"`
}

func (s *Service) createPolicy(call *service.Call, f form) (any, error) {
	name, err := f.name("PolicyName", "policyName", 128)
	if err != nil {
		return nil, err
	}
	path, err := f.path("Path", "path")
	if err != nil {
		return nil, err
	}
	arn := call.GlobalARN("iam", "policy"+path+name)
	if err := call.Authorize(arn); err != nil {
		return nil, err
	}
	doc := f.get("PolicyDocument")
	parsed, err := parseDocument(doc, identityDoc, "policyDocument")
	if err != nil {
		return nil, err
	}
	if nonSpaceLen(doc) > maxManagedChars {
		return nil, limitExceeded("Cannot exceed quota for PolicySize: %d", maxManagedChars)
	}
	desc, err := f.description(1000)
	if err != nil {
		return nil, err
	}
	tags, err := f.tags()
	if err != nil {
		return nil, err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	key := entityKey(call.Account, name)
	s.mu.RLock()
	_, exists := s.policies[key]
	s.mu.RUnlock()
	if exists {
		return nil, alreadyExists("A policy called %s already exists. Duplicate names are not allowed.", name)
	}
	now := call.Now.UTC()
	p := &managedPolicy{
		Account: call.Account, Name: name, Path: path, ARN: arn, ID: "ANPA" + service.RandomID(17),
		Description: desc, Created: now, Updated: now, DefaultVersion: "v1", NextVersion: 2, Tags: tags,
		Versions: []policyVersion{{ID: "v1", Document: doc, Created: now, parsed: parsed}},
	}
	if err := s.persist("create policy "+name, store.Put(bucketPolicies, key, mustJSON(p))); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.policies[key] = p
	s.changedLocked()
	s.mu.Unlock()
	return policyResult{s.policyOut(p, true)}, nil
}

func (s *Service) getPolicy(call *service.Call, f form) (any, error) {
	arn, err := authorizePolicy(call, f)
	if err != nil {
		return nil, err
	}
	p := s.policyByARN(arn)
	if p == nil {
		return nil, noSuchPolicy(arn)
	}
	return policyResult{s.policyOut(p, true)}, nil
}

func (s *Service) deletePolicy(call *service.Call, f form) (any, error) {
	arn, err := authorizePolicy(call, f)
	if err != nil {
		return nil, err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	p := s.policyByARN(arn)
	if p == nil {
		return nil, noSuchPolicy(arn)
	}
	if p.AWSManaged {
		return nil, service.Errorf(400, "UnmodifiableEntity", "Policy %s is an AWS managed policy and cannot be deleted.", arn)
	}
	if attached, boundaries := s.policyUsage(p.ARN); attached+boundaries > 0 {
		return nil, deleteConflict("Cannot delete a policy attached to entities.")
	}
	if len(p.Versions) > 1 {
		return nil, deleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
	}
	key := entityKey(p.Account, p.Name)
	if err := s.persist("delete policy "+p.Name, store.Del(bucketPolicies, key)); err != nil {
		return nil, err
	}
	s.mu.Lock()
	delete(s.policies, key)
	s.changedLocked()
	s.mu.Unlock()
	return nil, nil
}

type listPoliciesResult struct {
	Policies members[policyXML] `xml:"Policies"`
	listResult
}

func (s *Service) listPolicies(call *service.Call, f form) (any, error) {
	if err := call.Authorize("*"); err != nil {
		return nil, err
	}
	scope := f.get("Scope")
	switch scope {
	case "", "All", "AWS", "Local":
	default:
		return nil, validationError("Value '%s' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]", scope)
	}
	onlyAttached, err := f.boolParam("OnlyAttached")
	if err != nil {
		return nil, err
	}
	usage := f.get("PolicyUsageFilter")
	switch usage {
	case "", "PermissionsPolicy", "PermissionsBoundary":
	default:
		return nil, validationError("Value '%s' at 'policyUsageFilter' failed to satisfy constraint: Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]", usage)
	}
	prefix, err := f.pathPrefix()
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	var ps []*managedPolicy
	if scope != "Local" {
		for _, p := range s.awsPolicies {
			ps = append(ps, p)
		}
	}
	if scope != "AWS" {
		for _, p := range s.policies {
			if p.Account == call.Account {
				ps = append(ps, p)
			}
		}
	}
	s.mu.RUnlock()
	var out []policyXML
	for _, p := range ps {
		if !strings.HasPrefix(p.Path, prefix) {
			continue
		}
		x := s.policyOut(p, false)
		// "[Description] is not included in the response to the
		// ListPolicies operation" (IAM API reference, Policy).
		x.Description = ""
		if onlyAttached && x.AttachmentCount+x.PermissionsBoundaryUsageCount == 0 {
			continue
		}
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Arn < out[j].Arn })
	pg, truncated, next, err := page(f, out, func(x policyXML) string { return x.Arn })
	if err != nil {
		return nil, err
	}
	return listPoliciesResult{Policies: list(pg), listResult: listResult{truncated, next}}, nil
}

type policyVersionResult struct {
	PolicyVersion policyVersionXML `xml:"PolicyVersion"`
}

func versionOut(p *managedPolicy, v policyVersion, withDoc bool) policyVersionXML {
	x := policyVersionXML{VersionId: v.ID, IsDefaultVersion: v.ID == p.DefaultVersion, CreateDate: isoTime(v.Created)}
	if withDoc {
		x.Document = encodeDoc(v.Document)
	}
	return x
}

func checkVersionID(id string) error {
	if len(id) < 2 || id[0] != 'v' {
		return validationError("Value '%s' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?", id)
	}
	if _, err := strconv.Atoi(strings.SplitN(id[1:], ".", 2)[0]); err != nil {
		return validationError("Value '%s' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?", id)
	}
	return nil
}

func (s *Service) getPolicyVersion(call *service.Call, f form) (any, error) {
	arn, err := authorizePolicy(call, f)
	if err != nil {
		return nil, err
	}
	id, err := f.required("VersionId", "versionId")
	if err != nil {
		return nil, err
	}
	if err := checkVersionID(id); err != nil {
		return nil, err
	}
	p := s.policyByARN(arn)
	if p == nil {
		return nil, noSuchPolicy(arn)
	}
	v, ok := p.version(id)
	if !ok {
		return nil, noSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, id)
	}
	return policyVersionResult{versionOut(p, v, true)}, nil
}

func (s *Service) createPolicyVersion(call *service.Call, f form) (any, error) {
	arn, err := authorizePolicy(call, f)
	if err != nil {
		return nil, err
	}
	doc := f.get("PolicyDocument")
	parsed, err := parseDocument(doc, identityDoc, "policyDocument")
	if err != nil {
		return nil, err
	}
	if nonSpaceLen(doc) > maxManagedChars {
		return nil, limitExceeded("Cannot exceed quota for PolicySize: %d", maxManagedChars)
	}
	setDefault, err := f.boolParam("SetAsDefault")
	if err != nil {
		return nil, err
	}
	var created policyVersion
	p, err := s.mutatePolicy(arn, func(p *managedPolicy) error {
		if len(p.Versions) >= maxPolicyVersions {
			return limitExceeded("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
		}
		created = policyVersion{ID: fmt.Sprintf("v%d", p.NextVersion), Document: doc, Created: call.Now.UTC(), parsed: parsed}
		p.NextVersion++
		p.Versions = append(p.Versions, created)
		p.Updated = created.Created
		if setDefault {
			p.DefaultVersion = created.ID
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return policyVersionResult{versionOut(p, created, false)}, nil
}

func (s *Service) deletePolicyVersion(call *service.Call, f form) (any, error) {
	arn, err := authorizePolicy(call, f)
	if err != nil {
		return nil, err
	}
	id, err := f.required("VersionId", "versionId")
	if err != nil {
		return nil, err
	}
	_, err = s.mutatePolicy(arn, func(p *managedPolicy) error {
		if id == p.DefaultVersion {
			return deleteConflict("Cannot delete the default version of a policy.")
		}
		for i, v := range p.Versions {
			if v.ID == id {
				p.Versions = append(p.Versions[:i:i], p.Versions[i+1:]...)
				return nil
			}
		}
		return noSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, id)
	})
	return nil, err
}

type listVersionsResult struct {
	Versions members[policyVersionXML] `xml:"Versions"`
	listResult
}

func (s *Service) listPolicyVersions(call *service.Call, f form) (any, error) {
	arn, err := authorizePolicy(call, f)
	if err != nil {
		return nil, err
	}
	p := s.policyByARN(arn)
	if p == nil {
		return nil, noSuchPolicy(arn)
	}
	out := make([]policyVersionXML, 0, len(p.Versions))
	for i := len(p.Versions) - 1; i >= 0; i-- { // newest first, as IAM lists them
		out = append(out, versionOut(p, p.Versions[i], false))
	}
	pg, truncated, next, err := page(f, out, func(x policyVersionXML) string { return x.VersionId })
	if err != nil {
		return nil, err
	}
	return listVersionsResult{Versions: list(pg), listResult: listResult{truncated, next}}, nil
}

func (s *Service) setDefaultPolicyVersion(call *service.Call, f form) (any, error) {
	arn, err := authorizePolicy(call, f)
	if err != nil {
		return nil, err
	}
	id, err := f.required("VersionId", "versionId")
	if err != nil {
		return nil, err
	}
	_, err = s.mutatePolicy(arn, func(p *managedPolicy) error {
		if _, ok := p.version(id); !ok {
			return noSuchEntity("Policy %s version %s does not exist or is not attachable.", arn, id)
		}
		p.DefaultVersion = id
		p.Updated = call.Now.UTC()
		return nil
	})
	return nil, err
}

type policyRoleXML struct {
	RoleName string `xml:"RoleName"`
	RoleId   string `xml:"RoleId"`
}

type policyUserXML struct {
	UserName string `xml:"UserName"`
	UserId   string `xml:"UserId"`
}

type entitiesResult struct {
	PolicyGroups members[struct{}]      `xml:"PolicyGroups"`
	PolicyUsers  members[policyUserXML] `xml:"PolicyUsers"`
	PolicyRoles  members[policyRoleXML] `xml:"PolicyRoles"`
	listResult
}

func (s *Service) listEntitiesForPolicy(call *service.Call, f form) (any, error) {
	arn, err := authorizePolicy(call, f)
	if err != nil {
		return nil, err
	}
	p := s.policyByARN(arn)
	if p == nil {
		return nil, noSuchPolicy(arn)
	}
	filter := f.get("EntityFilter")
	usage := f.get("PolicyUsageFilter")
	uses := func(ps *policySet, boundary string) bool {
		if usage != "PermissionsPolicy" && boundary == p.ARN {
			return true
		}
		if usage == "PermissionsBoundary" {
			return false
		}
		for _, a := range ps.Attached {
			if a == p.ARN {
				return true
			}
		}
		return false
	}
	var out entitiesResult
	s.mu.RLock()
	if filter == "" || filter == "Role" {
		for _, r := range s.roles {
			if r.Account == call.Account && uses(&r.policySet, r.Boundary) {
				out.PolicyRoles.Items = append(out.PolicyRoles.Items, policyRoleXML{r.Name, r.ID})
			}
		}
	}
	if filter == "" || filter == "User" {
		for _, u := range s.users {
			if u.Account == call.Account && uses(&u.policySet, u.Boundary) {
				out.PolicyUsers.Items = append(out.PolicyUsers.Items, policyUserXML{u.Name, u.ID})
			}
		}
	}
	s.mu.RUnlock()
	sort.Slice(out.PolicyRoles.Items, func(i, j int) bool { return out.PolicyRoles.Items[i].RoleName < out.PolicyRoles.Items[j].RoleName })
	sort.Slice(out.PolicyUsers.Items, func(i, j int) bool { return out.PolicyUsers.Items[i].UserName < out.PolicyUsers.Items[j].UserName })
	return out, nil
}
