package policies

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
)

// Equal reports whether two policy documents grant the same thing, as IAM
// reads them. It ignores what IAM ignores or rewrites: formatting, key
// order, URL encoding (IAM's Get*Policy answers are URL-encoded), a single
// string versus a one-element list (Action, NotAction, Resource,
// NotResource, principals, condition values), the order and duplicates of
// those lists, the order of statements, and the case of action names. It
// still compares Version, Id, Sid, Effect, principals and conditions.
// An error means a document could not be read as a policy.
func Equal(a, b []byte) (bool, error) {
	na, err := normalize(a)
	if err != nil {
		return false, fmt.Errorf("first policy: %w", err)
	}
	nb, err := normalize(b)
	if err != nil {
		return false, fmt.Errorf("second policy: %w", err)
	}
	return reflect.DeepEqual(na, nb), nil
}

// normalize parses a document into a canonical tree of maps, sorted string
// lists and strings.
func normalize(doc []byte) (map[string]any, error) {
	doc = bytes.TrimSpace(doc)
	if len(doc) > 0 && doc[0] != '{' {
		// IAM returns documents URL-encoded (RFC 3986): "%7B%22Version…".
		decoded, err := url.QueryUnescape(string(doc))
		if err != nil {
			return nil, fmt.Errorf("neither JSON nor URL-encoded JSON: %w", err)
		}
		doc = bytes.TrimSpace([]byte(decoded))
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var top map[string]any
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("not a JSON policy document: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("not a JSON policy document: data after the object")
	}
	out := map[string]any{}
	for k, v := range top {
		if k == "Statement" {
			continue
		}
		out[k] = scalarOrTree(v)
	}
	stmts, err := statements(top["Statement"])
	if err != nil {
		return nil, err
	}
	out["Statement"] = stmts
	return out, nil
}

// statements returns the canonical statements, sorted by their JSON text so
// that statement order does not matter.
func statements(v any) ([]any, error) {
	var list []any
	switch s := v.(type) {
	case nil:
		return nil, fmt.Errorf("policy has no Statement")
	case map[string]any:
		list = []any{s}
	case []any:
		list = s
	default:
		return nil, fmt.Errorf("Statement must be an object or a list, got %T", v)
	}
	type keyed struct {
		key  string
		stmt map[string]any
	}
	var ks []keyed
	for i, raw := range list {
		s, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("statement %d is not an object", i+1)
		}
		c := canonicalStatement(s)
		text, _ := json.Marshal(c)
		ks = append(ks, keyed{string(text), c})
	}
	slices.SortFunc(ks, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	out := make([]any, len(ks))
	for i, k := range ks {
		out[i] = k.stmt
	}
	return out, nil
}

func canonicalStatement(s map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range s {
		switch k {
		case "Action", "NotAction":
			// Action names are case-insensitive in IAM.
			out[k] = stringSet(v, strings.ToLower)
		case "Resource", "NotResource":
			out[k] = stringSet(v, nil)
		case "Principal", "NotPrincipal":
			if m, ok := v.(map[string]any); ok {
				p := map[string]any{}
				for typ, ids := range m {
					p[typ] = stringSet(ids, nil)
				}
				out[k] = p
			} else {
				out[k] = scalarOrTree(v) // "*"
			}
		case "Condition":
			out[k] = canonicalCondition(v)
		default:
			out[k] = scalarOrTree(v)
		}
	}
	return out
}

// canonicalCondition: {operator: {key: value or [values]}} with every value
// list sorted and every scalar a string (IAM compares condition values as
// text: 3600 and "3600" are the same value).
func canonicalCondition(v any) any {
	ops, ok := v.(map[string]any)
	if !ok {
		return scalarOrTree(v)
	}
	out := map[string]any{}
	for op, keys := range ops {
		km, ok := keys.(map[string]any)
		if !ok {
			out[op] = scalarOrTree(keys)
			continue
		}
		ck := map[string]any{}
		for key, val := range km {
			// Condition keys are case-insensitive.
			ck[strings.ToLower(key)] = stringSet(val, nil)
		}
		out[op] = ck
	}
	return out
}

// stringSet turns a string or a list of scalars into a sorted, de-duplicated
// list of strings; anything else is kept as a tree (and so compares only
// with the same shape).
func stringSet(v any, fold func(string) string) any {
	var items []any
	switch t := v.(type) {
	case []any:
		items = t
	default:
		items = []any{t}
	}
	set := make([]string, 0, len(items))
	for _, it := range items {
		s, ok := scalarString(it)
		if !ok {
			return scalarOrTree(v)
		}
		if fold != nil {
			s = fold(s)
		}
		set = append(set, s)
	}
	slices.Sort(set)
	return slices.Compact(set)
}

func scalarString(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return t.String(), true
	case bool:
		if t {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

// scalarOrTree canonicalizes values compared as they are: numbers and
// booleans become their text, maps and lists recurse.
func scalarOrTree(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range t {
			out[k] = scalarOrTree(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = scalarOrTree(x)
		}
		return out
	}
	if s, ok := scalarString(v); ok {
		return s
	}
	return v // nil
}
