package lambda

import (
	"sync"
	"time"

	"github.com/orders-dev/orders/internal/emulator/realism"
)

// What the realism profile adds to Lambda, after the Lambda Developer
// Guide's "Lambda function states" (see realism.LambdaPending): a new
// function is Pending for a while, during which invoking or updating it is
// ResourceConflictException; an update leaves LastUpdateStatus InProgress
// for a while, during which another update is ResourceConflictException
// and invocations run the previous code and configuration. The states live
// in memory: after a restart every function is Active and Successful.

// lifecycle is a function's realism state.
type lifecycle struct {
	mu        sync.Mutex
	activeAt  time.Time // Pending before this
	updatedAt time.Time // LastUpdateStatus InProgress before this
	// next is the updated record the instances switch to at updatedAt;
	// until then they keep running the previous one.
	next *record
}

// settle applies an update whose InProgress window is over to fn's
// instances, and reports fn's states at now.
func (fn *function) settle(now time.Time) (pending, updating bool) {
	l := &fn.life
	l.mu.Lock()
	pending = now.Before(l.activeAt)
	updating = now.Before(l.updatedAt)
	var next *record
	if !updating && l.next != nil {
		next, l.next = l.next, nil
	}
	l.mu.Unlock()
	if next != nil {
		fn.pool.reconfigure(next)
	}
	return pending, updating
}

// busy is the ResourceConflictException AWS answers for an operation on
// a function that is Pending or being updated.
func (fn *function) busy(now time.Time, arn string) error {
	pending, updating := fn.settle(now)
	switch {
	case pending:
		return conflict("The operation cannot be performed at this time. The function is currently in the following state: Pending")
	case updating:
		return conflict("The operation cannot be performed at this time. An update is in progress for resource: %s", arn)
	}
	return nil
}

// created starts a new function's Pending window.
func (fn *function) created(p *realism.Profile, now time.Time) {
	fn.life.mu.Lock()
	fn.life.activeAt = now.Add(p.Delay(realism.LambdaPending))
	fn.life.mu.Unlock()
}

// updated starts an update's InProgress window, or applies rec to the
// instances at once when there is none. fn.mu is held.
func (fn *function) updated(p *realism.Profile, now time.Time, rec *record) {
	d := p.Delay(realism.LambdaUpdate)
	if d <= 0 {
		fn.pool.reconfigure(rec)
		return
	}
	fn.life.mu.Lock()
	fn.life.updatedAt = now.Add(d)
	fn.life.next = rec
	fn.life.mu.Unlock()
}

// withState sets c's State and LastUpdateStatus as they are at now.
func (fn *function) withState(c configuration, now time.Time) configuration {
	pending, updating := fn.settle(now)
	if pending {
		c.State = "Pending"
		c.StateReason = "The function is being created."
		c.StateReasonCode = "Creating"
		c.LastUpdateStatus = ""
	}
	if updating {
		c.LastUpdateStatus = "InProgress"
		c.LastUpdateStatusReason = "The function is being updated."
		c.LastUpdateStatusReasonCode = "InProgress"
	}
	return c
}
