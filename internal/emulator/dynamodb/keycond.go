package dynamodb

import (
	"github.com/orders-dev/orders/internal/emulator/service"
)

// keyBounds is a Query's key condition turned into a range of encoded
// keys [lo, hi): one partition, optionally narrowed by the sort key.
type keyBounds struct {
	lo, hi string
}

// keyTerm is one leaf of a key condition: attribute, operator, values.
type keyTerm struct {
	name string
	op   string // = < <= > >= BETWEEN begins_with
	vals []Value
}

func keyCondError(format string, args ...any) *service.Error {
	return service.Validation(format, args...)
}

// keyTerms flattens the ANDs of a key condition into its terms,
// rejecting every construct a key condition cannot hold.
func keyTerms(c *cond, out []keyTerm) ([]keyTerm, error) {
	switch c.kind {
	case cAnd:
		out, err := keyTerms(c.l, out)
		if err != nil {
			return nil, err
		}
		return keyTerms(c.r, out)
	case cOr:
		return nil, keyCondError("Invalid operator used in KeyConditionExpression: OR")
	case cNot:
		return nil, keyCondError("Invalid operator used in KeyConditionExpression: NOT")
	case cIn:
		return nil, keyCondError("Invalid operator used in KeyConditionExpression: IN")
	case cFunc:
		if c.op != "begins_with" {
			return nil, keyCondError("Invalid operator used in KeyConditionExpression: %s", c.op)
		}
	case cCmp:
		if c.op == "<>" {
			return nil, keyCondError("Invalid operator used in KeyConditionExpression: <>")
		}
	}
	op := c.op
	args := c.args
	if c.kind == cCmp && args[0].kind == opValue && args[1].kind == opPath {
		// :v < k is k > :v
		args = []*operand{args[1], args[0]}
		op = map[string]string{"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}[op]
	}
	var name string
	var vals []Value
	for i, a := range args {
		switch a.kind {
		case opPath:
			if i > 0 || name != "" {
				return nil, keyCondError("Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition")
			}
			if len(a.path) != 1 {
				return nil, keyCondError("Invalid condition in KeyConditionExpression: Nested attributes are not supported in key conditions: %s", a.path)
			}
			name = a.path[0].name
		case opValue:
			vals = append(vals, a.val)
		default:
			return nil, keyCondError("Invalid operator used in KeyConditionExpression: size")
		}
	}
	if name == "" {
		return nil, keyCondError("Invalid condition in KeyConditionExpression: No key attribute specified")
	}
	return append(out, keyTerm{name: name, op: op, vals: vals}), nil
}

// keyBoundsOf validates a parsed KeyConditionExpression against the
// table's key schema and returns the key range it selects.
func (t *table) keyBoundsOf(c *cond) (keyBounds, error) {
	terms, err := keyTerms(c, nil)
	if err != nil {
		return keyBounds{}, err
	}
	if len(terms) > 2 {
		return keyBounds{}, keyCondError("Conditions can be of length 1 or 2 only")
	}
	byName := map[string]keyTerm{}
	for _, k := range terms {
		if _, dup := byName[k.name]; dup {
			return keyBounds{}, keyCondError("KeyConditionExpressions must only contain one condition per key")
		}
		byName[k.name] = k
	}
	hash, ok := byName[t.hash.name]
	if !ok {
		return keyBounds{}, keyCondError("Query condition missed key schema element: %s", t.hash.name)
	}
	rng, hasRange := byName[t.rng.name]
	if t.rng.name == "" {
		hasRange = false
	}
	for _, k := range terms {
		if k.name != t.hash.name && (t.rng.name == "" || k.name != t.rng.name) {
			if t.rng.name != "" && !hasRange {
				return keyBounds{}, keyCondError("Query condition missed key schema element: %s", t.rng.name)
			}
			return keyBounds{}, keyCondError("Query key condition not supported")
		}
	}
	if hash.op != "=" {
		return keyBounds{}, keyCondError("Query key condition not supported")
	}
	for _, k := range terms {
		a := t.hash
		if k.name != t.hash.name {
			a = t.rng
		}
		for _, v := range k.vals {
			if v.Kind != a.kind {
				return keyBounds{}, keyCondError("One or more parameter values were invalid: Condition parameter type does not match schema type")
			}
			if err := t.checkKeyValue(a, v); err != nil {
				return keyBounds{}, err
			}
		}
	}
	p := appendKeyPart(nil, hash.vals[0])
	if !hasRange {
		return keyBounds{lo: string(p), hi: prefixEnd(p)}, nil
	}
	if rng.op == "begins_with" && t.rng.kind == KindN {
		return keyBounds{}, keyCondError("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N")
	}
	at := func(v Value) string { return string(appendKeyPart(append([]byte(nil), p...), v)) }
	switch rng.op {
	case "=":
		k := at(rng.vals[0])
		return keyBounds{lo: k, hi: keyAfter(k)}, nil
	case "<":
		return keyBounds{lo: string(p), hi: at(rng.vals[0])}, nil
	case "<=":
		return keyBounds{lo: string(p), hi: keyAfter(at(rng.vals[0]))}, nil
	case ">":
		return keyBounds{lo: keyAfter(at(rng.vals[0])), hi: prefixEnd(p)}, nil
	case ">=":
		return keyBounds{lo: at(rng.vals[0]), hi: prefixEnd(p)}, nil
	case "BETWEEN":
		return keyBounds{lo: at(rng.vals[0]), hi: keyAfter(at(rng.vals[1]))}, nil
	case "begins_with":
		v := rng.vals[0]
		raw := []byte(v.S)
		if v.Kind == KindB {
			raw = v.B
		}
		pre := appendBytesKey(append([]byte(nil), p...), raw, false)
		return keyBounds{lo: string(pre), hi: prefixEnd(pre)}, nil
	}
	return keyBounds{}, keyCondError("Query key condition not supported")
}
