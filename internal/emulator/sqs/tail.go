package sqs

import (
	"container/heap"
	"encoding/json"
	"fmt"
	"time"

	"github.com/orders-dev/orders/internal/emulator/store"
)

// The tail. Opening the service reads no messages: what a queue held when
// it was opened (sequence numbers up to tailEnd) stays in the store and is
// loaded in send order, a chunk at a time, when receives need it; messages
// sent since live in memory as well. So an open costs the same whatever the
// queues hold, and memory holds what is being received, not the backlog.
// A message still in the tail is counted as visible (the Approximate*
// counts are approximate on AWS too). Messages that were ever received
// (they have a receive state: in flight, or back after their visibility
// timeout) are loaded at open, so every receipt handle names a message in
// memory; the backlog nobody received stays in the store.

// refillChunk is how many messages one load from the tail reads.
const refillChunk = 256

// countersBucket holds each queue incarnation's number of stored messages
// (store counters, keyed by its message bucket), so an open knows how many
// the tail holds without reading them.
const countersBucket = "sqs.counts"

func (q *queue) countOp(delta int64) store.Op { return store.Add(countersBucket, q.msgBucket, delta) }

func (q *queue) hasTail() bool { return q.tailNext <= q.tailEnd }

// openTail sets up the tail of a queue just loaded: its counter (counted
// once for a data dir written before there were counters) and its last
// sequence number.
func (q *queue) openTail() ([]store.Op, error) {
	var ops []store.Op
	n, found, err := q.st.Counter(countersBucket, q.msgBucket)
	if err != nil {
		return nil, err
	}
	if !found {
		n = 0
		if err := q.st.ForEach(q.msgBucket, func(_, _ []byte) error { n++; return nil }); err != nil {
			return nil, err
		}
		ops = append(ops, store.Put(countersBucket, q.msgBucket, []byte(fmt.Sprint(n))))
	}
	var last uint64
	err = q.st.Scan(q.msgBucket, nil, nil, true, func(_, v []byte) bool {
		var rec messageRecord
		if json.Unmarshal(v, &rec) == nil {
			last = rec.Seq
		}
		return false
	})
	if err != nil {
		return nil, err
	}
	q.seq.Store(last)
	q.tailNext, q.tailEnd, q.tailCount = 1, last, int(n)
	// The received ones, from their receive states.
	var received []*message
	var readErr error
	err = q.st.Scan(q.stateBucket, nil, nil, false, func(k, state []byte) bool {
		v, err := q.st.Get(q.msgBucket, string(k))
		if err != nil {
			readErr = err
			return false
		}
		if v == nil { // a receive that raced a delete left it
			ops = append(ops, store.Del(q.stateBucket, string(k)))
			return true
		}
		m, err := decodeStored(v, state)
		if err != nil {
			readErr = fmt.Errorf("%s: %w", k, err)
			return false
		}
		received = append(received, m)
		return true
	})
	if err == nil {
		err = readErr
	}
	if err != nil {
		return nil, err
	}
	for _, m := range received {
		q.msgs[m.id] = m
		heap.Push(&q.ready, m)
	}
	q.tailCount = max(0, q.tailCount-len(received))
	return ops, nil
}

// decodeStored rebuilds a message from its records.
func decodeStored(v, state []byte) (*message, error) {
	var rec messageRecord
	if err := json.Unmarshal(v, &rec); err != nil {
		return nil, fmt.Errorf("decode message: %w", err)
	}
	m := &message{
		id: rec.ID, seq: rec.Seq, body: rec.Body, attrs: rec.Attributes,
		md5Body: md5Hex(rec.Body), md5Attrs: md5OfAttributes(rec.Attributes),
		sentAt: fromNanos(rec.SentAt), visibleAt: fromNanos(rec.VisibleAt),
		senderID: rec.SenderID, trace: rec.Trace, groupID: rec.GroupID, dlqSource: rec.DLQSource, index: -1,
		completer: rec.Completer,
	}
	if state != nil {
		var sr stateRecord
		if err := json.Unmarshal(state, &sr); err != nil {
			return nil, fmt.Errorf("decode message state: %w", err)
		}
		m.receiveCount, m.firstReceive, m.receipt = sr.ReceiveCount, fromNanos(sr.FirstReceive), sr.Receipt
		m.visibleAt = fromNanos(sr.VisibleAt)
	}
	return m, nil
}

