package pipeline

import (
	"sync"
	"time"
)

// Outcome is what a step did to its resource.
type Outcome string

const (
	Created   Outcome = "created"   // did not exist; now does
	Updated   Outcome = "updated"   // changed because orders changed (new function code or architecture)
	Repaired  Outcome = "repaired"  // existed but had drifted from what up makes; put back
	Unchanged Outcome = "unchanged" // already right
	Deleted   Outcome = "deleted"   // destroy removed it
	Absent    Outcome = "absent"    // destroy found nothing to remove
	Left      Outcome = "left"      // destroy found it is not the stack's and left it alone (Details say what it found)
	Failed    Outcome = "failed"    // see StepResult.Err
)

// Reporter hears about steps as they run. The engine serialises its calls,
// so an implementation need not be safe for concurrent use; calls for
// different steps interleave.
type Reporter interface {
	Start(step, resource string)    // a step begins (e.g. "table", "OrdersTable")
	Progress(step, message string)  // e.g. "waiting for IAM role to propagate (12s)"
	Done(step string, r StepResult) // a step ended, successfully or not
}

// StepResult is what one step did.
type StepResult struct {
	Step, Resource, ARN string
	Outcome             Outcome
	Details             []string // what was created, repaired or changed, one per line
	Duration            time.Duration
	Err                 error // non-nil when Outcome == Failed; names step, resource and AWS's error
}

// Report is the result of Up or Destroy: one StepResult per step, in the
// order the steps are listed (not the order they finished).
type Report struct{ Steps []StepResult }

// Failed reports whether any step failed.
func (r Report) Failed() bool {
	for _, s := range r.Steps {
		if s.Outcome == Failed {
			return true
		}
	}
	return false
}

// Left lists the steps whose resource destroy left alone because it is not
// the stack's, with what was found.
func (r Report) Left() []string {
	var out []string
	for _, s := range r.Steps {
		if s.Outcome == Left {
			out = append(out, s.Details...)
		}
	}
	return out
}

// State is what Status found for one resource.
type State string

const (
	Present State = "present" // exists and is as up makes it
	Missing State = "missing" // does not exist
	Drifted State = "drifted" // exists but differs; Drift says how
	Foreign State = "foreign" // exists with the stack's name but is not the stack's (see ownership.go); Drift says what it carries
)

// ResourceStatus is one resource as Status found it.
type ResourceStatus struct {
	Kind, Name, ARN string // Kind: "table","topic","queue","subscription","log group","role","function"
	State           State
	Drift           []string // what differs, human-readable
}

// lockedReporter serialises calls to a Reporter shared by concurrent steps.
type lockedReporter struct {
	mu  sync.Mutex
	rep Reporter
}

func newLockedReporter(rep Reporter) *lockedReporter {
	if rep == nil {
		rep = nopReporter{}
	}
	return &lockedReporter{rep: rep}
}

func (l *lockedReporter) Start(step, resource string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rep.Start(step, resource)
}

func (l *lockedReporter) Progress(step, message string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rep.Progress(step, message)
}

func (l *lockedReporter) Done(step string, r StepResult) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rep.Done(step, r)
}

type nopReporter struct{}

func (nopReporter) Start(string, string)    {}
func (nopReporter) Progress(string, string) {}
func (nopReporter) Done(string, StepResult) {}
