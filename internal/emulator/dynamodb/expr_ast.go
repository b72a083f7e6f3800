package dynamodb

import (
	"strconv"
	"strings"
)

// pathElem is one step of a document path: an attribute / map key, or a
// list index.
type pathElem struct {
	name    string
	index   int
	isIndex bool
}

// docPath is a resolved document path (placeholders replaced).
type docPath []pathElem

// String renders a path the way AWS's messages do: [a, b, [0]].
func (p docPath) String() string {
	parts := make([]string, len(p))
	for i, e := range p {
		if e.isIndex {
			parts[i] = "[" + strconv.Itoa(e.index) + "]"
		} else {
			parts[i] = e.name
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

type operandKind uint8

const (
	opPath operandKind = iota
	opValue
	opSize        // size(path)
	opIfNotExists // if_not_exists(path, operand)
	opListAppend  // list_append(a, b)
	opPlus        // a + b
	opMinus       // a - b
	opInvalid     // a function that cannot be an operand (already reported)
)

// operand is a value-producing node.
type operand struct {
	kind operandKind
	path docPath
	val  Value
	args []*operand
}

type condKind uint8

const (
	cAnd condKind = iota
	cOr
	cNot
	cCmp     // op is = <> < <= > >=
	cBetween // args: x, low, high
	cIn      // args: x, candidates...
	cFunc    // op is the function name
)

// cond is a boolean node of a condition, filter or key condition.
type cond struct {
	kind condKind
	op   string
	l, r *cond
	args []*operand
}

type actionKind uint8

const (
	actSet actionKind = iota
	actRemove
	actAdd
	actDelete
)

var actionNames = [...]string{"SET", "REMOVE", "ADD", "DELETE"}

// updateAction is one clause of an update expression.
type updateAction struct {
	kind actionKind
	path docPath
	val  *operand // SET: the value tree; ADD/DELETE: the value
}

type updateExpr struct {
	actions []updateAction
}
