package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// maxAsyncRunning bounds Event invocations running at once across all
// functions; each also waits its turn for one of its function's instances.
const maxAsyncRunning = 64

// Lambda's retry policy for asynchronous invocation
// (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html):
// "If the function returns an error, by default Lambda attempts to run it
// two more times, with a one-minute wait between the first two attempts,
// and two minutes between the second and third attempts. Function errors
// include errors returned by the function's code and errors returned by
// the function's runtime, such as timeouts." and "For throttling errors
// (429) and system errors (500-series), Lambda returns the event to the
// queue and attempts to run the function again for up to 6 hours by
// default. The retry interval increases exponentially from 1 second after
// the first attempt to a maximum of 5 minutes."
var (
	defaultFuncErrorDelays = []time.Duration{time.Minute, 2 * time.Minute}
	defaultSystemDelay     = asyncBackoff{first: time.Second, max: 5 * time.Minute}
)

// maxEventAge is how long Lambda keeps retrying an event after system
// errors (its default MaximumEventAgeInSeconds).
const maxEventAge = 6 * time.Hour

type asyncBackoff struct{ first, max time.Duration }

func (b asyncBackoff) delay(attempt int) time.Duration {
	d := b.first
	for range attempt {
		if d >= b.max/2 {
			return b.max
		}
		d *= 2
	}
	return min(d, b.max)
}

// queuedEvent is an Event invocation, stored before Invoke answers 202 so
// it runs even if the emulator stops first (at least once, as Lambda). It
// keeps no endpoint: the emulator may come back on another port, and each
// attempt runs against the one it serves on then.
type queuedEvent struct {
	Key       string    `json:"-"`
	Region    string    `json:"region"`
	Name      string    `json:"name"`
	RequestID string    `json:"requestId"`
	Payload   []byte    `json:"payload"`
	Queued    time.Time `json:"queued"`
	// FuncErrors counts attempts that ended in a function error,
	// SysErrors those that failed before the function answered.
	FuncErrors int `json:"funcErrors,omitempty"`
	SysErrors  int `json:"sysErrors,omitempty"`
	// NotBefore is when the next attempt may start (zero: at once).
	NotBefore time.Time `json:"notBefore,omitzero"`
}

type asyncRunner struct {
	s   *Service
	sem chan struct{}
	seq atomic.Uint64
	// ctx ends with the service, or earlier on StopEvents.
	ctx  context.Context
	stop context.CancelFunc

	// Retry delays (tests shorten them).
	funcErrorDelays []time.Duration
	systemDelay     asyncBackoff
	// endpointPoll is how often an event waits for the emulator to know
	// where it serves (after a restart, until it listens again).
	endpointPoll time.Duration
}

func newAsyncRunner(s *Service) *asyncRunner {
	ctx, stop := context.WithCancel(s.ctx)
	return &asyncRunner{s: s, sem: make(chan struct{}, maxAsyncRunning), ctx: ctx, stop: stop,
		funcErrorDelays: defaultFuncErrorDelays, systemDelay: defaultSystemDelay, endpointPoll: 50 * time.Millisecond}
}

// StopEvents stops running queued Event invocations (those running are
// abandoned and stay queued, their attempt not counted): the emulator calls
// it before it stops serving, so an event whose function loses the endpoint
// mid-run is not charged a retry (a minute's wait after the next start).
func (s *Service) StopEvents() { s.async.stop() }

// enqueue stores an Event invocation and starts running it.
func (a *asyncRunner) enqueue(rec *record, requestID string, payload []byte) error {
	now := a.s.now()
	ev := &queuedEvent{
		Key:       fmt.Sprintf("%020d-%06d", now.UnixNano(), a.seq.Add(1)%1000000),
		Region:    rec.Region,
		Name:      rec.Name,
		RequestID: requestID,
		Payload:   payload,
		Queued:    now,
	}
	if err := a.save(ev); err != nil {
		return fmt.Errorf("queue event invocation of %s: %w", rec.Name, err)
	}
	a.s.bg.goRun(func() { a.run(ev) })
	return nil
}

func (a *asyncRunner) save(ev *queuedEvent) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode event invocation: %w", err)
	}
	return a.s.st.Write(store.Put(bucketEvents, ev.Key, b))
}

// resume runs the Event invocations a previous process queued but did not
// finish.
func (a *asyncRunner) resume() error {
	var evs []*queuedEvent
	err := a.s.st.ForEach(bucketEvents, func(k, v []byte) error {
		ev := &queuedEvent{}
		if err := json.Unmarshal(v, ev); err != nil {
			return fmt.Errorf("decode queued event %s: %w", k, err)
		}
		ev.Key = string(k)
		evs = append(evs, ev)
		return nil
	})
	if err != nil {
		return fmt.Errorf("load queued lambda events: %w", err)
	}
	for _, ev := range evs {
		a.s.bg.goRun(func() { a.run(ev) })
	}
	return nil
}

// sleep waits d, or returns false when the service closes first.
func (a *asyncRunner) sleep(d time.Duration) bool {
	if d <= 0 {
		return a.ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-a.ctx.Done():
		return false
	}
}

