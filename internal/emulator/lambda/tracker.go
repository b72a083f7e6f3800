package lambda

import "sync"

// tracker counts background goroutines. Unlike sync.WaitGroup it allows
// go() while wait() is in progress, which happens when a request races
// Close: wait returns only once the count is zero.
type tracker struct {
	mu   sync.Mutex
	n    int
	cond *sync.Cond
}

func newTracker() *tracker {
	t := &tracker{}
	t.cond = sync.NewCond(&t.mu)
	return t
}

// goRun runs fn in a goroutine counted until it returns.
func (t *tracker) goRun(fn func()) {
	t.mu.Lock()
	t.n++
	t.mu.Unlock()
	go func() {
		defer t.done()
		fn()
	}()
}

func (t *tracker) done() {
	t.mu.Lock()
	t.n--
	if t.n == 0 {
		t.cond.Broadcast()
	}
	t.mu.Unlock()
}

func (t *tracker) wait() {
	t.mu.Lock()
	for t.n > 0 {
		t.cond.Wait()
	}
	t.mu.Unlock()
}