// refill loads the next chunk of the tail into memory; expired messages
// are not loaded, and their deletes are returned for the caller to write.
// Caller holds q.mu.
func (q *queue) refill(now time.Time) ([]store.Op, error) {
	from, to := []byte(seqKey(q.tailNext)), []byte(seqKey(q.tailEnd+1))
	states := map[string][]byte{}
	var ms []*message
	var last uint64
	var decodeErr error
	err := q.st.Scan(q.msgBucket, from, to, false, func(k, v []byte) bool {
		if len(ms) == refillChunk {
			return false
		}
		m, err := decodeStored(v, nil)
		if err != nil {
			decodeErr = fmt.Errorf("%s: %w", k, err)
			return false
		}
		ms = append(ms, m)
		last = m.seq
		return true
	})
	if err == nil {
		err = decodeErr
	}
	if err != nil {
		return nil, err
	}
	if len(ms) < refillChunk {
		last = q.tailEnd // read to the end
	}
	err = q.st.Scan(q.stateBucket, from, []byte(seqKey(last+1)), false, func(k, v []byte) bool {
		states[string(k)] = append([]byte(nil), v...)
		return true
	})
	if err != nil {
		return nil, err
	}
	var ops []store.Op
	for _, m := range ms {
		if q.msgs[m.id] != nil {
			continue // received before the open: loaded then
		}
		q.tailCount = max(0, q.tailCount-1)
		if st := states[seqKey(m.seq)]; st != nil {
			var sr stateRecord
			if err := json.Unmarshal(st, &sr); err != nil {
				return nil, fmt.Errorf("decode message state %s: %w", seqKey(m.seq), err)
			}
			m.receiveCount, m.firstReceive, m.receipt = sr.ReceiveCount, fromNanos(sr.FirstReceive), sr.Receipt
			m.visibleAt = fromNanos(sr.VisibleAt)
		}
		if q.expired(m, now) {
			ops = append(ops, q.delMessage(m)...)
			continue
		}
		q.msgs[m.id] = m
		heap.Push(&q.ready, m)
	}
	q.tailNext = last + 1
	if !q.hasTail() {
		q.tailCount = 0
	}
	return ops, nil
}

// fill loads from the tail until a message is visible now or the tail is
// exhausted, keeping at least maxN messages ready when it can. Caller
// holds q.mu.
func (q *queue) fill(now time.Time, maxN int) ([]store.Op, error) {
	var ops []store.Op
	for q.hasTail() && (q.ready.Len() < maxN || q.ready[0].visibleAt.After(now)) {
		more, err := q.refill(now)
		if err != nil {
			return ops, err
		}
		ops = append(ops, more...)
	}
	return ops, nil
}

// expireTail deletes the tail's expired messages, oldest first, stopping
// at the first that is not (messages are stored in send order). Caller
// holds q.mu; the deletes are written before it returns, so a refill
// cannot load them meanwhile.
func (q *queue) expireTail(now time.Time, limit int) (int, error) {
	if !q.hasTail() {
		return 0, nil
	}
	var ops []store.Op
	n := 0
	var decodeErr error
	err := q.st.Scan(q.msgBucket, []byte(seqKey(q.tailNext)), []byte(seqKey(q.tailEnd+1)), false, func(k, v []byte) bool {
		if n == limit {
			return false
		}
		m, err := decodeStored(v, nil)
		if err != nil {
			decodeErr = fmt.Errorf("%s: %w", k, err)
			return false
		}
		if !q.expired(m, now) {
			return false
		}
		if q.msgs[m.id] == nil { // else the in-memory sweep takes it
			ops = append(ops, q.delMessage(m)...)
			n++
		}
		return true
	})
	if err == nil {
		err = decodeErr
	}
	if err != nil || n == 0 {
		return 0, err
	}
	if err := q.st.Write(ops...); err != nil {
		return 0, err
	}
	q.tailCount = max(0, q.tailCount-n)
	return n, nil
}

// purgeTail deletes every message of the tail. Caller holds q.mu.
func (q *queue) purgeTail() ([]store.Op, error) {
	if !q.hasTail() {
		return nil, nil
	}
	var ops []store.Op
	n := int64(0)
	from, to := []byte(seqKey(q.tailNext)), []byte(seqKey(q.tailEnd+1))
	err := q.st.Scan(q.msgBucket, from, to, false, func(k, v []byte) bool {
		var rec messageRecord
		if json.Unmarshal(v, &rec) == nil && q.msgs[rec.ID] != nil {
			return true // loaded: the caller purges it with the rest
		}
		ops = append(ops, store.Del(q.msgBucket, string(k)), store.Del(q.stateBucket, string(k)))
		n++
		return true
	})
	if err != nil {
		return nil, err
	}
	if n > 0 {
		ops = append(ops, q.countOp(-n))
	}
	q.tailNext, q.tailCount = q.tailEnd+1, 0
	return ops, nil
}
