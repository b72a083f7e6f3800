package sns

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"path"
	"strconv"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// filterPolicy is a parsed subscription filter policy. Every key of a node
// must match (AND); a key matches when any of its rules does (OR); each
// "$or" needs one of its alternatives to match. Operators: exact strings,
// numbers, booleans and null, prefix, suffix, equals-ignore-case, wildcard,
// anything-but (values, prefix, suffix), numeric ranges, exists and cidr.
type filterPolicy struct {
	scope string // MessageAttributes or MessageBody
	root  *fpNode
}

type fpNode struct {
	keys map[string]*fpField
	or   [][]*fpNode
}

type fpField struct {
	rules  []rule
	nested *fpNode // MessageBody scope: the key holds an object
}

type ruleKind int

const (
	ruleString ruleKind = iota
	ruleNumber
	ruleBool
	ruleNull
	rulePrefix
	ruleSuffix
	ruleIgnoreCase
	ruleWildcard
	ruleAnythingBut
	ruleNumeric
	ruleExists
	ruleCIDR
)

type rule struct {
	kind   ruleKind
	s      string
	f      float64
	b      bool
	not    []rule        // anything-but
	conds  []numericCond // numeric
	prefix netip.Prefix  // cidr
}

type numericCond struct {
	op string
	f  float64
}

// value is one value of a message attribute or body field.
type value struct {
	kind ruleKind // ruleString, ruleNumber, ruleBool or ruleNull
	s    string
	f    float64
	b    bool
}

func policyError(format string, args ...any) error {
	return errInvalidParameter("Invalid parameter: FilterPolicy: "+format, args...)
}

// parseFilterPolicy validates and parses a policy for the given scope.
func parseFilterPolicy(doc, scope string) (*filterPolicy, error) {
	if scope == "" {
		scope = "MessageAttributes"
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, policyError("failed to parse JSON: %v", err)
	}
	if dec.More() {
		return nil, policyError("failed to parse JSON: trailing data")
	}
	obj, ok := root.(map[string]any)
	if !ok {
		return nil, policyError("Filter policy must be a JSON object")
	}
	if len(obj) > 5 {
		return nil, policyError("Filter policy can not have more than 5 keys")
	}
	combinations := 1
	node, err := parseNode(obj, scope, &combinations)
	if err != nil {
		return nil, err
	}
	if combinations > 150 {
		return nil, policyError("Filter policy is too complex")
	}
	return &filterPolicy{scope: scope, root: node}, nil
}

func parseNode(obj map[string]any, scope string, combinations *int) (*fpNode, error) {
	n := &fpNode{keys: map[string]*fpField{}}
	for key, v := range obj {
		if key == "$or" {
			alts, ok := v.([]any)
			if !ok || len(alts) < 2 {
				return nil, policyError(`"$or" must be an array of at least two objects`)
			}
			var group []*fpNode
			for _, a := range alts {
				ao, ok := a.(map[string]any)
				if !ok {
					return nil, policyError(`"$or" must be an array of objects`)
				}
				alt, err := parseNode(ao, scope, combinations)
				if err != nil {
					return nil, err
				}
				group = append(group, alt)
			}
			n.or = append(n.or, group)
			continue
		}
		switch tv := v.(type) {
		case []any:
			rules, err := parseRules(key, tv)
			if err != nil {
				return nil, err
			}
			*combinations *= max(len(rules), 1)
			n.keys[key] = &fpField{rules: rules}
		case map[string]any:
			if scope != "MessageBody" {
				return nil, errInvalidParameter("Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy")
			}
			nested, err := parseNode(tv, scope, combinations)
			if err != nil {
				return nil, err
			}
			n.keys[key] = &fpField{nested: nested}
		default:
			return nil, policyError(`"%s" must be an object or an array`, key)
		}
	}
	return n, nil
}

