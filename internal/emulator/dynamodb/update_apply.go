package dynamodb

import (
	"bytes"
	"sort"

	"github.com/orders-dev/orders/internal/emulator/service"
)

const (
	msgMissingOperand = "The provided expression refers to an attribute that does not exist in the item"
	msgBadDataType    = "An operand in the update expression has an incorrect data type"
	msgBadUpdatePath  = "The document path provided in the update expression is invalid for update"
)

// updateValue evaluates a SET operand against the item as it was before
// the update (every SET reads the old item, as in DynamoDB).
func (o *operand) updateValue(old Item) (Value, *service.Error) {
	switch o.kind {
	case opValue:
		return o.val, nil
	case opPath:
		v, ok := resolve(old, o.path)
		if !ok {
			return Value{}, service.Validation(msgMissingOperand)
		}
		return v, nil
	case opIfNotExists:
		if v, ok := resolve(old, o.args[0].path); ok {
			return v, nil
		}
		return o.args[1].updateValue(old)
	case opListAppend:
		a, err := o.args[0].updateValue(old)
		if err != nil {
			return Value{}, err
		}
		b, err := o.args[1].updateValue(old)
		if err != nil {
			return Value{}, err
		}
		if a.Kind != KindL || b.Kind != KindL {
			return Value{}, service.Validation(msgBadDataType)
		}
		l := make([]Value, 0, len(a.L)+len(b.L))
		l = append(append(l, a.L...), b.L...)
		return Value{Kind: KindL, L: l}, nil
	case opPlus, opMinus:
		a, err := o.args[0].updateValue(old)
		if err != nil {
			return Value{}, err
		}
		b, err := o.args[1].updateValue(old)
		if err != nil {
			return Value{}, err
		}
		if a.Kind != KindN || b.Kind != KindN {
			return Value{}, service.Validation(msgBadDataType)
		}
		y := mustDecimal(b.S)
		if o.kind == opMinus {
			y = negDecimal(y)
		}
		return numberValue(addDecimal(mustDecimal(a.S), y))
	}
	return Value{}, service.Validation(msgBadDataType)
}

// numberValue checks an arithmetic result against DynamoDB's range.
func numberValue(d decimal) (Value, *service.Error) {
	if msg := d.check(); msg != "" {
		return Value{}, service.Validation("%s", msg)
	}
	return Value{Kind: KindN, S: d.String()}, nil
}

// applyUpdate returns the item after ue; old is not modified (nil when the
// item does not exist yet, in which case base holds its key).
func applyUpdate(old, base Item, ue *updateExpr) (Item, error) {
	// Evaluate every SET value first, against the old item.
	vals := make([]Value, len(ue.actions))
	for i, a := range ue.actions {
		if a.kind != actSet {
			continue
		}
		v, verr := a.val.updateValue(old)
		if verr != nil {
			return nil, verr
		}
		vals[i] = v
	}
	it := make(Item, len(base)+len(ue.actions))
	for k, v := range base {
		it[k] = v
	}
	var removes []updateAction
	for i, a := range ue.actions {
		var err *service.Error
		switch a.kind {
		case actSet:
			err = setPath(it, a.path, vals[i])
		case actRemove:
			removes = append(removes, a)
		case actAdd:
			err = addPath(it, a.path, a.val.val)
		case actDelete:
			err = deletePath(it, a.path, a.val.val)
		}
		if err != nil {
			return nil, err
		}
	}
	// Indexes of REMOVE refer to the list as it was: drop the highest first.
	sort.SliceStable(removes, func(i, j int) bool { return removeOrder(removes[i].path, removes[j].path) })
	for _, a := range removes {
		if err := removePath(it, a.path); err != nil {
			return nil, err
		}
	}
	return it, nil
}

// removeOrder sorts removals of elements of one list by descending index.
func removeOrder(a, b docPath) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	n := len(a) - 1
	if !samePath(a[:n], b[:n]) || !a[n].isIndex || !b[n].isIndex {
		return false
	}
	return a[n].index > b[n].index
}

// edit walks to the parent of path's last element, copying every map and
// list on the way (stored values are shared and never mutated), and calls
// fn with the parent container.
func edit(it Item, path docPath, create bool, fn func(parent *Value, last pathElem) *service.Error) *service.Error {
	root := Value{Kind: KindM, M: it}
	return editValue(&root, path, create, fn, true)
}

func editValue(cur *Value, path docPath, create bool, fn func(parent *Value, last pathElem) *service.Error, isRoot bool) *service.Error {
	if len(path) == 1 {
		if !isRoot {
			copyContainer(cur)
		}
		return fn(cur, path[0])
	}
	e := path[0]
	if !isRoot {
		copyContainer(cur)
	}
	var child Value
	switch {
	case e.isIndex:
		if cur.Kind != KindL || e.index >= len(cur.L) {
			return errMissingParent(create)
		}
		child = cur.L[e.index]
	default:
		if cur.Kind != KindM {
			return errMissingParent(create)
		}
		c, ok := cur.M[e.name]
		if !ok {
			return errMissingParent(create)
		}
		child = c
	}
	if child.Kind != KindM && child.Kind != KindL {
		return service.Validation(msgBadUpdatePath)
	}
	if err := editValue(&child, path[1:], create, fn, false); err != nil {
		return err
	}
	if e.isIndex {
		cur.L[e.index] = child
	} else {
		cur.M[e.name] = child
	}
	return nil
}

