package iampolicy

import (
	"encoding/json"
	"net/url"
	"strings"
)

// Parse parses and validates a policy document, as IAM does before storing
// one, and compiles its matchers. It accepts the document as JSON or
// URL-encoded (as IAM's Get*Policy APIs return it). Errors match ErrMalformed
// and name the problem, e.g. "Statement[1]: Effect must be Allow or Deny, got
// \"allow\"".
func Parse(doc string) (*Policy, error) {
	text, err := decodeDocument(doc)
	if err != nil {
		return nil, err
	}
	members, isObject, err := objectMembers([]byte(text))
	if err != nil {
		return nil, docErr("policy document is not valid JSON: %v", err)
	}
	if !isObject {
		return nil, docErr("policy document must be a JSON object")
	}
	p := &Policy{}
	var statement []byte
	for _, m := range members {
		switch m.key {
		case "Version":
			v, ok := scalarString(m.raw)
			if !ok {
				return nil, docErr("Version must be a string")
			}
			if v != Version2012 && v != Version2008 {
				return nil, docErr("Version must be %q or %q, got %q", Version2012, Version2008, v)
			}
			p.Version = v
		case "Id":
			v, ok := scalarString(m.raw)
			if !ok {
				return nil, docErr("Id must be a string")
			}
			p.ID = v
		case "Statement":
			statement = m.raw
		default:
			return nil, docErr("unknown top-level field %q (allowed: Version, Id, Statement)", m.key)
		}
	}
	if statement == nil {
		return nil, docErr("missing Statement")
	}
	raws, err := statementList(statement)
	if err != nil {
		return nil, err
	}
	p.Statements = make([]Statement, len(raws))
	sids := make(map[string]int)
	for i, raw := range raws {
		st := &p.Statements[i]
		if err := parseStatement(i, raw, st); err != nil {
			return nil, err
		}
		if st.Sid != "" {
			if j, dup := sids[st.Sid]; dup {
				return nil, stmtErr(i, "Sid %q is not unique (also Statement[%d]); Sids in one policy must be unique", st.Sid, j)
			}
			sids[st.Sid] = i
		}
		m, err := compileStatement(st, p.Version == Version2012)
		if err != nil {
			return nil, stmtErr(i, "%s", err.Error())
		}
		st.m = m
	}
	return p, nil
}

// MustParse is Parse for documents known to be valid (templates, tests); it
// panics on error.
func MustParse(doc string) *Policy {
	p, err := Parse(doc)
	if err != nil {
		panic("iampolicy.MustParse: " + err.Error())
	}
	return p
}

// decodeDocument returns the JSON text of doc, URL-decoding it first when it is
// URL-encoded.
func decodeDocument(doc string) (string, error) {
	trimmed := strings.TrimSpace(doc)
	if trimmed == "" {
		return "", docErr("policy document is empty")
	}
	if trimmed[0] == '{' || trimmed[0] == '[' || !strings.Contains(trimmed, "%") {
		return trimmed, nil
	}
	// IAM's encoding is RFC 3986 (%20 for a space, '+' kept literal); some
	// encoders use '+' for spaces. Prefer the former and fall back to the
	// latter only when the first does not yield a JSON object.
	text, err := url.PathUnescape(trimmed)
	if err != nil {
		return "", docErr("policy document is neither JSON nor valid URL encoding: %v", err)
	}
	if strings.Contains(trimmed, "+") {
		if _, isObject, err := objectMembers([]byte(text)); err != nil || !isObject {
			if alt, err := url.QueryUnescape(trimmed); err == nil {
				text = alt
			}
		}
	}
	return strings.TrimSpace(text), nil
}

// statementList accepts Statement as one object or a non-empty list of them.
func statementList(raw []byte) ([][]byte, error) {
	switch firstByte(raw) {
	case '{':
		return [][]byte{raw}, nil
	case '[':
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil || len(items) == 0 {
			return nil, docErr("Statement must be an object or a non-empty list of objects")
		}
		out := make([][]byte, len(items))
		for i, it := range items {
			out[i] = it
		}
		return out, nil
	}
	return nil, docErr("Statement must be an object or a non-empty list of objects")
}

