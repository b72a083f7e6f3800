package lambda

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/orders-dev/orders/internal/emulator/store"
)

// maxAsyncRunning bounds Event invocations running at once across all
// functions; each also waits its turn for one of its function's instances.
const maxAsyncRunning = 64

// queuedEvent is an Event invocation, stored before Invoke answers 202 so
// it runs even if the emulator stops first (at least once, as Lambda).
type queuedEvent struct {
	Key       string    `json:"-"`
	Region    string    `json:"region"`
	Name      string    `json:"name"`
	RequestID string    `json:"requestId"`
	Payload   []byte    `json:"payload"`
	Endpoint  string    `json:"endpoint"`
	Queued    time.Time `json:"queued"`
}

type asyncRunner struct {
	s   *Service
	sem chan struct{}
	seq atomic.Uint64
}

func newAsyncRunner(s *Service) *asyncRunner {
	return &asyncRunner{s: s, sem: make(chan struct{}, maxAsyncRunning)}
}

// enqueue stores an Event invocation and starts running it.
func (a *asyncRunner) enqueue(rec *record, requestID string, payload []byte, endpoint string) error {
	ev := &queuedEvent{
		Key:       fmt.Sprintf("%020d-%06d", time.Now().UnixNano(), a.seq.Add(1)%1000000),
		Region:    rec.Region,
		Name:      rec.Name,
		RequestID: requestID,
		Payload:   payload,
		Endpoint:  endpoint,
		Queued:    time.Now(),
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode event invocation: %w", err)
	}
	if err := a.s.st.Write(store.Put(bucketEvents, ev.Key, b)); err != nil {
		return fmt.Errorf("queue event invocation of %s: %w", rec.Name, err)
	}
	a.s.bg.goRun(func() { a.run(ev) })
	return nil
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

func (a *asyncRunner) run(ev *queuedEvent) {
	s := a.s
	select {
	case a.sem <- struct{}{}:
	case <-s.ctx.Done():
		return // stays queued for the next start
	}
	defer func() { <-a.sem }()
	s.mu.RLock()
	fn := s.functions[ev.Region+"/"+ev.Name]
	s.mu.RUnlock()
	if fn != nil {
		rec := fn.rec.Load()
		res, err := s.execute(s.ctx, fn, rec, &invocation{
			id:      ev.RequestID,
			payload: ev.Payload,
			arn:     rec.arn(),
			traceID: traceID(time.Now()),
		}, ev.Endpoint, 0)
		if s.ctx.Err() != nil {
			return // interrupted by Close: run again after the next start
		}
		switch {
		case err != nil:
			s.log.Warn("event invocation failed", "function", ev.Name, "requestId", ev.RequestID, "err", err)
		case res.funcErr:
			s.log.Info("event invocation returned a function error", "function", ev.Name, "requestId", ev.RequestID, "payload", string(res.payload))
		}
	}
	if err := s.st.Write(store.Del(bucketEvents, ev.Key)); err != nil {
		s.log.Warn("dequeue event invocation", "function", ev.Name, "err", err)
	}
}
