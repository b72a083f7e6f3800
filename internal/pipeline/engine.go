package pipeline

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// step is one node of the DAG the engine runs: it starts once every step
// it depends on has finished, and is skipped (reported failed) when one of
// them failed.
type step struct {
	name     string   // "table", "queue policy", ...
	resource string   // the resource's name, e.g. "OrdersTable"
	deps     []string // names of steps that must succeed first
	// run does the work, filling res.ARN, res.Outcome and res.Details; an
	// error marks the step failed and must name the resource and AWS's error.
	run func(ctx context.Context, res *StepResult) error
}

// runSteps runs steps concurrently as their dependencies allow and returns
// their results in the order given. Every step is reported exactly once
// through rep (Start, then Done).
func runSteps(ctx context.Context, rep Reporter, steps []step) Report {
	index := make(map[string]int, len(steps))
	for i, st := range steps {
		index[st.name] = i
	}
	for _, st := range steps {
		for _, d := range st.deps {
			if _, ok := index[d]; !ok {
				panic(fmt.Sprintf("pipeline: step %q depends on unknown step %q", st.name, d))
			}
		}
	}

	results := make([]StepResult, len(steps))
	done := make([]chan struct{}, len(steps))
	for i := range done {
		done[i] = make(chan struct{})
	}
	var wg sync.WaitGroup
	for i := range steps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// results[i] is written before done[i] closes, and read by
			// dependants only after it has: the channel orders the two.
			defer close(done[i])
			st := steps[i]
			for _, d := range st.deps {
				<-done[index[d]]
			}
			results[i] = runStep(ctx, rep, st, func(dep string) bool {
				return results[index[dep]].Outcome == Failed
			})
		}()
	}
	wg.Wait()
	return Report{Steps: results}
}

func runStep(ctx context.Context, rep Reporter, st step, depFailed func(string) bool) (res StepResult) {
	res = StepResult{Step: st.name, Resource: st.resource}
	rep.Start(st.name, st.resource)
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			res.Outcome, res.Err = Failed, fmt.Errorf("%s %s: internal error: %v", st.name, st.resource, p)
		}
		res.Duration = time.Since(start)
		rep.Done(st.name, res)
	}()
	for _, d := range st.deps {
		if depFailed(d) {
			res.Outcome, res.Err = Failed, fmt.Errorf("%s %s: skipped: depends on %s", st.name, st.resource, d)
			return res
		}
	}
	if err := ctx.Err(); err != nil {
		res.Outcome, res.Err = Failed, fmt.Errorf("%s %s: not started: %w", st.name, st.resource, err)
		return res
	}
	ctx = context.WithValue(ctx, progressKey{}, func(msg string) { rep.Progress(st.name, msg) })
	if err := st.run(ctx, &res); err != nil {
		res.Outcome, res.Err = Failed, err
	}
	return res
}

type progressKey struct{}

// progress tells the step running under ctx's reporter how a long wait is
// going; outside a step it does nothing.
func progress(ctx context.Context, msg string) {
	if p, ok := ctx.Value(progressKey{}).(func(string)); ok {
		p(msg)
	}
}

// waiting runs wait, reporting "<what> (12s)" every progressEvery while it
// lasts, so a slow wait is never silent.
func (s *Stack) waiting(ctx context.Context, what string, wait func() error) error {
	done := make(chan struct{})
	var wg sync.WaitGroup
	defer wg.Wait() // no reporting after the wait is over
	defer close(done)
	start, every := time.Now(), s.t.progressEvery
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				progress(ctx, fmt.Sprintf("%s (%s)", what, time.Since(start).Round(time.Second)))
			}
		}
	}()
	return wait()
}

// future is a value computed in the background: Up and Status read every
// resource at once and let each step wait only for its own read.
type future[T any] struct {
	done chan struct{}
	val  T
	err  error
}

func goFuture[T any](ctx context.Context, f func(context.Context) (T, error)) *future[T] {
	fu := &future[T]{done: make(chan struct{})}
	go func() {
		defer close(fu.done)
		fu.val, fu.err = f(ctx)
	}()
	return fu
}

func (f *future[T]) get(ctx context.Context) (T, error) {
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// parallel runs fns concurrently and returns the first error (in the order
// given), after all have returned.
func parallel(fns ...func() error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, f := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
