package iampolicy

// matcher is a statement compiled for evaluation.
type matcher struct {
	deny         bool
	actions      []pattern
	notAction    bool
	resources    []pattern
	notResource  bool
	anyResource  bool // no Resource/NotResource element (trust policies)
	principal    *principalMatcher
	notPrincipal bool
	conds        []condition
}

func compileStatement(st *Statement, variables bool) (*matcher, error) {
	m := &matcher{deny: st.Effect == EffectDeny}
	actions := st.Action
	if st.NotAction != nil {
		actions, m.notAction = st.NotAction, true
	}
	m.actions = make([]pattern, len(actions))
	for i, a := range actions {
		m.actions[i] = compilePattern(a, true, false)
	}
	resources := st.Resource
	if st.NotResource != nil {
		resources, m.notResource = st.NotResource, true
	}
	m.anyResource = resources == nil
	m.resources = make([]pattern, len(resources))
	for i, r := range resources {
		m.resources[i] = compilePattern(r, false, variables)
	}
	switch {
	case st.Principal != nil:
		m.principal = compilePrincipal(st.Principal)
	case st.NotPrincipal != nil:
		m.principal, m.notPrincipal = compilePrincipal(st.NotPrincipal), true
	}
	if st.Condition != nil {
		conds, err := compileConditions(st.Condition, variables)
		if err != nil {
			return nil, err
		}
		m.conds = conds
	}
	return m, nil
}

// principalAbsent: the statement has no Principal element (identity-based
// policies), so it says nothing about who calls.
const principalAbsent principalMatch = 255

// applies reports whether the statement covers the request, and how its
// Principal named the caller. Cheap tests run first: the action rules out
// most statements.
func (m *matcher) applies(req *Request) (bool, principalMatch) {
	if m.matchAction(req.Action) == m.notAction {
		return false, principalNone
	}
	if !m.anyResource && m.matchResource(req) == m.notResource {
		return false, principalNone
	}
	// A NotResource entry whose variable has no value would match "every
	// resource but nothing": AWS treats the statement as not matching.
	// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-no-value
	if m.notResource {
		for i := range m.resources {
			if !m.resources[i].resolves(req) {
				return false, principalNone
			}
		}
	}
	pm := principalAbsent
	if m.principal != nil {
		pm = m.principal.match(req)
		if m.notPrincipal {
			if pm != principalNone {
				return false, principalNone
			}
			pm = principalDirect
		} else if pm == principalNone {
			return false, principalNone
		}
	}
	for i := range m.conds {
		if !m.conds[i].eval(req) {
			return false, principalNone
		}
	}
	return true, pm
}

func (m *matcher) matchAction(action string) bool {
	for i := range m.actions {
		if m.actions[i].match(action, nil) {
			return true
		}
	}
	return false
}

func (m *matcher) matchResource(req *Request) bool {
	for i := range m.resources {
		if m.resources[i].match(req.Resource, req) {
			return true
		}
	}
	return false
}
