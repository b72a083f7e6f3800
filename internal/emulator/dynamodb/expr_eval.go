package dynamodb

import (
	"bytes"
	"strconv"
	"strings"
)

// resolve follows a document path into an item; ok is false when any step
// is missing or of the wrong type.
func resolve(it Item, p docPath) (Value, bool) {
	if it == nil || len(p) == 0 {
		return Value{}, false
	}
	v, ok := it[p[0].name]
	if !ok {
		return Value{}, false
	}
	for _, e := range p[1:] {
		if e.isIndex {
			if v.Kind != KindL || e.index >= len(v.L) {
				return Value{}, false
			}
			v = v.L[e.index]
			continue
		}
		if v.Kind != KindM {
			return Value{}, false
		}
		if v, ok = v.M[e.name]; !ok {
			return Value{}, false
		}
	}
	return v, true
}

// value evaluates a condition operand against an item.
func (o *operand) value(it Item) (Value, bool) {
	switch o.kind {
	case opPath:
		return resolve(it, o.path)
	case opValue:
		return o.val, true
	case opSize:
		v, ok := o.args[0].value(it)
		if !ok {
			return Value{}, false
		}
		n, ok := sizeOf(v)
		if !ok {
			return Value{}, false
		}
		return Value{Kind: KindN, S: strconv.Itoa(n)}, true
	}
	return Value{}, false
}

// sizeOf is DynamoDB's size(): UTF-8 length, bytes, or element count.
func sizeOf(v Value) (int, bool) {
	switch v.Kind {
	case KindS:
		return len(v.S), true // bytes, as AWS documents
	case KindB:
		return len(v.B), true
	case KindSS, KindNS:
		return len(v.SS), true
	case KindBS:
		return len(v.BS), true
	case KindL:
		return len(v.L), true
	case KindM:
		return len(v.M), true
	}
	return 0, false
}

// eval evaluates a condition. A comparison with an operand that does not
// exist is false, whatever the comparator, as in DynamoDB.
func (c *cond) eval(it Item) bool {
	switch c.kind {
	case cAnd:
		return c.l.eval(it) && c.r.eval(it)
	case cOr:
		return c.l.eval(it) || c.r.eval(it)
	case cNot:
		return !c.l.eval(it)
	case cCmp:
		a, ok1 := c.args[0].value(it)
		b, ok2 := c.args[1].value(it)
		if !ok1 || !ok2 {
			return false
		}
		return compareWith(c.op, a, b)
	case cBetween:
		x, ok1 := c.args[0].value(it)
		lo, ok2 := c.args[1].value(it)
		hi, ok3 := c.args[2].value(it)
		if !ok1 || !ok2 || !ok3 {
			return false
		}
		return compareWith(">=", x, lo) && compareWith("<=", x, hi)
	case cIn:
		x, ok := c.args[0].value(it)
		if !ok {
			return false
		}
		for _, o := range c.args[1:] {
			if v, ok := o.value(it); ok && equalValues(x, v) {
				return true
			}
		}
		return false
	case cFunc:
		return evalFunction(c.op, c.args, it)
	}
	return false
}

func compareWith(op string, a, b Value) bool {
	switch op {
	case "=":
		return equalValues(a, b)
	case "<>":
		return !equalValues(a, b)
	}
	n, ok := compareScalars(a, b)
	if !ok {
		return false
	}
	switch op {
	case "<":
		return n < 0
	case "<=":
		return n <= 0
	case ">":
		return n > 0
	case ">=":
		return n >= 0
	}
	return false
}

func evalFunction(name string, args []*operand, it Item) bool {
	switch name {
	case "attribute_exists":
		_, ok := args[0].value(it)
		return ok
	case "attribute_not_exists":
		_, ok := args[0].value(it)
		return !ok
	case "attribute_type":
		v, ok := args[0].value(it)
		t, _ := args[1].value(it)
		return ok && v.Kind.String() == t.S
	case "begins_with":
		a, ok1 := args[0].value(it)
		b, ok2 := args[1].value(it)
		if !ok1 || !ok2 || a.Kind != b.Kind {
			return false
		}
		switch a.Kind {
		case KindS:
			return strings.HasPrefix(a.S, b.S)
		case KindB:
			return bytes.HasPrefix(a.B, b.B)
		}
		return false
	case "contains":
		a, ok1 := args[0].value(it)
		b, ok2 := args[1].value(it)
		if !ok1 || !ok2 {
			return false
		}
		return containsValue(a, b)
	}
	return false
}

func containsValue(a, b Value) bool {
	switch a.Kind {
	case KindS:
		return b.Kind == KindS && strings.Contains(a.S, b.S)
	case KindB:
		return b.Kind == KindB && bytes.Contains(a.B, b.B)
	case KindSS:
		return b.Kind == KindS && containsString(a.SS, b.S)
	case KindNS:
		return b.Kind == KindN && containsString(a.SS, b.S)
	case KindBS:
		if b.Kind != KindB {
			return false
		}
		for _, x := range a.BS {
			if bytes.Equal(x, b.B) {
				return true
			}
		}
	case KindL:
		for _, x := range a.L {
			if equalValues(x, b) {
				return true
			}
		}
	}
	return false
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// paths lists every document path a condition reads (for the rule that a
// Query filter may not name key attributes).
func (c *cond) paths(out []docPath) []docPath {
	if c == nil {
		return out
	}
	out = c.l.paths(out)
	out = c.r.paths(out)
	for _, o := range c.args {
		out = o.paths(out)
	}
	return out
}

func (o *operand) paths(out []docPath) []docPath {
	if o.kind == opPath {
		out = append(out, o.path)
	}
	for _, a := range o.args {
		out = a.paths(out)
	}
	return out
}
