package service

import (
	"encoding/json"
	"fmt"
	"slices"
)

// PolicyDocument is a resource policy as SNS's and SQS's AddPermission and
// RemovePermission edit it: the statements are kept as written, so adding
// or removing one never rewrites the others.
type PolicyDocument struct {
	Version   string            `json:"Version"`
	Id        string            `json:"Id,omitempty"`
	Statement []json.RawMessage `json:"Statement"`
}

// ParsePolicyDocument reads doc; an empty doc is an empty policy of the
// given version. A lone statement written as an object, not a list, is
// taken as a list of one (IAM's grammar allows both).
func ParsePolicyDocument(doc, version string) (PolicyDocument, error) {
	p := PolicyDocument{Version: version}
	if doc == "" {
		return p, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		return p, fmt.Errorf("unreadable policy: %w", err)
	}
	_ = json.Unmarshal(m["Version"], &p.Version)
	_ = json.Unmarshal(m["Id"], &p.Id)
	if err := json.Unmarshal(m["Statement"], &p.Statement); err != nil && len(m["Statement"]) > 0 {
		p.Statement = []json.RawMessage{m["Statement"]}
	}
	return p, nil
}

// HasStatement reports whether a statement has the Sid sid.
func (p *PolicyDocument) HasStatement(sid string) bool {
	return slices.ContainsFunc(p.Statement, func(r json.RawMessage) bool { return sidOf(r) == sid })
}

// RemoveStatements removes the statements with the Sid sid and reports
// whether there were any.
func (p *PolicyDocument) RemoveStatements(sid string) bool {
	n := len(p.Statement)
	p.Statement = slices.DeleteFunc(p.Statement, func(r json.RawMessage) bool { return sidOf(r) == sid })
	return len(p.Statement) != n
}

// AddPermission appends the statement AddPermission writes: Allow actions
// on resource to the principals, each list a lone string when it holds one
// value, as SNS and SQS write them.
func (p *PolicyDocument) AddPermission(sid string, principals, actions []string, resource string) error {
	var st struct {
		Sid       string `json:"Sid"`
		Effect    string `json:"Effect"`
		Principal struct {
			AWS any `json:"AWS"`
		} `json:"Principal"`
		Action   any    `json:"Action"`
		Resource string `json:"Resource"`
	}
	st.Sid, st.Effect, st.Action, st.Resource = sid, "Allow", oneOrMany(actions), resource
	st.Principal.AWS = oneOrMany(principals)
	raw, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("add permission %s: %w", sid, err)
	}
	p.Statement = append(p.Statement, raw)
	return nil
}

func oneOrMany(values []string) any {
	if len(values) == 1 {
		return values[0]
	}
	return values
}

func sidOf(statement json.RawMessage) string {
	var st struct {
		Sid string `json:"Sid"`
	}
	_ = json.Unmarshal(statement, &st)
	return st.Sid
}
