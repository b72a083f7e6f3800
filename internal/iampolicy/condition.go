package iampolicy

import (
	"fmt"
	"math"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"
)

// condition is one compiled operator/key pair of a Condition block.
type condition struct {
	key  string
	op   operator
	vals []condValue
}

// condValue is one policy value, pre-parsed for its operator.
type condValue struct {
	str    string // as written (Bool: lower-cased)
	tpl    *template
	pat    pattern    // StringLike
	arn    [6]pattern // ArnLike, per ARN field
	arnAll bool       // ArnLike value that is not a six-field ARN: one glob
	num    float64
	when   time.Time
	prefix netip.Prefix
	isNull bool // Null: "true"
}

func compileConditions(c Conditions, variables bool) ([]condition, error) {
	ops := make([]string, 0, len(c))
	for op := range c {
		ops = append(ops, op)
	}
	sort.Strings(ops) // deterministic error messages
	var out []condition
	for _, name := range ops {
		op, err := parseOperator(name)
		if err != nil {
			return nil, fmt.Errorf("Condition %v", err)
		}
		keys := make([]string, 0, len(c[name]))
		for k := range c[name] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, key := range keys {
			cond := condition{key: key, op: op}
			for _, raw := range c[name][key] {
				v, err := compileValue(op.base, raw, variables)
				if err != nil {
					return nil, fmt.Errorf("Condition %s key %q: %v", name, key, err)
				}
				cond.vals = append(cond.vals, v)
			}
			if len(cond.vals) == 0 {
				return nil, fmt.Errorf("Condition %s key %q has no values", name, key)
			}
			out = append(out, cond)
		}
	}
	return out, nil
}

func compileValue(base baseOp, raw string, variables bool) (condValue, error) {
	v := condValue{str: raw}
	switch base {
	case opStringEquals, opStringEqualsIgnoreCase:
		if variables {
			v.tpl = parseTemplate(raw)
		}
	case opStringLike:
		v.pat = compilePattern(raw, false, variables)
	case opArnLike:
		if variables {
			if v.tpl = parseTemplate(raw); v.tpl != nil {
				return v, nil // compiled per request, once resolved
			}
		}
		v.arn, v.arnAll, v.pat = compileARNPattern(raw)
	case opNumericEquals, opNumericLessThan, opNumericLessThanEquals, opNumericGreaterThan, opNumericGreaterThanEquals:
		n, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return v, fmt.Errorf("%q is not a number", raw)
		}
		v.num = n
	case opDateEquals, opDateLessThan, opDateLessThanEquals, opDateGreaterThan, opDateGreaterThanEquals:
		t, ok := parseDate(raw)
		if !ok {
			return v, fmt.Errorf("%q is not a date (ISO 8601, e.g. 2020-04-01T00:00:00Z, or epoch seconds)", raw)
		}
		v.when = t
	case opBool:
		v.str = strings.ToLower(raw)
		if v.str != "true" && v.str != "false" {
			return v, fmt.Errorf("%q is not true or false", raw)
		}
	case opNull:
		switch strings.ToLower(raw) {
		case "true":
			v.isNull = true
		case "false":
		default:
			return v, fmt.Errorf("%q is not true or false", raw)
		}
	case opIPAddress:
		p, err := parsePrefix(raw)
		if err != nil {
			return v, fmt.Errorf("%q is not an IP address or CIDR block", raw)
		}
		v.prefix = p
	}
	return v, nil
}

// compileARNPattern compiles an ArnLike/ArnEquals value. AWS checks each of
// the six colon-delimited components of the ARN separately
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN),
// so a '*' never matches across a colon: a value starting "arn:" with fewer
// than six components (e.g. "arn:aws:sns:us-east-1:*") matches no ARN. A
// value that is not ARN-shaped at all (e.g. "*") is one glob.
func compileARNPattern(s string) (fields [6]pattern, whole bool, glob pattern) {
	f, ok := splitARN(s)
	if !ok {
		if strings.HasPrefix(s, "arn:") {
			return fields, true, pattern{kind: patNever}
		}
		return fields, true, compilePattern(s, false, false)
	}
	for i := range f {
		fields[i] = compilePattern(f[i], false, false)
	}
	return fields, false, pattern{}
}

func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

var dateLayouts = []string{
	time.RFC3339Nano, // also takes RFC 3339 without fractions
	"2006-01-02T15:04:05",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"20060102T150405Z0700",
	"20060102T150405Z",
	"2006-01-02",
}

