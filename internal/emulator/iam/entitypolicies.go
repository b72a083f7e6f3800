package iam

import (
	"sort"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/iampolicy"
)

// The inline and attached policy operations of roles and users, one
// implementation for both through their entityKind.

func (s *Service) putEntityPolicy(call *service.Call, f form, k entityKind) (any, error) {
	name, err := k.authorize(s, call, f, nil)
	if err != nil {
		return nil, err
	}
	policyName, err := f.name("PolicyName", "policyName", 128)
	if err != nil {
		return nil, err
	}
	doc := f.get("PolicyDocument")
	parsed, err := parseDocument(doc, identityDoc, "policyDocument")
	if err != nil {
		return nil, err
	}
	return nil, k.mutatePolicies(s, call.Account, name, func(ps *policySet) error {
		total := nonSpaceLen(doc)
		for n, d := range ps.Inline {
			if n != policyName {
				total += nonSpaceLen(d)
			}
		}
		if total > k.maxInline {
			return limitExceeded("Maximum policy size of %d bytes exceeded for %s %s", k.maxInline, k.kind, name)
		}
		if ps.Inline == nil {
			ps.Inline = map[string]string{}
		}
		if ps.parsed == nil {
			ps.parsed = map[string]*iampolicy.Policy{}
		}
		ps.Inline[policyName] = doc
		ps.parsed[policyName] = parsed
		return nil
	})
}

type getEntityPolicyResult struct {
	RoleName       string `xml:"RoleName,omitempty"`
	UserName       string `xml:"UserName,omitempty"`
	PolicyName     string `xml:"PolicyName"`
	PolicyDocument string `xml:"PolicyDocument"`
}

func (s *Service) getEntityPolicy(call *service.Call, f form, k entityKind) (any, error) {
	name, err := k.authorize(s, call, f, nil)
	if err != nil {
		return nil, err
	}
	policyName, err := f.name("PolicyName", "policyName", 128)
	if err != nil {
		return nil, err
	}
	ps, ok := k.policies(s, call.Account, name)
	if !ok {
		return nil, k.notFound(name)
	}
	doc, ok := ps.Inline[policyName]
	if !ok {
		return nil, k.inlineNotFound(policyName)
	}
	out := getEntityPolicyResult{PolicyName: policyName, PolicyDocument: encodeDoc(doc)}
	if k.kind == "role" {
		out.RoleName = name
	} else {
		out.UserName = name
	}
	return out, nil
}

func (s *Service) deleteEntityPolicy(call *service.Call, f form, k entityKind) (any, error) {
	name, err := k.authorize(s, call, f, nil)
	if err != nil {
		return nil, err
	}
	policyName, err := f.name("PolicyName", "policyName", 128)
	if err != nil {
		return nil, err
	}
	return nil, k.mutatePolicies(s, call.Account, name, func(ps *policySet) error {
		if _, ok := ps.Inline[policyName]; !ok {
			return k.inlineNotFound(policyName)
		}
		delete(ps.Inline, policyName)
		delete(ps.parsed, policyName)
		return nil
	})
}

type policyNamesResult struct {
	PolicyNames members[string] `xml:"PolicyNames"`
	listResult
}

func (s *Service) listEntityPolicies(call *service.Call, f form, k entityKind) (any, error) {
	name, err := k.authorize(s, call, f, nil)
	if err != nil {
		return nil, err
	}
	ps, ok := k.policies(s, call.Account, name)
	if !ok {
		return nil, k.notFound(name)
	}
	names := make([]string, 0, len(ps.Inline))
	for n := range ps.Inline {
		names = append(names, n)
	}
	sort.Strings(names)
	pg, truncated, next, err := page(f, names, func(n string) string { return n })
	if err != nil {
		return nil, err
	}
	return policyNamesResult{PolicyNames: list(pg), listResult: listResult{truncated, next}}, nil
}

func (s *Service) attachEntityPolicy(call *service.Call, f form, k entityKind) (any, error) {
	arn, err := f.policyARN("PolicyArn", "policyArn")
	if err != nil {
		return nil, err
	}
	name, err := k.authorize(s, call, f, map[string][]string{"iam:PolicyARN": {arn}})
	if err != nil {
		return nil, err
	}
	p := s.policyByARN(arn)
	if p == nil {
		return nil, noSuchEntity("Policy %s does not exist or is not attachable.", arn)
	}
	return nil, k.mutatePolicies(s, call.Account, name, func(ps *policySet) error {
		for _, a := range ps.Attached {
			if a == p.ARN {
				return nil // attaching twice is a no-op, as on AWS
			}
		}
		if len(ps.Attached) >= k.maxAttached {
			return limitExceeded("Cannot exceed quota for %s: %d", k.attachedQuota, k.maxAttached)
		}
		ps.Attached = append(ps.Attached, p.ARN)
		return nil
	})
}

