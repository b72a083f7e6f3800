package logs

import (
	"fmt"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// Retention. A log group keeps its events forever unless it has a
// retention policy ("By default, log data is stored in CloudWatch Logs
// indefinitely"); with one, events older than RetentionInDays are deleted
// ("CloudWatch Logs doesn't immediately delete log events when they reach
// their retention setting. It typically takes up to 72 hours", and they
// stop counting towards storedBytes at once)
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html,
// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
// Reads already hide expired events (retentionCutoff); the sweeper deletes
// them from memory and the store, and load drops what expired while the
// emulator was stopped. Deleted keys free their bbolt pages for reuse.

// defaultExpireEvery is how often the sweeper deletes expired events.
const defaultExpireEvery = time.Minute

// expireBatch bounds one store write of the sweeper.
const expireBatch = 1024

func (s *Service) sweep(every time.Duration) {
	service.Sweep(s.done, every, s.now, s.expire, func(n int, err error) {
		s.log.Warn("logs: delete expired log events", "err", err, "deleted", n)
	})
}

// expire deletes every event older than its group's retention at now and
// returns how many it deleted.
func (s *Service) expire(now time.Time) (int, error) {
	s.mu.RLock()
	groups := make([]*group, 0, len(s.groups))
	for _, g := range s.groups {
		groups = append(groups, g)
	}
	s.mu.RUnlock()
	total := 0
	for _, g := range groups {
		n, err := s.expireGroup(g, millis(now))
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (s *Service) expireGroup(g *group, now int64) (int, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.deleted || g.rec.Retention <= 0 {
		return 0, nil
	}
	cutoff := now - int64(g.rec.Retention)*24*3600*1000
	g.streamsMu.RLock()
	streams := make([]*stream, 0, len(g.streams))
	for _, st := range g.streams {
		streams = append(streams, st)
	}
	g.streamsMu.RUnlock()
	total := 0
	for _, st := range streams {
		n, err := s.expireStream(g, st, cutoff)
		total += n
		if err != nil {
			return total, fmt.Errorf("delete expired events of %s/%s: %w", g.name, st.name, err)
		}
	}
	return total, nil
}

// expireStream deletes the stream's events older than cutoff (its
// oldest), durably with the stream's statistics, as a deleted stream's
// are. The caller holds g.mu shared.
func (s *Service) expireStream(g *group, st *stream, cutoff int64) (int, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	total := 0
	for st.rec.Events > 0 && st.rec.FirstTS < cutoff {
		var ops []store.Op
		rec := st.rec
		var next *event // the first event kept
		err := s.scanEvents(g, rec.Name, nil, true, func(e event) bool {
			if e.ts >= cutoff || len(ops) == expireBatch {
				next = &e
				return false
			}
			ops = append(ops, store.Del(g.bucket(), eventKey(rec.Name, e.ts, e.seq)))
			rec.Events--
			rec.StoredBytes -= int64(len(e.msg))
			return true
		})
		if err != nil {
			return total, err
		}
		if len(ops) == 0 {
			break
		}
		if next != nil {
			rec.FirstTS = next.ts // if still expired, the next round takes it
		} else {
			rec.Events, rec.StoredBytes, rec.FirstTS, rec.LastTS = 0, 0, 0, 0
		}
		ops = append(ops, s.putStream(g, rec))
		if err := s.st.Write(ops...); err != nil {
			return total, err
		}
		st.rec = rec
		total += len(ops) - 1
	}
	return total, nil
}
