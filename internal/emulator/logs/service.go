// Package logs emulates Amazon CloudWatch Logs over awsJson 1.1
// (X-Amz-Target: Logs_20140328.*): log groups and streams, PutLogEvents,
// GetLogEvents and FilterLogEvents with CloudWatch's filter pattern syntax,
// retention and tags. Groups, streams and events are written to the store
// before any answer; events live in one bucket per group.
package logs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/protocol"
	"github.com/orders-dev/orders/internal/emulator/realism"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// TargetPrefix is the X-Amz-Target prefix CloudWatch Logs answers to.
const TargetPrefix = "Logs_20140328"

const (
	bucketGroups      = "logs.groups"
	bucketGroupPrefix = "logs.g/" // + group ID: its streams and events
)

// Options configure a Service.
type Options struct {
	// Now is the clock (ingestion times, retention); default time.Now.
	Now func() time.Time
	// Realism is the realism profile: AWS's documented delays (nil: none).
	Realism *realism.Profile
	// ExpireEvery is how often events past their group's retention are
	// deleted; 0 means every minute, negative never (tests that drive
	// expiry themselves).
	ExpireEvery time.Duration
	// Logger reports failed expiry sweeps; default discards.
	Logger *slog.Logger
}

// Service is the CloudWatch Logs emulator. It is safe for concurrent use.
type Service struct {
	st  *store.Store
	now func() time.Time
	log *slog.Logger
	seq atomic.Uint64 // last event sequence number handed out
	// realism delays the moment written events become readable.
	realism *realism.Profile

	done      chan struct{} // closed by Close: stops the expiry sweeper
	closeOnce sync.Once

	mu     sync.RWMutex
	groups map[string]*group // groupKey(region, account, name)
}

func groupKey(region, account, name string) string { return region + "/" + account + "/" + name }

type handler func(s *Service, call *service.Call, body []byte) (any, error)

var handlers = map[string]handler{
	"CreateLogGroup":        (*Service).createLogGroup,
	"DeleteLogGroup":        (*Service).deleteLogGroup,
	"DescribeLogGroups":     (*Service).describeLogGroups,
	"PutRetentionPolicy":    (*Service).putRetentionPolicy,
	"DeleteRetentionPolicy": (*Service).deleteRetentionPolicy,
	"CreateLogStream":       (*Service).createLogStream,
	"DeleteLogStream":       (*Service).deleteLogStream,
	"DescribeLogStreams":    (*Service).describeLogStreams,
	"PutLogEvents":          (*Service).putLogEvents,
	"GetLogEvents":          (*Service).getLogEvents,
	"FilterLogEvents":       (*Service).filterLogEvents,
	"TagResource":           (*Service).tagResource,
	"UntagResource":         (*Service).untagResource,
	"ListTagsForResource":   (*Service).listTagsForResource,
	"TagLogGroup":           (*Service).tagLogGroup,
	"UntagLogGroup":         (*Service).untagLogGroup,
	"ListTagsLogGroup":      (*Service).listTagsLogGroup,
}

// New loads every group and stream from st (not their events, which are
// read when asked for). Events past their group's retention are deleted.
func New(st *store.Store, opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{st: st, now: opts.Now, log: opts.Logger, groups: map[string]*group{}, done: make(chan struct{}), realism: opts.Realism}
	if err := s.load(); err != nil {
		return nil, fmt.Errorf("load logs state: %w", err)
	}
	if opts.ExpireEvery == 0 {
		opts.ExpireEvery = defaultExpireEvery
	}
	if opts.ExpireEvery > 0 {
		go s.sweep(opts.ExpireEvery)
	}
	return s, nil
}

// Close stops the expiry sweeper; operations keep working until the store
// is closed.
func (s *Service) Close() error {
	s.closeOnce.Do(func() { close(s.done) })
	return nil
}

