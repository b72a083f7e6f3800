package sqs

import (
	"container/heap"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orders-dev/orders/internal/emulator/store"
)

// queue is one queue's state. Its mutex guards everything below it; queues
// never lock each other while holding their own lock.
type queue struct {
	key queueKey
	arn string
	// id names this incarnation of the queue: its store buckets and receipt
	// handles carry it, so a queue deleted and created again under the same
	// name never sees the old one's messages or accepts its handles.
	id          string
	msgBucket   string
	stateBucket string
	seq         atomic.Uint64
	waiters     atomic.Int32 // long polls parked on avail (diagnostics, tests)
	// visibleAt is when a new queue becomes known (realism); set before the
	// queue is published, never changed.
	visibleAt time.Time

	mu        sync.Mutex
	attrs     map[string]string
	cfg       queueConfig
	tags      map[string]string
	created   time.Time
	modified  time.Time
	lastPurge time.Time
	deleted   bool
	policyLag policyLag
	msgs      map[string]*message // those in memory: sent since the open, or loaded from the tail
	ready     msgHeap
	// The tail (tail.go): stored messages with sequence numbers in
	// [tailNext, tailEnd] are not in memory yet; tailCount of them remain.
	st        *store.Store
	tailNext  uint64
	tailEnd   uint64
	tailCount int
	// avail is closed (and replaced) whenever a message becomes visible
	// now, waking long polls without any of them spinning.
	avail chan struct{}
}

// queueConfig is the attributes the hot path needs, parsed once.
type queueConfig struct {
	visibility time.Duration
	delay      time.Duration
	retention  time.Duration
	wait       time.Duration
	maxSize    int
	redrive    *redrivePolicy
}

func newQueue(st *store.Store, key queueKey, id string, attrs, tags map[string]string, created time.Time) *queue {
	q := &queue{
		st:       st,
		tailNext: 1, // no tail

		key:         key,
		arn:         key.arn(),
		id:          id,
		msgBucket:   "sqs.msgs/" + key.storeKey() + "/" + id,
		stateBucket: "sqs.state/" + key.storeKey() + "/" + id,
		tags:        tags,
		created:     created,
		modified:    created,
		msgs:        map[string]*message{},
		avail:       make(chan struct{}),
	}
	if q.tags == nil {
		q.tags = map[string]string{}
	}
	q.setAttributes(attrs)
	return q
}

// setAttributes replaces the attribute map and the parsed config; the
// values were validated by normalizeAttribute.
func (q *queue) setAttributes(attrs map[string]string) {
	q.attrs = attrs
	secs := func(name string) time.Duration {
		n, _ := strconv.Atoi(attrs[name])
		return time.Duration(n) * time.Second
	}
	q.cfg = queueConfig{
		visibility: secs(attrVisibilityTimeout),
		delay:      secs(attrDelaySeconds),
		retention:  secs(attrRetention),
		wait:       secs(attrWaitTime),
	}
	q.cfg.maxSize, _ = strconv.Atoi(attrs[attrMaximumMessageSize])
	if rp := attrs[attrRedrivePolicy]; rp != "" {
		if p, err := parseRedrivePolicy(rp); err == nil {
			q.cfg.redrive = &p
		}
	}
}

// signal wakes every long poll waiting on the queue. Caller holds q.mu.
func (q *queue) signal() {
	close(q.avail)
	q.avail = make(chan struct{})
}

// add puts a message in the queue. Caller holds q.mu.
func (q *queue) add(m *message, now time.Time) {
	q.msgs[m.id] = m
	heap.Push(&q.ready, m)
	if !m.visibleAt.After(now) {
		q.signal()
	}
}

// remove takes a message out of the queue. Caller holds q.mu.
func (q *queue) remove(m *message) {
	delete(q.msgs, m.id)
	if m.index >= 0 {
		heap.Remove(&q.ready, m.index)
	}
}

// counts are the Approximate* attributes. Caller holds q.mu.
func (q *queue) counts(now time.Time) (visible, notVisible, delayed int) {
	for _, m := range q.msgs {
		switch {
		case q.expired(m, now):
			// Gone as far as SQS is concerned; dropped on the next receive.
		case !m.visibleAt.After(now):
			visible++
		case m.receiveCount > 0:
			notVisible++
		default:
			delayed++
		}
	}
	return visible + q.tailCount, notVisible, delayed
}

func (q *queue) expired(m *message, now time.Time) bool {
	return !m.sentAt.Add(q.cfg.retention).After(now)
}