func (s *Service) detachEntityPolicy(call *service.Call, f form, k entityKind) (any, error) {
	arn, err := f.policyARN("PolicyArn", "policyArn")
	if err != nil {
		return nil, err
	}
	name, err := k.authorize(s, call, f, map[string][]string{"iam:PolicyARN": {arn}})
	if err != nil {
		return nil, err
	}
	return nil, k.mutatePolicies(s, call.Account, name, func(ps *policySet) error {
		for i, a := range ps.Attached {
			if strings.EqualFold(a, arn) {
				ps.Attached = append(ps.Attached[:i:i], ps.Attached[i+1:]...)
				return nil
			}
		}
		return noSuchEntity("Policy %s was not found.", arn)
	})
}

type attachedResult struct {
	AttachedPolicies members[attachedXML] `xml:"AttachedPolicies"`
	listResult
}

func (s *Service) listAttachedEntityPolicies(call *service.Call, f form, k entityKind) (any, error) {
	name, err := k.authorize(s, call, f, nil)
	if err != nil {
		return nil, err
	}
	prefix, err := f.pathPrefix()
	if err != nil {
		return nil, err
	}
	ps, ok := k.policies(s, call.Account, name)
	if !ok {
		return nil, k.notFound(name)
	}
	var out []attachedXML
	for _, arn := range ps.Attached {
		p := s.policyByARN(arn)
		if p == nil || !strings.HasPrefix(p.Path, prefix) {
			continue
		}
		out = append(out, attachedXML{PolicyName: p.Name, PolicyArn: p.ARN})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PolicyArn < out[j].PolicyArn })
	pg, truncated, next, err := page(f, out, func(a attachedXML) string { return a.PolicyArn })
	if err != nil {
		return nil, err
	}
	return attachedResult{AttachedPolicies: list(pg), listResult: listResult{truncated, next}}, nil
}

func (s *Service) putRolePolicy(call *service.Call, f form) (any, error) {
	return s.putEntityPolicy(call, f, roleTable.entityKind)
}
func (s *Service) getRolePolicy(call *service.Call, f form) (any, error) {
	return s.getEntityPolicy(call, f, roleTable.entityKind)
}
func (s *Service) deleteRolePolicy(call *service.Call, f form) (any, error) {
	return s.deleteEntityPolicy(call, f, roleTable.entityKind)
}
func (s *Service) listRolePolicies(call *service.Call, f form) (any, error) {
	return s.listEntityPolicies(call, f, roleTable.entityKind)
}
func (s *Service) attachRolePolicy(call *service.Call, f form) (any, error) {
	return s.attachEntityPolicy(call, f, roleTable.entityKind)
}
func (s *Service) detachRolePolicy(call *service.Call, f form) (any, error) {
	return s.detachEntityPolicy(call, f, roleTable.entityKind)
}
func (s *Service) listAttachedRolePolicies(call *service.Call, f form) (any, error) {
	return s.listAttachedEntityPolicies(call, f, roleTable.entityKind)
}
func (s *Service) putUserPolicy(call *service.Call, f form) (any, error) {
	return s.putEntityPolicy(call, f, userTable.entityKind)
}
func (s *Service) getUserPolicy(call *service.Call, f form) (any, error) {
	return s.getEntityPolicy(call, f, userTable.entityKind)
}
func (s *Service) deleteUserPolicy(call *service.Call, f form) (any, error) {
	return s.deleteEntityPolicy(call, f, userTable.entityKind)
}
func (s *Service) listUserPolicies(call *service.Call, f form) (any, error) {
	return s.listEntityPolicies(call, f, userTable.entityKind)
}
func (s *Service) attachUserPolicy(call *service.Call, f form) (any, error) {
	return s.attachEntityPolicy(call, f, userTable.entityKind)
}
func (s *Service) detachUserPolicy(call *service.Call, f form) (any, error) {
	return s.detachEntityPolicy(call, f, userTable.entityKind)
}
func (s *Service) listAttachedUserPolicies(call *service.Call, f form) (any, error) {
	return s.listAttachedEntityPolicies(call, f, userTable.entityKind)
}