// errMissingParent: a write below a missing attribute is invalid; a
// removal there is simply nothing to do.
func errMissingParent(create bool) *service.Error {
	if create {
		return service.Validation(msgBadUpdatePath)
	}
	return errNothing
}

// errNothing stops a removal whose path does not exist; callers treat it
// as success.
var errNothing = &service.Error{Code: "nothing"}

func copyContainer(v *Value) {
	switch v.Kind {
	case KindM:
		m := make(Item, len(v.M)+1)
		for k, x := range v.M {
			m[k] = x
		}
		v.M = m
	case KindL:
		v.L = append(make([]Value, 0, len(v.L)+1), v.L...)
	}
}

func setPath(it Item, path docPath, v Value) *service.Error {
	return edit(it, path, true, func(parent *Value, last pathElem) *service.Error {
		if last.isIndex {
			if parent.Kind != KindL {
				return service.Validation(msgBadUpdatePath)
			}
			if last.index >= len(parent.L) {
				parent.L = append(parent.L, v) // past the end appends, as in DynamoDB
			} else {
				parent.L[last.index] = v
			}
			return nil
		}
		if parent.Kind != KindM {
			return service.Validation(msgBadUpdatePath)
		}
		parent.M[last.name] = v
		return nil
	})
}

func removePath(it Item, path docPath) *service.Error {
	err := edit(it, path, false, func(parent *Value, last pathElem) *service.Error {
		if last.isIndex {
			if parent.Kind != KindL {
				return service.Validation(msgBadUpdatePath)
			}
			if last.index < len(parent.L) {
				parent.L = append(parent.L[:last.index], parent.L[last.index+1:]...)
			}
			return nil
		}
		if parent.Kind != KindM {
			return service.Validation(msgBadUpdatePath)
		}
		delete(parent.M, last.name)
		return nil
	})
	if err == errNothing {
		return nil
	}
	return err
}

// addPath is ADD: numbers are added (a missing attribute counts as 0),
// sets gain the new elements.
func addPath(it Item, path docPath, v Value) *service.Error {
	return edit(it, path, true, func(parent *Value, last pathElem) *service.Error {
		cur, exists := childOf(parent, last)
		if !exists {
			return putChild(parent, last, v)
		}
		if cur.Kind != v.Kind {
			return service.Validation(msgBadDataType)
		}
		var out Value
		switch v.Kind {
		case KindN:
			n, err := numberValue(addDecimal(mustDecimal(cur.S), mustDecimal(v.S)))
			if err != nil {
				return err
			}
			out = n
		case KindSS, KindNS:
			out = Value{Kind: v.Kind, SS: append([]string(nil), cur.SS...)}
			for _, s := range v.SS {
				if !containsString(out.SS, s) {
					out.SS = append(out.SS, s)
				}
			}
		case KindBS:
			out = Value{Kind: KindBS, BS: append([][]byte(nil), cur.BS...)}
			for _, b := range v.BS {
				if !containsBytes(out.BS, b) {
					out.BS = append(out.BS, b)
				}
			}
		default:
			return service.Validation(msgBadDataType)
		}
		return putChild(parent, last, out)
	})
}

// deletePath is DELETE: set elements are removed; an emptied set goes.
func deletePath(it Item, path docPath, v Value) *service.Error {
	err := edit(it, path, false, func(parent *Value, last pathElem) *service.Error {
		cur, exists := childOf(parent, last)
		if !exists {
			return nil
		}
		if cur.Kind != v.Kind {
			return service.Validation(msgBadDataType)
		}
		out := Value{Kind: cur.Kind}
		switch cur.Kind {
		case KindSS, KindNS:
			for _, s := range cur.SS {
				if !containsString(v.SS, s) {
					out.SS = append(out.SS, s)
				}
			}
			if len(out.SS) == 0 {
				return dropChild(parent, last)
			}
		case KindBS:
			for _, b := range cur.BS {
				if !containsBytes(v.BS, b) {
					out.BS = append(out.BS, b)
				}
			}
			if len(out.BS) == 0 {
				return dropChild(parent, last)
			}
		default:
			return service.Validation(msgBadDataType)
		}
		return putChild(parent, last, out)
	})
	if err == errNothing {
		return nil
	}
	return err
}

func containsBytes(set [][]byte, b []byte) bool {
	for _, x := range set {
		if bytes.Equal(x, b) {
			return true
		}
	}
	return false
}

func childOf(parent *Value, e pathElem) (Value, bool) {
	if e.isIndex {
		if parent.Kind == KindL && e.index < len(parent.L) {
			return parent.L[e.index], true
		}
		return Value{}, false
	}
	if parent.Kind == KindM {
		v, ok := parent.M[e.name]
		return v, ok
	}
	return Value{}, false
}

func putChild(parent *Value, e pathElem, v Value) *service.Error {
	if e.isIndex {
		if parent.Kind != KindL {
			return service.Validation(msgBadUpdatePath)
		}
		if e.index >= len(parent.L) {
			parent.L = append(parent.L, v)
		} else {
			parent.L[e.index] = v
		}
		return nil
	}
	if parent.Kind != KindM {
		return service.Validation(msgBadUpdatePath)
	}
	parent.M[e.name] = v
	return nil
}

func dropChild(parent *Value, e pathElem) *service.Error {
	if e.isIndex {
		if parent.Kind == KindL && e.index < len(parent.L) {
			parent.L = append(parent.L[:e.index], parent.L[e.index+1:]...)
		}
		return nil
	}
	if parent.Kind == KindM {
		delete(parent.M, e.name)
	}
	return nil
}
