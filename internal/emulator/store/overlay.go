package store

import (
	"bytes"
	"slices"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// overlay holds what the write-ahead log has acknowledged and bbolt has
// not absorbed yet, so reads see every acknowledged write without paying
// for a checkpoint (a bbolt commit) first. Entries are recorded as their
// log record is synced and forgotten once the checkpoint that absorbed
// their segment has committed, so it holds at most what the checkpointer
// lets pile up (checkpointBytes, or checkpointEvery's worth).
type overlay struct {
	mu      sync.RWMutex
	buckets map[string]*pendingBucket
}

type pendingBucket struct {
	// dropped is the segment whose record dropped the bucket (0: not
	// dropped since the last checkpoint): what bbolt holds of it is gone.
	dropped uint64
	keys    map[string]pendingOp
}

type pendingOp struct {
	value []byte // nil: deleted
	seg   uint64
}

// record adds a synced batch logged in segment seg.
func (o *overlay) record(batch []*write, seg uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.buckets == nil {
		o.buckets = map[string]*pendingBucket{}
	}
	for _, w := range batch {
		for _, op := range w.ops {
			b := o.buckets[op.Bucket]
			if b == nil {
				b = &pendingBucket{keys: map[string]pendingOp{}}
				o.buckets[op.Bucket] = b
			}
			switch {
			case op.DeleteBucket:
				b.dropped = seg
				clear(b.keys)
			case op.Delete:
				b.keys[op.Key] = pendingOp{seg: seg}
			default:
				v := op.Value
				if v == nil {
					v = []byte{}
				}
				b.keys[op.Key] = pendingOp{value: v, seg: seg}
			}
		}
	}
}

// forget drops what segments up to seg hold: bbolt has it now.
func (o *overlay) forget(seg uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for name, b := range o.buckets {
		if b.dropped <= seg {
			b.dropped = 0
		}
		for k, p := range b.keys {
			if p.seg <= seg {
				delete(b.keys, k)
			}
		}
		if b.dropped == 0 && len(b.keys) == 0 {
			delete(o.buckets, name)
		}
	}
}

// get answers from the overlay: found is false when bbolt must be asked.
func (o *overlay) get(bucket, key string) (value []byte, found bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	b := o.buckets[bucket]
	if b == nil {
		return nil, false
	}
	if p, ok := b.keys[key]; ok {
		return p.value, true
	}
	return nil, b.dropped != 0
}

type pendingKV struct {
	key   string
	value []byte // nil: deleted
}

// snapshot is the bucket's pending keys in [from, to) in key order, and
// whether bbolt's copy of the bucket is to be ignored (dropped).
func (o *overlay) snapshot(bucket string, from, to []byte) (kvs []pendingKV, dropped bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	b := o.buckets[bucket]
	if b == nil {
		return nil, false
	}
	for k, p := range b.keys {
		if inRange([]byte(k), from, to) {
			kvs = append(kvs, pendingKV{k, p.value})
		}
	}
	slices.SortFunc(kvs, func(a, b pendingKV) int { return strings.Compare(a.key, b.key) })
	return kvs, b.dropped != 0
}

func inRange(k, from, to []byte) bool {
	return bytes.Compare(k, from) >= 0 && (to == nil || bytes.Compare(k, to) < 0)
}

// Get returns a copy of bucket/key, or nil when absent.
func (s *Store) Get(bucket, key string) ([]byte, error) {
	if v, found := s.pending.get(bucket, key); found {
		if v == nil {
			return nil, nil
		}
		return bytes.Clone(v), nil
	}
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte(bucket)); b != nil {
			if v := b.Get([]byte(key)); v != nil {
				out = append([]byte(nil), v...)
			}
		}
		return nil
	})
	return out, err
}

// Scan calls fn for the keys of bucket in [from, to) (to nil: no upper
// bound), in increasing key order or, with reverse, decreasing, until fn
// returns false. It reads bbolt directly, with what the log holds and
// bbolt does not yet on top, so its cost is that of the keys visited, not
// of the bucket. The slices are only valid during the call.
func (s *Store) Scan(bucket string, from, to []byte, reverse bool, fn func(key, value []byte) bool) error {
	if from == nil {
		from = []byte{}
	}
	pend, dropped := s.pending.snapshot(bucket, from, to)
	return s.db.View(func(tx *bolt.Tx) error {
		var c *bolt.Cursor
		if b := tx.Bucket([]byte(bucket)); b != nil && !dropped {
			c = b.Cursor()
		}
		// The stored side: a cursor positioned at the range's first key
		// in the direction of travel.
		var k, v []byte
		next := func() {
			if reverse {
				k, v = c.Prev()
			} else {
				k, v = c.Next()
			}
			if k != nil && !inRange(k, from, to) {
				k, v = nil, nil
			}
		}
		if c != nil {
			if reverse {
				if to == nil {
					k, v = c.Last()
				} else if k, v = c.Seek(to); k == nil {
					k, v = c.Last()
				} else {
					k, v = c.Prev()
				}
			} else {
				k, v = c.Seek(from)
			}
			if k != nil && !inRange(k, from, to) {
				k, v = nil, nil
			}
		}
		if reverse {
			slices.Reverse(pend)
		}
		i := 0
		for k != nil || i < len(pend) {
			var cmp int
			switch {
			case k == nil:
				cmp = 1
			case i == len(pend):
				cmp = -1
			default:
				cmp = bytes.Compare(k, []byte(pend[i].key))
				if reverse {
					cmp = -cmp
				}
			}
			switch {
			case cmp < 0: // stored only
				if !fn(k, v) {
					return nil
				}
				next()
			default: // pending wins over stored
				if cmp == 0 {
					next()
				}
				p := pend[i]
				i++
				if p.value != nil && !fn([]byte(p.key), p.value) {
					return nil
				}
			}
		}
		return nil
	})
}
