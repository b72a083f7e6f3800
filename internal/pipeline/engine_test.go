package pipeline

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// Independent steps must run at the same time: each of these waits until
// all have started, which would never happen if they ran one by one.
func TestEngineRunsIndependentStepsConcurrently(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const n = 5
	var started sync.WaitGroup
	started.Add(n)
	all := make(chan struct{})
	go func() { started.Wait(); close(all) }()
	var steps []step
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		steps = append(steps, step{name: name, resource: name, run: func(ctx context.Context, res *StepResult) error {
			started.Done()
			select {
			case <-all:
				res.Outcome = Created
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}})
	}
	rep := runSteps(ctx, newLockedReporter(nil), steps)
	for _, s := range rep.Steps {
		if s.Outcome != Created {
			t.Errorf("%s: %s %v", s.Step, s.Outcome, s.Err)
		}
	}
}

func TestEngineOrdersDependenciesAndSkipsAfterFailure(t *testing.T) {
	var mu sync.Mutex
	var order []string
	mark := func(name string, err error) func(context.Context, *StepResult) error {
		return func(_ context.Context, res *StepResult) error {
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			res.Outcome = Created
			return err
		}
	}
	rec := newRecorder()
	rep := runSteps(context.Background(), newLockedReporter(rec), []step{
		{name: "c", resource: "C", deps: []string{"b"}, run: mark("c", nil)},
		{name: "b", resource: "B", deps: []string{"a"}, run: mark("b", errors.New("create b B: boom"))},
		{name: "a", resource: "A", run: mark("a", nil)},
		{name: "d", resource: "D", deps: []string{"a"}, run: mark("d", nil)},
	})
	if got := []string{rep.Steps[0].Step, rep.Steps[1].Step, rep.Steps[2].Step, rep.Steps[3].Step}; strings.Join(got, "") != "cbad" {
		t.Errorf("report order %v, want the order given", got)
	}
	if order[0] != "a" || (order[1] != "b" && order[1] != "d") {
		t.Errorf("run order %v", order)
	}
	for _, o := range order {
		if o == "c" {
			t.Error("c ran although b failed")
		}
	}
	c := rep.Steps[0]
	if c.Outcome != Failed || c.Err.Error() != "c C: skipped: depends on b" {
		t.Errorf("c: %s %v", c.Outcome, c.Err)
	}
	if b := rep.Steps[1]; b.Outcome != Failed || b.Err.Error() != "create b B: boom" {
		t.Errorf("b: %s %v", b.Outcome, b.Err)
	}
	if !rep.Failed() {
		t.Error("Failed() = false")
	}
	for _, name := range []string{"a", "b", "c", "d"} {
		if rec.started[name] != 1 || rec.done[name] != 1 {
			t.Errorf("%s: started %d done %d", name, rec.started[name], rec.done[name])
		}
	}
}

func TestEngineRecoversPanics(t *testing.T) {
	rep := runSteps(context.Background(), newLockedReporter(nil), []step{
		{name: "x", resource: "X", run: func(context.Context, *StepResult) error { panic("oops") }},
	})
	if s := rep.Steps[0]; s.Outcome != Failed || !strings.Contains(s.Err.Error(), "x X: internal error: oops") {
		t.Errorf("%s %v", s.Outcome, s.Err)
	}
}

func TestEngineCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	rep := runSteps(ctx, newLockedReporter(nil), []step{
		{name: "x", resource: "X", run: func(context.Context, *StepResult) error { ran = true; return nil }},
	})
	if ran || rep.Steps[0].Outcome != Failed || !errors.Is(rep.Steps[0].Err, context.Canceled) {
		t.Errorf("ran %v, %+v", ran, rep.Steps[0])
	}
}

func TestReportFailed(t *testing.T) {
	if (Report{Steps: []StepResult{{Outcome: Created}, {Outcome: Unchanged}}}).Failed() {
		t.Error("no failure")
	}
	if !(Report{Steps: []StepResult{{Outcome: Created}, {Outcome: Failed}}}).Failed() {
		t.Error("failure missed")
	}
}