// currentEndpoint waits until the emulator knows the URL it serves on now
// (after a restart it starts the queue before it listens), or returns ""
// when the service closes first.
func (a *asyncRunner) currentEndpoint() string {
	for {
		if e := a.s.endpoint(""); e != "" {
			return e
		}
		if !a.sleep(a.endpointPoll) {
			return ""
		}
	}
}

// run attempts ev until it succeeds, is given up or the service closes
// (then it stays queued, with its attempts so far, for the next start).
func (a *asyncRunner) run(ev *queuedEvent) {
	s := a.s
	for {
		if !a.sleep(ev.NotBefore.Sub(s.now())) {
			return
		}
		endpoint := a.currentEndpoint()
		if endpoint == "" {
			return
		}
		outcome, detail := a.attempt(ev, endpoint)
		if a.ctx.Err() != nil {
			return // interrupted by Close or StopEvents: run again after the next start
		}
		var delay time.Duration
		switch outcome {
		case attemptDone:
			a.dequeue(ev)
			return
		case attemptGone:
			// The function was deleted: Lambda has nothing left to run it on.
			s.log.Warn("event invocation dropped: function deleted", "function", ev.Name, "requestId", ev.RequestID)
			a.dequeue(ev)
			return
		case attemptFuncError:
			ev.FuncErrors++
			if ev.FuncErrors > len(a.funcErrorDelays) {
				a.giveUp(ev, fmt.Sprintf("%d attempts ended in a function error; the last returned %s", ev.FuncErrors, detail))
				return
			}
			delay = a.funcErrorDelays[ev.FuncErrors-1]
		case attemptSysError:
			ev.SysErrors++
			if s.now().Sub(ev.Queued) >= maxEventAge {
				a.giveUp(ev, fmt.Sprintf("the event is older than %v after %d failed attempts; the last: %s", maxEventAge, ev.SysErrors, detail))
				return
			}
			delay = a.systemDelay.delay(ev.SysErrors - 1)
		}
		s.log.Info("event invocation will be retried", "function", ev.Name, "requestId", ev.RequestID, "in", delay, "reason", detail)
		ev.NotBefore = s.now().Add(delay)
		if err := a.save(ev); err != nil {
			// The event stays queued as it was stored; retry from memory.
			s.log.Warn("record event invocation attempt", "function", ev.Name, "requestId", ev.RequestID, "err", err)
		}
	}
}

type attemptOutcome int

const (
	attemptDone attemptOutcome = iota
	attemptGone
	attemptFuncError
	attemptSysError
)

func (a *asyncRunner) attempt(ev *queuedEvent, endpoint string) (attemptOutcome, string) {
	s := a.s
	select {
	case a.sem <- struct{}{}:
	case <-a.ctx.Done():
		return attemptSysError, "stopped"
	}
	defer func() { <-a.sem }()
	s.mu.RLock()
	fn := s.functions[ev.Region+"/"+ev.Name]
	s.mu.RUnlock()
	if fn == nil {
		return attemptGone, ""
	}
	fn.settle(s.now()) // an update whose InProgress window is over applies now
	rec := fn.rec.Load()
	res, err := s.execute(a.ctx, fn, rec, &invocation{
		id:      ev.RequestID,
		payload: ev.Payload,
		arn:     rec.arn(),
		traceID: traceID(s.now()),
	}, endpoint, 0)
	switch {
	case err != nil:
		var se *service.Error
		if errors.As(err, &se) && se.Code == "ResourceNotFoundException" {
			return attemptGone, ""
		}
		return attemptSysError, err.Error()
	case res.funcErr:
		return attemptFuncError, string(res.payload)
	}
	return attemptDone, ""
}

func (a *asyncRunner) dequeue(ev *queuedEvent) {
	if err := a.s.st.Write(store.Del(bucketEvents, ev.Key)); err != nil {
		a.s.log.Warn("dequeue event invocation", "function", ev.Name, "err", err)
	}
}

// giveUp records in the function's log group that an event was discarded
// (where Lambda would send it to an on-failure destination or dead-letter
// queue, were one configured) and removes it from the queue.
func (a *asyncRunner) giveUp(ev *queuedEvent, why string) {
	s := a.s
	s.mu.RLock()
	fn := s.functions[ev.Region+"/"+ev.Name]
	s.mu.RUnlock()
	msg := fmt.Sprintf("EVENT DISCARDED RequestId: %s Queued: %s Reason: %s Payload: %s\n",
		ev.RequestID, ev.Queued.UTC().Format(time.RFC3339Nano), why, ev.Payload)
	s.log.Warn("event invocation given up", "function", ev.Name, "requestId", ev.RequestID, "reason", why)
	if fn != nil {
		rec := fn.rec.Load()
		now := s.now()
		s.shipFunc(rec, now.UTC().Format("2006/01/02")+"/[$LATEST]async-discarded")([]LogEvent{{Timestamp: now, Message: msg}})
	}
	a.dequeue(ev)
}