func parseRules(key string, list []any) ([]rule, error) {
	if len(list) == 0 {
		return nil, policyError(`Empty arrays are not allowed for "%s"`, key)
	}
	rules := make([]rule, 0, len(list))
	for _, item := range list {
		r, err := parseRule(item)
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func parseRule(item any) (rule, error) {
	switch v := item.(type) {
	case string:
		return rule{kind: ruleString, s: v}, nil
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return rule{}, policyError("Match value must be String, number, true, false, or null")
		}
		return rule{kind: ruleNumber, f: f}, nil
	case bool:
		return rule{kind: ruleBool, b: v}, nil
	case nil:
		return rule{kind: ruleNull}, nil
	case map[string]any:
		if len(v) != 1 {
			return rule{}, policyError("Match pattern objects must have exactly one key")
		}
		for op, arg := range v {
			return parseOperator(op, arg)
		}
	}
	return rule{}, policyError("Match value must be String, number, true, false, or null")
}

func parseOperator(op string, arg any) (rule, error) {
	str := func() (string, error) {
		s, ok := arg.(string)
		if !ok {
			return "", policyError("%s match pattern must be a string", op)
		}
		return s, nil
	}
	switch op {
	case "prefix", "suffix", "equals-ignore-case", "wildcard":
		s, err := str()
		if err != nil {
			return rule{}, err
		}
		kind := map[string]ruleKind{"prefix": rulePrefix, "suffix": ruleSuffix, "equals-ignore-case": ruleIgnoreCase, "wildcard": ruleWildcard}[op]
		return rule{kind: kind, s: s}, nil
	case "exists":
		b, ok := arg.(bool)
		if !ok {
			return rule{}, policyError("exists match pattern must be either true or false.")
		}
		return rule{kind: ruleExists, b: b}, nil
	case "cidr":
		s, err := str()
		if err != nil {
			return rule{}, err
		}
		p, perr := netip.ParsePrefix(s)
		if perr != nil {
			return rule{}, policyError("Malformed CIDR, one '/' required")
		}
		return rule{kind: ruleCIDR, prefix: p.Masked()}, nil
	case "anything-but":
		return parseAnythingBut(arg)
	case "numeric":
		return parseNumeric(arg)
	}
	return rule{}, policyError("Unrecognized match type %s", op)
}

func parseAnythingBut(arg any) (rule, error) {
	r := rule{kind: ruleAnythingBut}
	switch v := arg.(type) {
	case string, json.Number:
		sub, err := parseRule(v)
		if err != nil {
			return rule{}, err
		}
		r.not = []rule{sub}
	case []any:
		if len(v) == 0 {
			return rule{}, policyError("Empty arrays are not allowed for anything-but")
		}
		for _, item := range v {
			switch item.(type) {
			case string, json.Number:
			default:
				return rule{}, policyError("Inside anything but list, start|null|boolean is not supported.")
			}
			sub, err := parseRule(item)
			if err != nil {
				return rule{}, err
			}
			r.not = append(r.not, sub)
		}
	case map[string]any:
		if len(v) != 1 {
			return rule{}, policyError("anything-but match pattern objects must have exactly one key")
		}
		for op, a := range v {
			if op != "prefix" && op != "suffix" && op != "equals-ignore-case" {
				return rule{}, policyError("Unsupported anything-but pattern: %s", op)
			}
			sub, err := parseOperator(op, a)
			if err != nil {
				return rule{}, err
			}
			r.not = []rule{sub}
		}
	default:
		return rule{}, policyError("Value of anything-but must be an array or single string/number value.")
	}
	return r, nil
}

func parseNumeric(arg any) (rule, error) {
	list, ok := arg.([]any)
	if !ok || len(list) == 0 || len(list)%2 != 0 || len(list) > 4 {
		return rule{}, policyError("Value of numeric must be an array of one or two operator and value pairs.")
	}
	r := rule{kind: ruleNumeric}
	for i := 0; i < len(list); i += 2 {
		op, ok := list[i].(string)
		if !ok {
			return rule{}, policyError("Invalid member in numeric match: %v", list[i])
		}
		switch op {
		case "=", "<", "<=", ">", ">=":
		default:
			return rule{}, policyError("Unrecognized numeric range operator: %s", op)
		}
		n, ok := list[i+1].(json.Number)
		if !ok {
			return rule{}, policyError("Value of %s must be numeric", op)
		}
		f, err := n.Float64()
		if err != nil {
			return rule{}, policyError("Value of %s must be numeric", op)
		}
		r.conds = append(r.conds, numericCond{op: op, f: f})
	}
	if len(r.conds) == 2 {
		lo, hi := r.conds[0], r.conds[1]
		if (lo.op != ">" && lo.op != ">=") || (hi.op != "<" && hi.op != "<=") {
			return rule{}, policyError("Bad numeric range operator: %s", hi.op)
		}
		if hi.f <= lo.f {
			return rule{}, policyError("Bottom must be less than top")
		}
	}
	return r, nil
}

// matches reports whether a message passes the policy.
func (fp *filterPolicy) matches(attrs map[string]service.MessageAttribute, message string) bool {
	if fp.scope == "MessageBody" {
		dec := json.NewDecoder(strings.NewReader(message))
		dec.UseNumber()
		var body map[string]any
		if dec.Decode(&body) != nil {
			return false
		}
		return fp.root.matchBody(body)
	}
	return fp.root.matchAttributes(attrs)
}

func (n *fpNode) matchAttributes(attrs map[string]service.MessageAttribute) bool {
	for key, f := range n.keys {
		a, present := attrs[key]
		if !f.matchValues(attributeValues(a), present) {
			return false
		}
	}
	for _, group := range n.or {
		if !anyNode(group, func(alt *fpNode) bool { return alt.matchAttributes(attrs) }) {
			return false
		}
	}
	return true
}

func (n *fpNode) matchBody(body map[string]any) bool {
	for key, f := range n.keys {
		v, present := body[key]
		if f.nested != nil {
			obj, ok := v.(map[string]any)
			if !ok || !f.nested.matchBody(obj) {
				return false
			}
			continue
		}
		if !f.matchValues(jsonValues(v), present) {
			return false
		}
	}
	for _, group := range n.or {
		if !anyNode(group, func(alt *fpNode) bool { return alt.matchBody(body) }) {
			return false
		}
	}
	return true
}

func anyNode(nodes []*fpNode, fn func(*fpNode) bool) bool {
	for _, n := range nodes {
		if fn(n) {
			return true
		}
	}
	return false
}

func (f *fpField) matchValues(values []value, present bool) bool {
	for _, r := range f.rules {
		if r.kind == ruleExists {
			if r.b == present {
				return true
			}
			continue
		}
		if !present {
			continue // only exists:false matches a missing key
		}
		for _, v := range values {
			if r.match(v) {
				return true
			}
		}
	}
	return false
}

func (r rule) match(v value) bool {
	switch r.kind {
	case ruleString:
		return v.kind == ruleString && v.s == r.s
	case ruleNumber:
		return v.kind == ruleNumber && v.f == r.f
	case ruleBool:
		return v.kind == ruleBool && v.b == r.b
	case ruleNull:
		return v.kind == ruleNull
	case rulePrefix:
		return v.kind == ruleString && strings.HasPrefix(v.s, r.s)
	case ruleSuffix:
		return v.kind == ruleString && strings.HasSuffix(v.s, r.s)
	case ruleIgnoreCase:
		return v.kind == ruleString && strings.EqualFold(v.s, r.s)
	case ruleWildcard:
		if v.kind != ruleString {
			return false
		}
		ok, _ := path.Match(strings.ReplaceAll(r.s, "?", `\?`), v.s)
		return ok
	case ruleCIDR:
		ip, err := netip.ParseAddr(v.s)
		return v.kind == ruleString && err == nil && r.prefix.Contains(ip)
	case ruleAnythingBut:
		for _, not := range r.not {
			if not.match(v) {
				return false
			}
		}
		return v.kind != ruleNull
	case ruleNumeric:
		if v.kind != ruleNumber {
			return false
		}
		for _, c := range r.conds {
			if !c.holds(v.f) {
				return false
			}
		}
		return true
	}
	return false
}

func (c numericCond) holds(x float64) bool {
	switch c.op {
	case "=":
		return x == c.f
	case "<":
		return x < c.f
	case "<=":
		return x <= c.f
	case ">":
		return x > c.f
	case ">=":
		return x >= c.f
	}
	return false
}

// attributeValues are what filtering sees of an attribute: a String's
// text, a Number's value, a String.Array's elements; Binary nothing.
func attributeValues(a service.MessageAttribute) []value {
	base, _, _ := strings.Cut(a.DataType, ".")
	switch {
	case a.DataType == "String.Array":
		dec := json.NewDecoder(bytes.NewReader([]byte(a.StringValue)))
		dec.UseNumber()
		var list []any
		if dec.Decode(&list) != nil {
			return nil
		}
		var out []value
		for _, item := range list {
			out = append(out, jsonValues(item)...)
		}
		return out
	case base == "String":
		return []value{{kind: ruleString, s: a.StringValue}}
	case base == "Number":
		f, err := strconv.ParseFloat(strings.TrimSpace(a.StringValue), 64)
		if err != nil {
			return nil
		}
		return []value{{kind: ruleNumber, f: f}}
	}
	return nil
}

// jsonValues are the values of a body field: a scalar, or an array's
// scalar elements.
func jsonValues(v any) []value {
	switch t := v.(type) {
	case string:
		return []value{{kind: ruleString, s: t}}
	case json.Number:
		f, err := t.Float64()
		if err != nil {
			return nil
		}
		return []value{{kind: ruleNumber, f: f}}
	case bool:
		return []value{{kind: ruleBool, b: t}}
	case nil:
		return []value{{kind: ruleNull}}
	case []any:
		var out []value
		for _, item := range t {
			if _, nested := item.([]any); nested {
				continue
			}
			out = append(out, jsonValues(item)...)
		}
		return out
	}
	return nil
}
