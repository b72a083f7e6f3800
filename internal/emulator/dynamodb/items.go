package dynamodb

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/orders-dev/orders/internal/emulator/store"
)

// Items live in the store, not in memory: a read goes to the table's dirty
// items first (changed, not yet durable), then to the store, which answers
// from bbolt and what its log holds. So opening a table costs the same
// whatever it holds, and a read costs the keys it visits.

type dirtyItem struct {
	item Item // nil: deleted
	seq  uint64
}

// tableStats is a table's statsBucket record.
type tableStats struct {
	Count int64 `json:"count"`
	Bytes int64 `json:"bytes"`
}

// statsOp records the table's statistics; the caller holds t.mu.
func (t *table) statsOp() store.Op {
	return store.Put(statsBucket, t.key, marshalJSON(tableStats{Count: t.count, Bytes: t.bytes}))
}

// markDirty records a change made under t.mu's write lock, whose ops the
// caller appends to the commit log next (so they get the next sequence).
func (t *table) markDirty(key string, it Item) {
	seq := t.log.observed() + 1
	t.dirtyMu.Lock()
	t.dirty[key] = dirtyItem{item: it, seq: seq}
	t.dirtyMu.Unlock()
}

// forgetDirty drops the entries the store now holds.
func (t *table) forgetDirty(upto uint64) {
	t.dirtyMu.Lock()
	defer t.dirtyMu.Unlock()
	for k, d := range t.dirty {
		if d.seq <= upto {
			delete(t.dirty, k)
		}
	}
}

// clearDirty forgets key's change: the store holds it (a write made
// outside the commit log, under t.mu's write lock, as a transaction's).
func (t *table) clearDirty(key string) {
	t.dirtyMu.Lock()
	delete(t.dirty, key)
	t.dirtyMu.Unlock()
}

// item returns the item at key, or nil; the caller holds t.mu.
func (t *table) item(key string) (Item, error) {
	t.dirtyMu.Lock()
	d, ok := t.dirty[key]
	t.dirtyMu.Unlock()
	if ok {
		return d.item, nil
	}
	b, err := t.st.Get(t.bucket, key)
	if err != nil || b == nil {
		return nil, err
	}
	return decodeItem(b)
}

func decodeItem(b []byte) (Item, error) {
	var it Item
	if err := json.Unmarshal(b, &it); err != nil {
		return nil, fmt.Errorf("decode item: %w", err)
	}
	return it, nil
}

// scan calls fn for the items with keys in [lo, hi) (hi "": no upper
// bound), in key order or, backwards, in reverse, until fn returns false.
// The caller holds t.mu.
func (t *table) scan(lo, hi string, forward bool, fn func(key string, it Item) bool) error {
	var dirty []string
	t.dirtyMu.Lock()
	for k := range t.dirty {
		if k >= lo && (hi == "" || k < hi) {
			dirty = append(dirty, k)
		}
	}
	pending := make(map[string]Item, len(dirty))
	for _, k := range dirty {
		pending[k] = t.dirty[k].item
	}
	t.dirtyMu.Unlock()
	slices.Sort(dirty)
	if !forward {
		slices.Reverse(dirty)
	}
	// before reports whether a comes before b in the direction of travel.
	before := func(a, b string) bool {
		if forward {
			return a < b
		}
		return a > b
	}
	stopped := false
	emitDirty := func(k string) bool {
		if it := pending[k]; it != nil && !fn(k, it) {
			stopped = true
			return false
		}
		return true
	}
	var decodeErr error
	var to []byte
	if hi != "" {
		to = []byte(hi)
	}
	err := t.st.Scan(t.bucket, []byte(lo), to, !forward, func(kb, v []byte) bool {
		k := string(kb)
		for len(dirty) > 0 && before(dirty[0], k) {
			if !emitDirty(dirty[0]) {
				return false
			}
			dirty = dirty[1:]
		}
		if len(dirty) > 0 && dirty[0] == k { // changed since stored
			dirty = dirty[1:]
			return emitDirty(k)
		}
		it, err := decodeItem(v)
		if err != nil {
			decodeErr = fmt.Errorf("table %s: %w", t.name, err)
			return false
		}
		if !fn(k, it) {
			stopped = true
			return false
		}
		return true
	})
	if err != nil {
		return err
	}
	if decodeErr != nil {
		return decodeErr
	}
	for _, k := range dirty {
		if stopped || !emitDirty(k) {
			break
		}
	}
	return nil
}

// loadStats reads a table's statistics, counting its items once when a
// data dir written before they were kept has none.
func (t *table) loadStats() (store.Op, bool, error) {
	b, err := t.st.Get(statsBucket, t.key)
	if err != nil {
		return store.Op{}, false, err
	}
	if b != nil {
		var ts tableStats
		if err := json.Unmarshal(b, &ts); err != nil {
			return store.Op{}, false, fmt.Errorf("decode statistics of table %s: %w", t.name, err)
		}
		t.count, t.bytes = ts.Count, ts.Bytes
		return store.Op{}, false, nil
	}
	err = t.st.ForEach(t.bucket, func(_, v []byte) error {
		it, err := decodeItem(v)
		if err != nil {
			return err
		}
		t.count++
		t.bytes += int64(itemSize(it))
		return nil
	})
	if err != nil {
		return store.Op{}, false, err
	}
	return t.statsOp(), true, nil
}
