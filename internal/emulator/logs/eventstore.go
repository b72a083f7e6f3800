package logs

import (
	"encoding/json"
	"fmt"

	"github.com/orders-dev/orders/internal/emulator/store"
)

// Events are read from the store when asked for, by key range: a stream's
// events are contiguous in its group's bucket and ordered by position, so
// a page of GetLogEvents or FilterLogEvents costs the events it visits,
// whatever the stream holds.

func decodeEvent(v []byte) (event, error) {
	var r eventRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return event{}, fmt.Errorf("decode log event: %w", err)
	}
	return event{ts: r.TS, seq: r.Seq, ingest: r.Ingest, msg: r.Msg}, nil
}

// scanEvents calls fn for the stream's events at or after from in order
// (forward), or before from in reverse order (backward, from nil: from the
// end), until fn returns false.
func (s *Service) scanEvents(g *group, name string, from *pos, forward bool, fn func(e event) bool) error {
	lo, hi := streamEvents(name)
	if from != nil {
		if forward {
			lo = posKey(name, *from)
		} else {
			hi = posKey(name, *from)
		}
	}
	var decodeErr error
	err := s.st.Scan(g.bucket(), lo, hi, !forward, func(_, v []byte) bool {
		e, err := decodeEvent(v)
		if err != nil {
			decodeErr = err
			return false
		}
		return fn(e)
	})
	if err != nil {
		return err
	}
	return decodeErr
}

// firstAtOrAfter is the stream's first event at or after p.
func (s *Service) firstAtOrAfter(g *group, name string, p pos) (e event, ok bool, err error) {
	err = s.scanEvents(g, name, &p, true, func(x event) bool { e, ok = x, true; return false })
	return e, ok, err
}

// lastEvent is the stream's last event.
func (s *Service) lastEvent(g *group, name string) (e event, ok bool, err error) {
	err = s.scanEvents(g, name, nil, false, func(x event) bool { e, ok = x, true; return false })
	return e, ok, err
}

func (s *Service) putStream(g *group, rec streamRecord) store.Op {
	b, _ := json.Marshal(rec)
	return store.Put(g.bucket(), streamKey(rec.Name), b)
}

// countEvents rebuilds a stream record's statistics from its events, for
// a record written before they were kept.
func (s *Service) countEvents(g *group, rec *streamRecord) error {
	rec.Events, rec.StoredBytes, rec.FirstTS, rec.LastTS, rec.LastIngest, rec.LastSeq = 0, 0, 0, 0, 0, 0
	var evs []event
	err := s.scanEvents(g, rec.Name, nil, true, func(e event) bool {
		evs = append(evs, event{ts: e.ts, seq: e.seq, ingest: e.ingest, msg: e.msg})
		if len(evs) == 1024 {
			rec.add(evs)
			evs = evs[:0]
		}
		return true
	})
	rec.add(evs)
	return err
}