// parseDate accepts the ISO 8601 forms IAM does, and epoch seconds.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), true
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// eval applies the condition to the request. Semantics, as AWS documents them:
// a missing key makes a positive operator false and a negated one true;
// ...IfExists makes a missing key true; Null tests presence only;
// ForAllValues is true when every request value matches (and when there are
// none); ForAnyValue is true when at least one does (false when none).
// Without a set qualifier a positive operator needs one request value to match
// one policy value, and the negated operator is its exact negation.
func (c *condition) eval(req *Request) bool {
	// A policy variable with no value in a negated operator would otherwise
	// make "not equal to nothing" true for every request: AWS treats such a
	// condition as not matching (the statement does not apply).
	// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-no-value
	if c.op.negate && c.unresolved(req) {
		return false
	}
	vals, present := req.lookup(c.key)
	if c.op.base == opNull {
		for i := range c.vals {
			if c.vals[i].isNull != present {
				return true
			}
		}
		return false
	}
	if !present {
		switch {
		case c.op.set == setAllValues:
			return true
		case c.op.set == setAnyValue:
			return false
		case c.op.ifExists:
			return true
		}
		return c.op.negate
	}
	switch c.op.set {
	case setAllValues:
		for _, v := range vals {
			if c.matchAny(v, req) == c.op.negate {
				return false
			}
		}
		return true
	case setAnyValue:
		for _, v := range vals {
			if c.matchAny(v, req) != c.op.negate {
				return true
			}
		}
		return false
	}
	// Without a set operator the operator compares one request value. AWS
	// documents that a multivalued context key (aws:TagKeys, ...) "requires a
	// condition set operator" (ForAllValues/ForAnyValue):
	// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
	// Several request values are therefore compared as one set, which equals
	// (or is like) no single policy value: the positive operator is false and
	// the negated one, its exact negation, true. Matching "any value" here
	// would let StringEquals aws:TagKeys "a" allow a request adding tags a and b.
	if len(vals) > 1 {
		return c.op.negate
	}
	for _, v := range vals {
		if c.matchAny(v, req) {
			return !c.op.negate
		}
	}
	return c.op.negate
}

// unresolved reports whether a policy value holds a variable the request has
// no value for (and no default).
func (c *condition) unresolved(req *Request) bool {
	for i := range c.vals {
		pv := &c.vals[i]
		if pv.tpl != nil {
			if _, ok := pv.tpl.resolve(req, false); !ok {
				return true
			}
		}
		if !pv.pat.resolves(req) {
			return true
		}
	}
	return false
}

// matchAny: does request value v match at least one policy value under the
// positive form of the operator? (Multiple policy values are OR-ed.)
func (c *condition) matchAny(v string, req *Request) bool {
	switch c.op.base {
	case opNumericEquals, opNumericLessThan, opNumericLessThanEquals, opNumericGreaterThan, opNumericGreaterThanEquals:
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return false
		}
		for i := range c.vals {
			if compareNumbers(c.op.base, n, c.vals[i].num) {
				return true
			}
		}
		return false
	case opDateEquals, opDateLessThan, opDateLessThanEquals, opDateGreaterThan, opDateGreaterThanEquals:
		t, ok := parseDate(v)
		if !ok {
			return false
		}
		for i := range c.vals {
			if compareDates(c.op.base, t, c.vals[i].when) {
				return true
			}
		}
		return false
	case opIPAddress:
		a, err := netip.ParseAddr(strings.TrimSpace(v))
		if err != nil {
			return false
		}
		a = a.Unmap()
		for i := range c.vals {
			if c.vals[i].prefix.Contains(a) {
				return true
			}
		}
		return false
	}
	for i := range c.vals {
		if c.vals[i].matchString(c.op.base, v, req) {
			return true
		}
	}
	return false
}

func (pv *condValue) matchString(base baseOp, v string, req *Request) bool {
	want := pv.str
	if pv.tpl != nil && base != opStringLike {
		resolved, ok := pv.tpl.resolve(req, false)
		if !ok {
			return false
		}
		want = resolved
	}
	switch base {
	case opStringEquals, opBinaryEquals:
		return v == want
	case opStringEqualsIgnoreCase:
		return strings.EqualFold(v, want)
	case opBool:
		return strings.EqualFold(v, want)
	case opStringLike:
		return pv.pat.match(v, req)
	case opArnLike:
		if pv.tpl != nil {
			fields, whole, glob := compileARNPattern(want)
			return matchARN(fields, whole, &glob, v, req)
		}
		return matchARN(pv.arn, pv.arnAll, &pv.pat, v, req)
	}
	return false
}

func matchARN(fields [6]pattern, whole bool, glob *pattern, v string, req *Request) bool {
	if whole {
		return glob.match(v, req)
	}
	f, ok := splitARN(v)
	if !ok {
		return false
	}
	for i := range f {
		if !fields[i].match(f[i], req) {
			return false
		}
	}
	return true
}

func compareNumbers(op baseOp, got, want float64) bool {
	switch op {
	case opNumericEquals:
		return got == want
	case opNumericLessThan:
		return got < want
	case opNumericLessThanEquals:
		return got <= want
	case opNumericGreaterThan:
		return got > want
	case opNumericGreaterThanEquals:
		return got >= want
	}
	return false
}

func compareDates(op baseOp, got, want time.Time) bool {
	switch op {
	case opDateEquals:
		return got.Equal(want)
	case opDateLessThan:
		return got.Before(want)
	case opDateLessThanEquals:
		return !got.After(want)
	case opDateGreaterThan:
		return got.After(want)
	case opDateGreaterThanEquals:
		return !got.Before(want)
	}
	return false
}
