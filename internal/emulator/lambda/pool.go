package lambda

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// pool holds one function's instances: warm ones waiting for work, busy
// ones, and the invokes queued for an instance when MaxConcurrency are busy.
type pool struct {
	s *Service

	mu      sync.Mutex
	rec     *record // configuration new instances start with
	gen     uint64  // bumped by every code or configuration change
	idle    []*instance
	all     map[*instance]struct{}
	opening int // instances being started
	waiters []*waiter
	closed  bool
}

// grant is what a queued invoke receives: a warm instance, or leave to
// start one (the slot is already counted in opening).
type grant struct {
	inst  *instance
	start bool
}

type waiter struct{ ch chan grant }

var errPoolClosed = errors.New("function deleted")

func newPool(s *Service, rec *record) *pool {
	return &pool{s: s, rec: rec, all: map[*instance]struct{}{}}
}

// acquired is an instance ready for an invocation, or the function error
// a failed cold start produced (then inst is the failed, stopped instance
// whose logs the caller finishes, or nil).
type acquired struct {
	inst *instance
	cold bool
	ferr *funcError
}

// acquire returns a warm instance or starts one; when MaxConcurrency are
// busy it waits up to wait (forever when wait is 0) for one to come free.
func (p *pool) acquire(ctx context.Context, wait time.Duration, endpoint string) (acquired, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return acquired{}, errPoolClosed
	}
	if in := p.popIdleLocked(); in != nil {
		p.mu.Unlock()
		return acquired{inst: in}, nil
	}
	if len(p.all)+p.opening < p.s.opts.MaxConcurrency {
		p.opening++
		p.mu.Unlock()
		return p.open(endpoint)
	}
	w := &waiter{ch: make(chan grant, 1)}
	p.waiters = append(p.waiters, w)
	p.mu.Unlock()

	var timeout <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case g := <-w.ch:
		return p.granted(g, endpoint)
	case <-timeout:
	case <-ctx.Done():
	case <-p.s.ctx.Done():
	}
	p.mu.Lock()
	removed := p.removeWaiterLocked(w)
	p.mu.Unlock()
	if !removed { // granted while we gave up: take it anyway
		return p.granted(<-w.ch, endpoint)
	}
	if ctx.Err() != nil {
		return acquired{}, ctx.Err()
	}
	if p.s.ctx.Err() != nil {
		return acquired{}, errPoolClosed
	}
	return acquired{}, service.Errorf(429, "TooManyRequestsException", "Rate Exceeded.")
}

func (p *pool) granted(g grant, endpoint string) (acquired, error) {
	if g.inst != nil {
		return acquired{inst: g.inst}, nil
	}
	if !g.start {
		return acquired{}, errPoolClosed
	}
	return p.open(endpoint)
}

// popIdleLocked takes the most recently used warm instance that is still
// current, stopping stale ones on the way.
func (p *pool) popIdleLocked() *instance {
	for len(p.idle) > 0 {
		in := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if in.gen == p.gen && in.alive() && !p.credsExpiringLocked(in) {
			return in
		}
		delete(p.all, in)
		p.stopLater(in)
	}
	return nil
}

// credsExpiringLocked: an instance whose role session would expire during
// an invocation is replaced rather than reused.
func (p *pool) credsExpiringLocked(in *instance) bool {
	if in.credsExp.IsZero() {
		return false
	}
	margin := time.Duration(p.rec.Timeout)*time.Second + time.Minute
	return time.Until(in.credsExp) < margin
}

// open starts an instance in a slot already counted in opening.
func (p *pool) open(endpoint string) (acquired, error) {
	p.mu.Lock()
	rec, gen := p.rec, p.gen
	p.mu.Unlock()
	in, ferr, err := p.s.startInstance(rec, gen, endpoint)
	p.mu.Lock()
	p.opening--
	if err != nil || ferr != nil || p.closed {
		p.handOnLocked()
		closed := p.closed
		p.mu.Unlock()
		if in != nil && err == nil && ferr == nil {
			in.stop()
		}
		if err != nil {
			return acquired{}, err
		}
		if ferr != nil {
			return acquired{inst: in, cold: true, ferr: ferr}, nil
		}
		if closed {
			return acquired{}, errPoolClosed
		}
	}
	p.all[in] = struct{}{}
	p.mu.Unlock()
	return acquired{inst: in, cold: true}, nil
}

// handOnLocked gives a freed slot to the first queued invoke.
func (p *pool) handOnLocked() {
	if len(p.waiters) == 0 {
		return
	}
	w := p.waiters[0]
	p.waiters = p.waiters[1:]
	if p.closed {
		w.ch <- grant{}
		return
	}
	p.opening++
	w.ch <- grant{start: true}
}

func (p *pool) removeWaiterLocked(w *waiter) bool {
	for i, x := range p.waiters {
		if x == w {
			p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
			return true
		}
	}
	return false
}

// release returns an instance after an invocation. Unhealthy or outdated
// instances are stopped (before release returns, so a timed-out process
// is gone when the caller answers) and their slot handed on.
func (p *pool) release(in *instance, healthy bool) {
	p.mu.Lock()
	if !healthy || p.closed || in.gen != p.gen || !in.alive() {
		delete(p.all, in)
		p.handOnLocked()
		p.mu.Unlock()
		in.stop()
		return
	}
	in.lastUsed = time.Now()
	if len(p.waiters) > 0 {
		w := p.waiters[0]
		p.waiters = p.waiters[1:]
		p.mu.Unlock()
		w.ch <- grant{inst: in}
		return
	}
	p.idle = append(p.idle, in)
	p.mu.Unlock()
}

// reconfigure makes new instances start with rec and drains warm ones;
// busy ones are stopped when they finish their invocation.
func (p *pool) reconfigure(rec *record) {
	p.mu.Lock()
	p.rec = rec
	p.gen++
	idle := p.idle
	p.idle = nil
	for _, in := range idle {
		delete(p.all, in)
		p.handOnLocked()
	}
	p.mu.Unlock()
	for _, in := range idle {
		p.stopLater(in)
	}
}

// close stops every instance now, busy or not, and fails queued invokes.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	all := make([]*instance, 0, len(p.all))
	for in := range p.all {
		all = append(all, in)
	}
	p.all = map[*instance]struct{}{}
	p.idle = nil
	for len(p.waiters) > 0 {
		p.handOnLocked()
	}
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, in := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in.stop()
		}()
	}
	wg.Wait()
}

// reapIdle stops warm instances unused since before cutoff.
func (p *pool) reapIdle(cutoff time.Time) {
	p.mu.Lock()
	keep := p.idle[:0]
	var stale []*instance
	for _, in := range p.idle {
		if in.lastUsed.Before(cutoff) {
			delete(p.all, in)
			stale = append(stale, in)
			continue
		}
		keep = append(keep, in)
	}
	p.idle = keep
	p.mu.Unlock()
	for _, in := range stale {
		p.stopLater(in)
	}
}

// stopLater stops an instance in the background; Close waits for it.
func (p *pool) stopLater(in *instance) {
	p.s.bg.goRun(in.stop)
}

// pids lists the processes of the function's instances (for tests).
func (p *pool) pids() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []int
	for in := range p.all {
		out = append(out, in.pid())
	}
	return out
}
