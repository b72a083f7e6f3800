package dynamodb

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/orders-dev/orders/internal/emulator/store"
)

// commitLog orders one table's store writes and makes them durable in
// groups. A writer changes memory and appends its ops under the table's
// lock (so the log order is the order of the changes), releases the lock,
// then waits until its sequence number is durable before answering. While
// one waiter writes a batch to the store, later appends accumulate and go
// in the next batch: concurrent writers to one table share commits instead
// of each holding the table through an fsync.
//
// Readers wait for the sequence number they observed, so nothing a client
// is told — an item, or a failed condition — can be lost by a crash.
type commitLog struct {
	st *store.Store

	appended atomic.Uint64 // last sequence number handed out
	durable  atomic.Uint64 // every op up to here is in the store

	mu       sync.Mutex
	cond     *sync.Cond
	pending  []store.Op
	flushing bool
	err      error // sticky: after a failed write the table answers 500s

	// onDurable, if set, is told each time everything up to a sequence
	// number is in the store (under mu).
	onDurable func(upto uint64)
}

func newCommitLog(st *store.Store) *commitLog {
	c := &commitLog{st: st}
	c.cond = sync.NewCond(&c.mu)
	return c
}

// append queues ops and returns their sequence number. The caller holds
// the table's write lock.
func (c *commitLog) append(ops ...store.Op) uint64 {
	c.mu.Lock()
	c.pending = append(c.pending, ops...)
	seq := c.appended.Add(1)
	c.mu.Unlock()
	return seq
}

// observed is the sequence number a reader must wait for: everything
// already applied to memory. The caller holds the table's lock (read or
// write).
func (c *commitLog) observed() uint64 { return c.appended.Load() }

// failed reports a previous store failure.
func (c *commitLog) failed() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// wait returns once seq is durable, writing pending batches itself when no
// one else is.
func (c *commitLog) wait(seq uint64) error {
	if c.durable.Load() >= seq {
		return nil
	}
	// Nothing past what was handed out can become durable: waiting for it
	// would never end.
	seq = min(seq, c.appended.Load())
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.durable.Load() < seq {
		if c.err != nil {
			return c.err
		}
		if c.flushing {
			c.cond.Wait()
			continue
		}
		c.flushing = true
		ops := c.pending
		c.pending = nil
		upto := c.appended.Load()
		c.mu.Unlock()
		err := c.st.Write(ops...)
		c.mu.Lock()
		c.flushing = false
		if err != nil {
			c.err = fmt.Errorf("write table changes to the store: %w", err)
		} else {
			c.durable.Store(upto)
			if c.onDurable != nil {
				c.onDurable(upto)
			}
		}
		c.cond.Broadcast()
	}
	return nil
}
