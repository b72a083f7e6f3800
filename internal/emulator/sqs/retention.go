package sqs

import (
	"fmt"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// Retention. "Amazon SQS automatically deletes messages that have been in a
// queue for more than the maximum message retention period" (the queue's
// MessageRetentionPeriod, 4 days by default), whether or not anyone ever
// receives them; for a standard queue the age counts from the original
// enqueue time even after a move to a dead-letter queue
// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-basic-architecture.html,
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/setting-up-dead-letter-queue-retention.html).
// Receives already skip and drop expired messages at the head of the queue;
// the sweeper deletes the rest, so an unread queue does not grow forever.
// Deleted keys free their bbolt pages, which later writes reuse.

// defaultExpireEvery is how often the sweeper looks for expired messages.
const defaultExpireEvery = time.Minute

// expireBatch bounds one store write of the sweeper, so a sweep of a big
// backlog never makes one huge log record or holds a queue's lock long.
const expireBatch = 1024

// sweep deletes expired messages until Close.
func (s *Service) sweep(every time.Duration) {
	service.Sweep(s.done, every, s.now, s.expire, func(n int, err error) {
		s.log.Warn("sqs: delete expired messages", "err", err, "deleted", n)
	})
}

// expire deletes every message older than its queue's retention period at
// now, from memory and from the store, and returns how many it deleted.
func (s *Service) expire(now time.Time) (int, error) {
	s.mu.RLock()
	queues := make([]*queue, 0, len(s.queues))
	for _, q := range s.queues {
		queues = append(queues, q)
	}
	s.mu.RUnlock()
	total := 0
	for _, q := range queues {
		for {
			q.mu.Lock()
			n, err := 0, error(nil)
			if !q.deleted {
				n, err = q.expireTail(now, expireBatch)
			}
			q.mu.Unlock()
			total += n
			if err != nil {
				return total, fmt.Errorf("delete expired messages of queue %s: %w", q.key.Name, err)
			}
			if n < expireBatch {
				break
			}
		}
		for {
			ops, n := q.takeExpired(now, expireBatch)
			if n == 0 {
				break
			}
			// Gone from memory first: a failed write leaves the records in
			// the store, and load drops them as expired at the next start.
			if err := s.st.Write(ops...); err != nil {
				return total, fmt.Errorf("delete expired messages of queue %s: %w", q.key.Name, err)
			}
			total += n
			if n < expireBatch {
				break
			}
		}
	}
	return total, nil
}

// takeExpired removes up to limit expired messages from the queue and
// returns the store deletes for them.
func (q *queue) takeExpired(now time.Time, limit int) ([]store.Op, int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.deleted {
		return nil, 0
	}
	var ops []store.Op
	n := 0
	for _, m := range q.msgs {
		if n == limit {
			break
		}
		if q.expired(m, now) {
			q.remove(m)
			ops = append(ops, q.delMessage(m)...)
			n++
		}
	}
	return ops, n
}
