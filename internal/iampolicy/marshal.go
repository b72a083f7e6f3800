package iampolicy

import "encoding/json"

// MarshalJSON renders the policy in a canonical form: Statement always a
// list, list-valued elements always lists, condition values as strings.
// Parse of the result yields the same policy.
func (p *Policy) MarshalJSON() ([]byte, error) {
	type principalJSON struct {
		AWS           []string `json:"AWS,omitempty"`
		Service       []string `json:"Service,omitempty"`
		Federated     []string `json:"Federated,omitempty"`
		CanonicalUser []string `json:"CanonicalUser,omitempty"`
	}
	principal := func(pr *Principal) any {
		if pr == nil {
			return nil
		}
		if pr.All {
			return "*"
		}
		return principalJSON{AWS: pr.AWS, Service: pr.Service, Federated: pr.Federated, CanonicalUser: pr.CanonicalUser}
	}
	type statementJSON struct {
		Sid          string     `json:"Sid,omitempty"`
		Effect       string     `json:"Effect"`
		Principal    any        `json:"Principal,omitempty"`
		NotPrincipal any        `json:"NotPrincipal,omitempty"`
		Action       []string   `json:"Action,omitempty"`
		NotAction    []string   `json:"NotAction,omitempty"`
		Resource     []string   `json:"Resource,omitempty"`
		NotResource  []string   `json:"NotResource,omitempty"`
		Condition    Conditions `json:"Condition,omitempty"`
	}
	type policyJSON struct {
		Version   string          `json:"Version,omitempty"`
		ID        string          `json:"Id,omitempty"`
		Statement []statementJSON `json:"Statement"`
	}
	out := policyJSON{Version: p.Version, ID: p.ID, Statement: make([]statementJSON, len(p.Statements))}
	for i := range p.Statements {
		st := &p.Statements[i]
		out.Statement[i] = statementJSON{
			Sid: st.Sid, Effect: st.Effect,
			Principal: principal(st.Principal), NotPrincipal: principal(st.NotPrincipal),
			Action: st.Action, NotAction: st.NotAction,
			Resource: st.Resource, NotResource: st.NotResource,
			Condition: st.Condition,
		}
	}
	return json.Marshal(out)
}
