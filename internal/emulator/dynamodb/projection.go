package dynamodb

import "sort"

// projNode is a tree of projected paths: a node is either taken whole or
// narrowed to some map keys / list indexes.
type projNode struct {
	whole  bool
	fields map[string]*projNode
	idx    map[int]*projNode
}

func (n *projNode) add(p docPath) {
	cur := n
	for _, e := range p {
		if cur.whole {
			return
		}
		var next *projNode
		if e.isIndex {
			if cur.idx == nil {
				cur.idx = map[int]*projNode{}
			}
			if next = cur.idx[e.index]; next == nil {
				next = &projNode{}
				cur.idx[e.index] = next
			}
		} else {
			if cur.fields == nil {
				cur.fields = map[string]*projNode{}
			}
			if next = cur.fields[e.name]; next == nil {
				next = &projNode{}
				cur.fields[e.name] = next
			}
		}
		cur = next
	}
	cur.whole, cur.fields, cur.idx = true, nil, nil
}

// project returns the parts of it named by paths, shaped as DynamoDB
// answers a ProjectionExpression: nested maps keep only the named keys,
// lists only the named elements, in index order.
func project(it Item, paths []docPath) Item {
	if it == nil {
		return nil
	}
	root := &projNode{}
	for _, p := range paths {
		root.add(p)
	}
	out := Item{}
	for name, n := range root.fields {
		if v, ok := it[name]; ok {
			if pv, ok := n.apply(v); ok {
				out[name] = pv
			}
		}
	}
	return out
}

func (n *projNode) apply(v Value) (Value, bool) {
	if n.whole {
		return v, true
	}
	switch {
	case v.Kind == KindM && n.fields != nil:
		m := Item{}
		for k, c := range n.fields {
			if x, ok := v.M[k]; ok {
				if px, ok := c.apply(x); ok {
					m[k] = px
				}
			}
		}
		if len(m) == 0 {
			return Value{}, false
		}
		return Value{Kind: KindM, M: m}, true
	case v.Kind == KindL && n.idx != nil:
		keys := make([]int, 0, len(n.idx))
		for i := range n.idx {
			keys = append(keys, i)
		}
		sort.Ints(keys)
		var l []Value
		for _, i := range keys {
			if i < len(v.L) {
				if px, ok := n.idx[i].apply(v.L[i]); ok {
					l = append(l, px)
				}
			}
		}
		if len(l) == 0 {
			return Value{}, false
		}
		return Value{Kind: KindL, L: l}, true
	}
	return Value{}, false
}

// projectNames is the legacy AttributesToGet: top-level names.
func projectNames(it Item, names []string) Item {
	if it == nil {
		return nil
	}
	out := Item{}
	for _, n := range names {
		if v, ok := it[n]; ok {
			out[n] = v
		}
	}
	return out
}
