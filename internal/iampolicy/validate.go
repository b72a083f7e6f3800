package iampolicy

import "strings"

// Validate applies the rules IAM (or the owning service) adds for one kind of
// policy on top of Parse's grammar; errors match ErrMalformed.
//
//   - identity, permissions-boundary, session: no Principal/NotPrincipal
//     ("Policy document should not specify a principal"), every statement has
//     Resource or NotResource, Sids alphanumeric;
//   - resource: every statement has Principal or NotPrincipal;
//   - trust: every statement has Principal or NotPrincipal, no
//     Resource/NotResource, only sts: actions, Sids alphanumeric.
func (p *Policy) Validate(kind PolicyKind) error {
	for i := range p.Statements {
		st := &p.Statements[i]
		hasPrincipal := st.Principal != nil || st.NotPrincipal != nil
		hasResource := st.Resource != nil || st.NotResource != nil
		switch kind {
		case KindIdentity, KindBoundary, KindSession:
			if hasPrincipal {
				return stmtErr(i, "Policy document should not specify a principal (an identity-based policy applies to whoever it is attached to)")
			}
			if !hasResource {
				return stmtErr(i, "missing Resource (or NotResource): policy statement must contain resources")
			}
			if err := checkSid(i, st.Sid); err != nil {
				return err
			}
		case KindResource:
			if !hasPrincipal {
				return stmtErr(i, "missing Principal (or NotPrincipal): a resource-based policy must name who it applies to")
			}
		case KindTrust:
			if !hasPrincipal {
				return stmtErr(i, "missing Principal: a trust policy must name who may assume the role")
			}
			if hasResource {
				return stmtErr(i, "has prohibited field Resource: a trust policy applies to its role")
			}
			for _, list := range [][]string{st.Action, st.NotAction} {
				for _, a := range list {
					svc, _, _ := strings.Cut(a, ":")
					if a != "*" && !strings.EqualFold(svc, "sts") {
						return stmtErr(i, "action %q is not valid in a trust policy (only sts: actions)", a)
					}
				}
			}
			if err := checkSid(i, st.Sid); err != nil {
				return err
			}
		default:
			return docErr("unknown policy kind %q", kind)
		}
	}
	return nil
}

// checkSid: IAM policies take only letters and digits in a Sid (services such
// as SQS and SNS accept more in their own policies).
func checkSid(i int, sid string) error {
	for j := 0; j < len(sid); j++ {
		c := sid[j]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return stmtErr(i, "Sid %q must be alphanumeric", sid)
		}
	}
	return nil
}
