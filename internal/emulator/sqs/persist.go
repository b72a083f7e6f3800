package sqs

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// Store layout (values are JSON):
//
// A message record is written once at send, and once more if its body is
// completed at its first receive (SetBodyCompleter).
//
//	sqs.queues                     REGION/ACCOUNT/NAME -> queueRecord
//	sqs.deleted                    REGION/ACCOUNT/NAME -> deletion time (for QueueDeletedRecently)
//	sqs.msgs/REGION/ACCOUNT/NAME/ID   SEQ -> messageRecord (immutable: written once at send)
//	sqs.state/REGION/ACCOUNT/NAME/ID  SEQ -> stateRecord (receive count and visibility; small,
//	                                  rewritten on every receive so bodies are not)
//
// ID is the queue incarnation, so a deleted queue's buckets are dropped and
// never mixed with a new queue of the same name. SEQ is the message's send
// sequence as 16 hex digits: new messages append at the end of the B+tree
// instead of dirtying random pages (as random message ids would), which
// keeps each commit small while a queue fills up.
const (
	bucketQueues  = "sqs.queues"
	bucketDeleted = "sqs.deleted"
	prefixMsgs    = "sqs.msgs/"
	prefixState   = "sqs.state/"
)

type queueRecord struct {
	Region     string            `json:"region"`
	Account    string            `json:"account"`
	Name       string            `json:"name"`
	ID         string            `json:"id"`
	Attributes map[string]string `json:"attributes"`
	Tags       map[string]string `json:"tags,omitempty"`
	Created    int64             `json:"created"`  // unix nanoseconds
	Modified   int64             `json:"modified"` // unix nanoseconds
	LastPurge  int64             `json:"lastPurge,omitempty"`
}

type messageRecord struct {
	ID         string                              `json:"id"`
	Seq        uint64                              `json:"seq"`
	Body       string                              `json:"body"`
	Attributes map[string]service.MessageAttribute `json:"attributes,omitempty"`
	SentAt     int64                               `json:"sentAt"`    // unix nanoseconds
	VisibleAt  int64                               `json:"visibleAt"` // first visibility (after delay)
	SenderID   string                              `json:"senderId"`
	Trace      string                              `json:"trace,omitempty"`
	GroupID    string                              `json:"groupId,omitempty"`
	DLQSource  string                              `json:"dlqSource,omitempty"`
	Completer  string                              `json:"completer,omitempty"`
}

type stateRecord struct {
	ReceiveCount int    `json:"receiveCount"`
	FirstReceive int64  `json:"firstReceive"`
	VisibleAt    int64  `json:"visibleAt"`
	Receipt      string `json:"receipt"`
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Records are plain structs of strings and numbers.
		panic(fmt.Sprintf("sqs: encode record: %v", err))
	}
	return b
}

// record snapshots the queue's metadata. Caller holds q.mu.
func (q *queue) record() queueRecord {
	return queueRecord{
		Region: q.key.Region, Account: q.key.Account, Name: q.key.Name, ID: q.id,
		Attributes: q.attrs, Tags: q.tags,
		Created: nanos(q.created), Modified: nanos(q.modified), LastPurge: nanos(q.lastPurge),
	}
}

func (q *queue) putRecord() store.Op {
	return store.Put(bucketQueues, q.key.storeKey(), mustJSON(q.record()))
}

func (q *queue) putMessage(m *message) store.Op {
	return store.Put(q.msgBucket, seqKey(m.seq), mustJSON(messageRecord{
		ID: m.id, Seq: m.seq, Body: m.body, Attributes: m.attrs,
		SentAt: nanos(m.sentAt), VisibleAt: nanos(m.visibleAt),
		SenderID: m.senderID, Trace: m.trace, GroupID: m.groupID, DLQSource: m.dlqSource, Completer: m.completer,
	}))
}

// putState records a message's receive state. Caller holds q.mu.
func (q *queue) putState(m *message) store.Op {
	return store.Put(q.stateBucket, seqKey(m.seq), mustJSON(stateRecord{
		ReceiveCount: m.receiveCount, FirstReceive: nanos(m.firstReceive),
		VisibleAt: nanos(m.visibleAt), Receipt: m.receipt,
	}))
}

func (q *queue) delMessage(m *message) []store.Op {
	key := seqKey(m.seq)
	return []store.Op{store.Del(q.msgBucket, key), store.Del(q.stateBucket, key), q.countOp(-1)}
}

func seqKey(seq uint64) string { return fmt.Sprintf("%016x", seq) }

// load rebuilds every queue from the store, not its messages (tail.go).
// Buckets left by deleted queues are dropped.
func (s *Service) load() error {
	var cleanup []store.Op
	err := s.st.ForEach(bucketQueues, func(k, v []byte) error {
		var rec queueRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("decode queue %s: %w", k, err)
		}
		key := queueKey{Region: rec.Region, Account: rec.Account, Name: rec.Name}
		attrs := defaultAttributes()
		for name, value := range rec.Attributes {
			attrs[name] = value
		}
		q := newQueue(s.st, key, rec.ID, attrs, rec.Tags, fromNanos(rec.Created))
		q.modified = fromNanos(rec.Modified)
		q.lastPurge = fromNanos(rec.LastPurge)
		s.queues[key] = q
		return nil
	})
	if err != nil {
		return fmt.Errorf("load queues: %w", err)
	}
	err = s.st.ForEach(bucketDeleted, func(k, v []byte) error {
		var when int64
		if err := json.Unmarshal(v, &when); err != nil {
			return fmt.Errorf("decode deleted queue %s: %w", k, err)
		}
		parts := strings.SplitN(string(k), "/", 3)
		if len(parts) == 3 {
			s.deleted[queueKey{Region: parts[0], Account: parts[1], Name: parts[2]}] = fromNanos(when)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load deleted queues: %w", err)
	}
	live := map[string]bool{}
	for _, q := range s.queues {
		live[q.msgBucket], live[q.stateBucket] = true, true
		ops, err := q.openTail()
		if err != nil {
			return fmt.Errorf("load messages of queue %s: %w", q.key.Name, err)
		}
		cleanup = append(cleanup, ops...)
	}
	for _, prefix := range []string{prefixMsgs, prefixState} {
		names, err := s.st.Buckets(prefix)
		if err != nil {
			return fmt.Errorf("list buckets %s: %w", prefix, err)
		}
		for _, b := range names {
			if !live[b] {
				cleanup = append(cleanup, store.DropBucket(b))
			}
		}
	}
	if err := s.st.Write(cleanup...); err != nil {
		return fmt.Errorf("clean up stale queue data: %w", err)
	}
	return nil
}
