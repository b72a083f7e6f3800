package sqs

import (
	"time"

	"github.com/orders-dev/orders/internal/emulator/realism"
)

// What the realism profile adds to SQS, after the SQS API Reference (see
// realism.SQSQueueCreate and its neighbours): a new queue answers
// NonExistentQueue for a moment; a Policy changed with SetQueueAttributes
// applies to deliveries by AWS services (SNS) only after a while, until
// then the old policy judges them; a deleted queue's URL is still returned
// by GetQueueUrl while the deletion runs, and its name cannot be created
// again until the deletion is over (QueueDeletedRecently, always on).

// policyLag is a queue's Policy as deliveries see it while a change
// propagates. Guarded by the queue's mu.
type policyLag struct {
	previous string    // the policy deliveries are judged by until at
	at       time.Time // when the current policy applies to deliveries
}

// knownAt reports whether q, created moments ago, is known yet at now.
func (q *queue) knownAt(now time.Time) bool { return !now.Before(q.visibleAt) }

// deliveryPolicyLocked is the policy an AWS service's delivery is judged
// by at now. q.mu is held.
func (q *queue) deliveryPolicyLocked(now time.Time) string {
	if now.Before(q.policyLag.at) {
		return q.policyLag.previous
	}
	return q.attrs[attrPolicy]
}

// policyChangedLocked starts the propagation of a Policy set by
// SetQueueAttributes; old is the policy before. q.mu is held.
func (q *queue) policyChangedLocked(p *realism.Profile, now time.Time, old string) {
	d := p.Delay(realism.SQSPolicyPropagation)
	if d <= 0 {
		return
	}
	if !now.Before(q.policyLag.at) { // the last change has applied: it is the old one now
		q.policyLag.previous = old
	}
	q.policyLag.at = now.Add(d)
}

// stillDeleting reports whether key's queue was deleted less than the
// deletion time ago, so GetQueueUrl still finds it.
func (s *Service) stillDeleting(key queueKey, now time.Time) bool {
	d := s.opts.Realism.Delay(realism.SQSDeleteQueue)
	if d <= 0 {
		return false
	}
	s.mu.RLock()
	at, ok := s.deleted[key]
	s.mu.RUnlock()
	return ok && now.Sub(at) < d
}
