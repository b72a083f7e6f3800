package dynamodb

import "sort"

// keyIndex keeps a table's encoded primary keys in order, in blocks of at
// most maxBlock keys: insert and remove cost a binary search plus a bounded
// copy, and iteration either way is a walk over the blocks. It is guarded
// by its table's lock.
type keyIndex struct {
	blocks [][]string
	n      int
}

const maxBlock = 256

func (x *keyIndex) len() int { return x.n }

// block returns the index of the first block whose last key is >= k
// (len(blocks) when k is past every key).
func (x *keyIndex) block(k string) int {
	return sort.Search(len(x.blocks), func(i int) bool {
		b := x.blocks[i]
		return b[len(b)-1] >= k
	})
}

// insert adds k, which must not be present.
func (x *keyIndex) insert(k string) {
	x.n++
	if len(x.blocks) == 0 {
		x.blocks = [][]string{{k}}
		return
	}
	bi := x.block(k)
	if bi == len(x.blocks) {
		bi-- // past the end: append to the last block
	}
	b := x.blocks[bi]
	i := sort.SearchStrings(b, k)
	b = append(b, "")
	copy(b[i+1:], b[i:])
	b[i] = k
	if len(b) <= maxBlock {
		x.blocks[bi] = b
		return
	}
	// Split in halves; each half gets its own backing array so later
	// appends to one cannot overwrite the other.
	half := len(b) / 2
	left := append(make([]string, 0, maxBlock+1), b[:half]...)
	right := append(make([]string, 0, maxBlock+1), b[half:]...)
	x.blocks = append(x.blocks, nil)
	copy(x.blocks[bi+2:], x.blocks[bi+1:])
	x.blocks[bi] = left
	x.blocks[bi+1] = right
}

// remove deletes k if present.
func (x *keyIndex) remove(k string) {
	bi := x.block(k)
	if bi == len(x.blocks) {
		return
	}
	b := x.blocks[bi]
	i := sort.SearchStrings(b, k)
	if i == len(b) || b[i] != k {
		return
	}
	x.n--
	copy(b[i:], b[i+1:])
	b[len(b)-1] = ""
	b = b[:len(b)-1]
	if len(b) == 0 {
		copy(x.blocks[bi:], x.blocks[bi+1:])
		x.blocks[len(x.blocks)-1] = nil
		x.blocks = x.blocks[:len(x.blocks)-1]
		return
	}
	x.blocks[bi] = b
}

// ascend calls fn for keys in [from, to) in increasing order until fn
// returns false; to == "" means no upper bound.
func (x *keyIndex) ascend(from, to string, fn func(k string) bool) {
	for bi := x.block(from); bi < len(x.blocks); bi++ {
		b := x.blocks[bi]
		i := 0
		if len(b) > 0 && b[0] < from {
			i = sort.SearchStrings(b, from)
		}
		for ; i < len(b); i++ {
			if to != "" && b[i] >= to {
				return
			}
			if !fn(b[i]) {
				return
			}
		}
	}
}

// descend calls fn for keys in [from, to) in decreasing order until fn
// returns false; to == "" means no upper bound.
func (x *keyIndex) descend(from, to string, fn func(k string) bool) {
	bi := len(x.blocks) - 1
	if to != "" {
		bi = x.block(to)
		if bi == len(x.blocks) {
			bi--
		}
	}
	for ; bi >= 0; bi-- {
		b := x.blocks[bi]
		i := len(b) - 1
		if to != "" {
			i = sort.SearchStrings(b, to) - 1 // last key < to
		}
		for ; i >= 0; i-- {
			if b[i] < from {
				return
			}
			if !fn(b[i]) {
				return
			}
		}
	}
}

// appendSorted adds k, greater than every key present: loading from the
// store, whose keys arrive in order, builds the index without searching.
func (x *keyIndex) appendSorted(k string) {
	x.n++
	if n := len(x.blocks); n > 0 && len(x.blocks[n-1]) < maxBlock {
		x.blocks[n-1] = append(x.blocks[n-1], k)
		return
	}
	b := make([]string, 1, maxBlock+1)
	b[0] = k
	x.blocks = append(x.blocks, b)
}