func (s *Service) load() error {
	var loadErr error
	var recs []groupRecord
	if err := s.st.ForEach(bucketGroups, func(k, v []byte) error {
		var r groupRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("log group %s: %w", k, err)
		}
		recs = append(recs, r)
		return nil
	}); err != nil {
		return err
	}
	known := map[string]bool{}
	var cleanup []store.Op
	for _, r := range recs {
		g := newGroup(r)
		known[g.bucket()] = true
		// Only the stream records, which sort after every event.
		err := s.st.Scan(g.bucket(), []byte("s\x00"), []byte("s\x01"), false, func(k, v []byte) bool {
			var sr streamRecord
			if err := json.Unmarshal(v, &sr); err != nil {
				loadErr = fmt.Errorf("log stream in %s: %w", r.Name, err)
				return false
			}
			g.streams[sr.Name] = &stream{name: sr.Name, rec: sr}
			return true
		})
		if err == nil {
			err = loadErr
		}
		if err != nil {
			return err
		}
		for _, st := range g.streams {
			if !st.rec.Stats { // written before records kept statistics
				if err := s.countEvents(g, &st.rec); err != nil {
					return fmt.Errorf("count events of log stream %s in %s: %w", st.name, r.Name, err)
				}
				cleanup = append(cleanup, s.putStream(g, st.rec))
			}
			if st.rec.LastSeq > s.seq.Load() {
				s.seq.Store(st.rec.LastSeq)
			}
		}
		s.groups[groupKey(r.Region, r.Account, r.Name)] = g
	}
	// Buckets of deleted groups that a racing write re-created.
	buckets, err := s.st.Buckets(bucketGroupPrefix)
	if err != nil {
		return err
	}
	for _, b := range buckets {
		if !known[b] {
			cleanup = append(cleanup, store.DropBucket(b))
		}
	}
	if err := s.st.Write(cleanup...); err != nil {
		return fmt.Errorf("record log stream statistics: %w", err)
	}
	// What expired while the emulator was stopped goes now.
	if _, err := s.expire(s.now()); err != nil {
		return fmt.Errorf("drop expired log events: %w", err)
	}
	return nil
}

// Register adds CloudWatch Logs to the dispatcher.
func (s *Service) Register(d *dispatch.Server) {
	d.JSON("logs", TargetPrefix, protocol.JSONService{ContentType: "application/x-amz-json-1.1"}, s, s.Operations())
}

// Operations lists the operations implemented.
func (s *Service) Operations() []string {
	ops := make([]string, 0, len(handlers))
	for op := range handlers {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	return ops
}

// HandleJSON serves one CloudWatch Logs operation.
func (s *Service) HandleJSON(call *service.Call, body []byte) (any, error) {
	h, ok := handlers[call.Operation]
	if !ok {
		return nil, service.Errorf(400, "UnknownOperationException", "operation %s is not supported", call.Operation)
	}
	return h(s, call, body)
}

// Errors as CloudWatch Logs words them.

func invalidParameter(format string, args ...any) *service.Error {
	return service.Errorf(400, "InvalidParameterException", format, args...)
}

func groupNotFound() *service.Error {
	return service.Errorf(400, "ResourceNotFoundException", "The specified log group does not exist.")
}

func streamNotFound() *service.Error {
	return service.Errorf(400, "ResourceNotFoundException", "The specified log stream does not exist.")
}

func decode(body []byte, v any) error { return protocol.DecodeJSON(body, v) }

func (s *Service) lookupGroup(region, account, name string) *group {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.groups[groupKey(region, account, name)]
}

// useGroup finds a live group and holds it shared until release is called,
// so it cannot be deleted underneath the operation.
func (s *Service) useGroup(region, account, name string) (g *group, release func(), err error) {
	g = s.lookupGroup(region, account, name)
	if g == nil {
		return nil, nil, groupNotFound()
	}
	g.mu.RLock()
	if g.deleted {
		g.mu.RUnlock()
		return nil, nil, groupNotFound()
	}
	return g, g.mu.RUnlock, nil
}

func (s *Service) persist(what string, ops ...store.Op) error {
	if err := s.st.Write(ops...); err != nil {
		return service.Internal(fmt.Errorf("%s: %w", what, err))
	}
	return nil
}

// Event is one log line handed to Append.
type Event struct {
	Timestamp time.Time
	Message   string
}

// Append writes events to a stream of an existing group, creating the
// stream if needed (not the group: when the group is gone it fails with
// ResourceNotFoundException, as Lambda's platform logging does on AWS). It
// is how the emulated Lambda writes function output; it skips PutLogEvents'
// batch rules, sorting the events instead.
func (s *Service) Append(ctx context.Context, region, account, groupName, streamName string, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	g, release, err := s.useGroup(region, account, groupName)
	if err != nil {
		return fmt.Errorf("append to log group %s: %w", groupName, err)
	}
	defer release()
	st, err := s.ensureStream(g, streamName, s.now())
	if err != nil {
		return fmt.Errorf("append to log stream %s/%s: %w", groupName, streamName, err)
	}
	now := millis(s.now())
	evs := make([]event, len(events))
	for i, e := range events {
		evs[i] = event{ts: millis(e.Timestamp), ingest: now, msg: e.Message}
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].ts < evs[j].ts })
	if err := s.writeEvents(g, st, evs); err != nil {
		return fmt.Errorf("append to log stream %s/%s: %w", groupName, streamName, err)
	}
	return nil
}