func parseStatement(i int, raw []byte, st *Statement) error {
	members, isObject, err := objectMembers(raw)
	if err != nil {
		return stmtErr(i, "%v", err)
	}
	if !isObject {
		return stmtErr(i, "must be an object")
	}
	var haveEffect bool
	for _, m := range members {
		switch m.key {
		case "Sid":
			v, ok := scalarString(m.raw)
			if !ok {
				return stmtErr(i, "Sid must be a string")
			}
			st.Sid = v
		case "Effect":
			v, ok := scalarString(m.raw)
			if !ok || (v != EffectAllow && v != EffectDeny) {
				return stmtErr(i, "Effect must be Allow or Deny, got %s", shortJSON(m.raw))
			}
			st.Effect, haveEffect = v, true
		case "Action", "NotAction", "Resource", "NotResource":
			vals, ok := stringOrList(m.raw)
			if !ok {
				return stmtErr(i, "%s must be a string or a non-empty list of strings", m.key)
			}
			switch m.key {
			case "Action":
				st.Action = vals
			case "NotAction":
				st.NotAction = vals
			case "Resource":
				st.Resource = vals
			case "NotResource":
				st.NotResource = vals
			}
		case "Principal", "NotPrincipal":
			pr, err := parsePrincipal(m.raw)
			if err != nil {
				return stmtErr(i, "%s %s", m.key, err.Error())
			}
			if m.key == "Principal" {
				st.Principal = pr
			} else {
				st.NotPrincipal = pr
			}
		case "Condition":
			c, err := parseConditions(m.raw)
			if err != nil {
				return stmtErr(i, "%s", err.Error())
			}
			st.Condition = c
		default:
			return stmtErr(i, "unknown field %q (allowed: Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource, Condition)", m.key)
		}
	}
	if !haveEffect {
		return stmtErr(i, "missing Effect")
	}
	switch {
	case st.Action == nil && st.NotAction == nil:
		return stmtErr(i, "missing Action (or NotAction)")
	case st.Action != nil && st.NotAction != nil:
		return stmtErr(i, "has both Action and NotAction")
	case st.Resource != nil && st.NotResource != nil:
		return stmtErr(i, "has both Resource and NotResource")
	case st.Principal != nil && st.NotPrincipal != nil:
		return stmtErr(i, "has both Principal and NotPrincipal")
	}
	for _, list := range [][]string{st.Action, st.NotAction} {
		for _, a := range list {
			if !validAction(a) {
				return stmtErr(i, "action %q must be \"*\" or service:action (e.g. dynamodb:PutItem)", a)
			}
		}
	}
	for _, list := range [][]string{st.Resource, st.NotResource} {
		for _, r := range list {
			if !validResource(r) {
				return stmtErr(i, "resource %q must be \"*\" or an ARN", r)
			}
		}
	}
	return nil
}

// validAction: "*", or a service prefix, a colon and a non-empty action name,
// wildcards allowed in both.
func validAction(a string) bool {
	if a == "*" {
		return true
	}
	svc, name, ok := strings.Cut(a, ":")
	if !ok || svc == "" || name == "" || strings.Contains(name, ":") {
		return false
	}
	for _, c := range svc {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '*' || c == '?') {
			return false
		}
	}
	return !strings.ContainsAny(name, " \t\r\n")
}

// validResource: "*", or an ARN (six colon-separated fields; fewer only when
// a wildcard stands for the rest, as in "arn:aws:s3:::*").
func validResource(r string) bool {
	if r == "*" {
		return true
	}
	if !strings.HasPrefix(r, "arn:") {
		return false
	}
	return strings.Count(r, ":") >= 5 || strings.Contains(r, "*")
}

func parsePrincipal(raw []byte) (*Principal, error) {
	if firstByte(raw) == '"' {
		s, _ := scalarString(raw)
		if s != "*" {
			return nil, errString(`must be "*" or an object with AWS, Service, Federated or CanonicalUser`)
		}
		return &Principal{All: true}, nil
	}
	members, isObject, err := objectMembers(raw)
	if err != nil || !isObject || len(members) == 0 {
		return nil, errString(`must be "*" or an object with AWS, Service, Federated or CanonicalUser`)
	}
	pr := &Principal{}
	for _, m := range members {
		vals, ok := stringOrList(m.raw)
		if !ok {
			return nil, errString(m.key + " must be a string or a non-empty list of strings")
		}
		for _, v := range vals {
			if strings.TrimSpace(v) == "" {
				return nil, errString(m.key + " has an empty value")
			}
		}
		switch m.key {
		case "AWS":
			for _, v := range vals {
				if v != "*" && !isAccountID(v) && !strings.HasPrefix(v, "arn:") {
					return nil, errString("AWS value " + quote(v) + ` must be "*", an account id or an ARN`)
				}
			}
			pr.AWS = vals
		case "Service":
			pr.Service = vals
		case "Federated":
			pr.Federated = vals
		case "CanonicalUser":
			pr.CanonicalUser = vals
		default:
			return nil, errString("has unknown key " + quote(m.key) + " (allowed: AWS, Service, Federated, CanonicalUser)")
		}
	}
	return pr, nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func parseConditions(raw []byte) (Conditions, error) {
	ops, isObject, err := objectMembers(raw)
	if err != nil || !isObject {
		return nil, errString("Condition must be an object of operator to {key: values}")
	}
	c := make(Conditions, len(ops))
	for _, op := range ops {
		if _, err := parseOperator(op.key); err != nil {
			return nil, errString("Condition " + err.Error())
		}
		keys, isObject, err := objectMembers(op.raw)
		if err != nil || !isObject || len(keys) == 0 {
			return nil, errString("Condition " + op.key + " must be a non-empty object of key to values")
		}
		byKey := make(map[string][]string, len(keys))
		for _, k := range keys {
			if strings.TrimSpace(k.key) == "" {
				return nil, errString("Condition " + op.key + " has an empty key")
			}
			vals, ok := conditionValues(k.raw)
			if !ok {
				return nil, errString("Condition " + op.key + " key " + quote(k.key) + ": values must be strings, numbers, booleans or a non-empty list of them")
			}
			byKey[k.key] = vals
		}
		c[op.key] = byKey
	}
	return c, nil
}
