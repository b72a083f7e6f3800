package logs

import (
	"encoding/base64"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/realism"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// PutLogEvents limits, as CloudWatch Logs documents them.
const (
	maxBatchEvents   = 10000
	maxBatchBytes    = 1048576 // sum of UTF-8 message bytes + 26 per event
	eventOverhead    = 26
	maxEventBytes    = maxBatchBytes - eventOverhead
	maxBatchSpanMS   = 24 * 3600 * 1000
	maxPastMS        = 14 * 24 * 3600 * 1000 // events older than 14 days are rejected
	maxFutureMS      = 2 * 3600 * 1000       // and more than 2 hours ahead
	defaultReadLimit = 10000
	maxReadBytes     = 1048576
)

// writeEvents assigns sequence numbers, persists the events and only then
// makes them visible. The caller holds g.mu shared.
func (s *Service) writeEvents(g *group, st *stream, evs []event) error {
	// CloudWatch Logs makes events searchable a few seconds after it
	// accepts them (realism.LogsVisibleMin).
	var visible int64
	if after := s.realism.Between(realism.LogsVisibleMin, realism.LogsVisibleMax); after > 0 {
		visible = millis(s.now().Add(after))
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	ops := make([]store.Op, len(evs), len(evs)+1)
	for i := range evs {
		evs[i].seq = s.seq.Add(1)
		ops[i] = store.Put(g.bucket(), eventKey(st.name, evs[i].ts, evs[i].seq), encodeEvent(st.name, evs[i]))
	}
	rec := st.rec
	rec.add(evs)
	ops = append(ops, s.putStream(g, rec))
	if err := s.persist("write log events to "+st.name, ops...); err != nil {
		return err
	}
	st.rec = rec
	if visible > 0 {
		st.hide(evs, visible, millis(s.now()))
	}
	return nil
}

type inputEvent struct {
	Timestamp *int64  `json:"timestamp"`
	Message   *string `json:"message"`
}

type putLogEventsInput struct {
	LogGroupName  string       `json:"logGroupName"`
	LogStreamName string       `json:"logStreamName"`
	LogEvents     []inputEvent `json:"logEvents"`
	SequenceToken string       `json:"sequenceToken"`
}

type rejectedInfo struct {
	TooNewLogEventStartIndex *int `json:"tooNewLogEventStartIndex,omitempty"`
	TooOldLogEventEndIndex   *int `json:"tooOldLogEventEndIndex,omitempty"`
	ExpiredLogEventEndIndex  *int `json:"expiredLogEventEndIndex,omitempty"`
}

type putLogEventsOutput struct {
	NextSequenceToken     string        `json:"nextSequenceToken"`
	RejectedLogEventsInfo *rejectedInfo `json:"rejectedLogEventsInfo,omitempty"`
}

func (s *Service) putLogEvents(call *service.Call, body []byte) (any, error) {
	var in putLogEventsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkGroupName(in.LogGroupName, "logGroupName"); err != nil {
		return nil, err
	}
	if err := checkStreamName(in.LogStreamName); err != nil {
		return nil, err
	}
	if err := call.Authorize(streamResource(call.Region, call.Account, in.LogGroupName, in.LogStreamName)); err != nil {
		return nil, err
	}
	if err := checkBatch(in.LogEvents); err != nil {
		return nil, err
	}
	g, release, err := s.useGroup(call.Region, call.Account, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	defer release()
	st := g.stream(in.LogStreamName)
	if st == nil {
		return nil, streamNotFound()
	}
	retention := g.rec.Retention // g.mu is held shared (useGroup)

	now := millis(call.Now)
	var rejected rejectedInfo
	var accepted []event
	for i, e := range in.LogEvents {
		ts := *e.Timestamp
		switch {
		case retention > 0 && ts < now-int64(retention)*24*3600*1000:
			end := i + 1 // exclusive, as AWS documents the end indexes
			rejected.ExpiredLogEventEndIndex = &end
		case ts < now-maxPastMS:
			end := i + 1
			rejected.TooOldLogEventEndIndex = &end
		case ts > now+maxFutureMS:
			if rejected.TooNewLogEventStartIndex == nil {
				start := i
				rejected.TooNewLogEventStartIndex = &start
			}
		default:
			accepted = append(accepted, event{ts: ts, ingest: now, msg: *e.Message})
		}
	}
	if len(accepted) > 0 {
		if err := s.writeEvents(g, st, accepted); err != nil {
			return nil, err
		}
	}
	st.mu.RLock()
	out := putLogEventsOutput{NextSequenceToken: sequenceToken(st.rec.LastSeq)}
	st.mu.RUnlock()
	if rejected != (rejectedInfo{}) {
		out.RejectedLogEventsInfo = &rejected
	}
	return out, nil
}

// checkBatch applies PutLogEvents' batch rules.
func checkBatch(evs []inputEvent) error {
	if len(evs) == 0 {
		return invalidParameter("1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(evs) > maxBatchEvents {
		return invalidParameter("1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to %d", maxBatchEvents)
	}
	size := 0
	for i, e := range evs {
		if e.Timestamp == nil {
			return invalidParameter("1 validation error detected: Value null at 'logEvents.%d.member.timestamp' failed to satisfy constraint: Member must not be null", i+1)
		}
		if e.Message == nil || *e.Message == "" {
			return invalidParameter("1 validation error detected: Value at 'logEvents.%d.member.message' failed to satisfy constraint: Member must have length greater than or equal to 1", i+1)
		}
		if len(*e.Message) > maxEventBytes {
			return invalidParameter("Log event too large: %d bytes exceeds the limit of %d bytes.", len(*e.Message), maxEventBytes)
		}
		size += len(*e.Message) + eventOverhead
		if i > 0 && *e.Timestamp < *evs[i-1].Timestamp {
			return invalidParameter("Log events in a single PutLogEvents request must be in chronological order.")
		}
	}
	if size > maxBatchBytes {
		return invalidParameter("Upload too large: %d bytes exceeds limit of %d", size, maxBatchBytes)
	}
	if *evs[len(evs)-1].Timestamp-*evs[0].Timestamp > maxBatchSpanMS {
		return invalidParameter("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
	}
	return nil
}

type getLogEventsInput struct {
	LogGroupName       string `json:"logGroupName"`
	LogGroupIdentifier string `json:"logGroupIdentifier"`
	LogStreamName      string `json:"logStreamName"`
	StartTime          *int64 `json:"startTime"`
	EndTime            *int64 `json:"endTime"`
	NextToken          string `json:"nextToken"`
	Limit              *int   `json:"limit"`
	StartFromHead      *bool  `json:"startFromHead"`
	Unmask             bool   `json:"unmask"`
}

type outputEvent struct {
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
}

type getLogEventsOutput struct {
	Events            []outputEvent `json:"events"`
	NextForwardToken  string        `json:"nextForwardToken"`
	NextBackwardToken string        `json:"nextBackwardToken"`
}

// GetLogEvents tokens are "f/" or "b/" and 56 digits naming a position in
// the stream: forward pages start at it, backward pages end just before it.
// At either end of the stream the token given is handed back unchanged,
// which is how clients know to stop.
func parseDirectionToken(tok string) (forward bool, p pos, err error) {
	dir, digits, ok := strings.Cut(tok, "/")
	if ok && (dir == "f" || dir == "b") {
		if p, ok := parseDigits(digits); ok {
			return dir == "f", p, nil
		}
	}
	return false, pos{}, invalidParameter("The specified nextToken is invalid.")
}

func (s *Service) getLogEvents(call *service.Call, body []byte) (any, error) {
	var in getLogEventsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := groupName(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	if err := checkStreamName(in.LogStreamName); err != nil {
		return nil, err
	}
	if err := call.Authorize(streamResource(call.Region, call.Account, name, in.LogStreamName)); err != nil {
		return nil, err
	}
	limit, err := limitParam(in.Limit, defaultReadLimit, defaultReadLimit)
	if err != nil {
		return nil, err
	}
	var (
		hasToken, forward bool
		tokenPos          pos
	)
	if in.NextToken != "" {
		if forward, tokenPos, err = parseDirectionToken(in.NextToken); err != nil {
			return nil, err
		}
		hasToken = true
	}
	g, release, err := s.useGroup(call.Region, call.Account, name)
	if err != nil {
		return nil, err
	}
	defer release()
	st := g.stream(in.LogStreamName)
	if st == nil {
		return nil, streamNotFound()
	}
	cutoff := s.retentionCutoff(g, call)

	st.mu.RLock()
	defer st.mu.RUnlock()
	// The window of events in [startTime, endTime) and not expired.
	lo := pos{ts: max(cutoff, valueOr(in.StartTime, -1<<63))}
	var hi *pos // nil: no end
	if in.EndTime != nil {
		hi = &pos{ts: *in.EndTime}
		if hi.less(lo) {
			hi = &lo
		}
	}
	before := func(e event, end *pos) bool { return end == nil || e.pos().less(*end) }
	// Events not yet readable (realism) end the window, so a forward token
	// stops before them and the next poll finds them.
	if first, ok := st.firstHidden(millis(call.Now)); ok && (hi == nil || first.less(*hi)) {
		if first.less(lo) {
			first = lo
		}
		hi = &first
	}
	fromHead := in.StartFromHead != nil && *in.StartFromHead
	var page []event
	var size int
	// fits adds e to the page unless it would take the page past 1 MB
	// (the page keeps at least one event).
	fits := func(e event) bool {
		size += len(e.msg) + eventOverhead
		return size <= maxReadBytes || len(page) == 0
	}
	var empty *pos // where an empty page stands, for its tokens
	if (hasToken && forward) || (!hasToken && fromHead) {
		start := lo
		if hasToken && lo.less(tokenPos) {
			start = tokenPos
		}
		empty = &start
		err = s.scanEvents(g, st.name, &start, true, func(e event) bool {
			if !before(e, hi) || len(page) == limit || !fits(e) {
				return false
			}
			page = append(page, e)
			return true
		})
	} else {
		end := hi
		if hasToken && (end == nil || tokenPos.less(*end)) {
			end = &tokenPos
		}
		if end != nil && end.less(lo) {
			end = &lo
		}
		empty = end
		err = s.scanEvents(g, st.name, end, false, func(e event) bool {
			if e.pos().less(lo) || len(page) == limit || !fits(e) {
				return false
			}
			page = append(page, e)
			return true
		})
		slices.Reverse(page)
	}
	if err != nil {
		return nil, service.Internal(fmt.Errorf("read log stream %s: %w", st.name, err))
	}
	out := getLogEventsOutput{Events: make([]outputEvent, 0, len(page))}
	for _, e := range page {
		out.Events = append(out.Events, outputEvent{Timestamp: e.ts, Message: e.msg, IngestionTime: e.ingest})
	}
	// Tokens: at the ends, give back what was given (or the boundary).
	fwd, bwd := "f/"+pos{}.digits(), "b/"+pos{}.digits()
	switch {
	case len(page) > 0:
		fwd = "f/" + page[len(page)-1].pos().next().digits()
		bwd = "b/" + page[0].pos().digits()
	case hasToken:
		fwd, bwd = "f/"+tokenPos.digits(), "b/"+tokenPos.digits()
	default:
		// The first event where the empty page stands, else the end.
		var next event
		found := false
		if empty != nil {
			if next, found, err = s.firstAtOrAfter(g, st.name, *empty); err != nil {
				return nil, service.Internal(fmt.Errorf("read log stream %s: %w", st.name, err))
			}
		}
		if found {
			fwd, bwd = "f/"+next.pos().digits(), "b/"+next.pos().digits()
		} else if last, ok, err := s.lastEvent(g, st.name); err != nil {
			return nil, service.Internal(fmt.Errorf("read log stream %s: %w", st.name, err))
		} else if ok {
			end := last.pos().next()
			fwd, bwd = "f/"+end.digits(), "b/"+end.digits()
		}
	}
	out.NextForwardToken, out.NextBackwardToken = fwd, bwd
	return out, nil
}

func valueOr(p *int64, def int64) int64 {
	if p == nil {
		return def
	}
	return *p
}

// retentionCutoff is the oldest timestamp still retained. The caller holds
// g.mu shared (taking it again could deadlock behind a waiting writer).
func (s *Service) retentionCutoff(g *group, call *service.Call) int64 {
	days := g.rec.Retention
	if days == 0 {
		return -1 << 63
	}
	return millis(call.Now) - int64(days)*24*3600*1000
}

type filterLogEventsInput struct {
	LogGroupName        string   `json:"logGroupName"`
	LogGroupIdentifier  string   `json:"logGroupIdentifier"`
	LogStreamNames      []string `json:"logStreamNames"`
	LogStreamNamePrefix string   `json:"logStreamNamePrefix"`
	StartTime           *int64   `json:"startTime"`
	EndTime             *int64   `json:"endTime"`
	FilterPattern       string   `json:"filterPattern"`
	NextToken           string   `json:"nextToken"`
	Limit               *int     `json:"limit"`
	Interleaved         bool     `json:"interleaved"`
	Unmask              bool     `json:"unmask"`
}

type filteredEvent struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventId       string `json:"eventId"`
}

type searchedStream struct {
	LogStreamName      string `json:"logStreamName"`
	SearchedCompletely bool   `json:"searchedCompletely"`
}

type filterLogEventsOutput struct {
	Events             []filteredEvent  `json:"events"`
	SearchedLogStreams []searchedStream `json:"searchedLogStreams"`
	NextToken          string           `json:"nextToken,omitempty"`
}

func filterToken(p pos) string {
	return base64.RawURLEncoding.EncodeToString([]byte("p:" + p.digits()))
}

func parseFilterToken(tok string) (pos, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err == nil && strings.HasPrefix(string(b), "p:") {
		if p, ok := parseDigits(string(b[2:])); ok {
			return p, nil
		}
	}
	return pos{}, invalidParameter("The specified nextToken is invalid.")
}

func (s *Service) filterLogEvents(call *service.Call, body []byte) (any, error) {
	var in filterLogEventsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	name, err := groupName(in.LogGroupName, in.LogGroupIdentifier)
	if err != nil {
		return nil, err
	}
	if err := call.Authorize(groupResource(call.Region, call.Account, name)); err != nil {
		return nil, err
	}
	if len(in.LogStreamNames) > 0 && in.LogStreamNamePrefix != "" {
		return nil, invalidParameter("Cannot specify both logStreamNames and logStreamNamePrefix.")
	}
	if len(in.LogStreamNames) > 100 {
		return nil, invalidParameter("1 validation error detected: Value at 'logStreamNames' failed to satisfy constraint: Member must have length less than or equal to 100")
	}
	limit, err := limitParam(in.Limit, defaultReadLimit, defaultReadLimit)
	if err != nil {
		return nil, err
	}
	match, err := compilePattern(in.FilterPattern)
	if err != nil {
		return nil, err
	}
	from := pos{ts: -1 << 63}
	if in.NextToken != "" {
		if from, err = parseFilterToken(in.NextToken); err != nil {
			return nil, err
		}
	}
	if in.StartTime != nil && from.less(pos{ts: *in.StartTime}) {
		from = pos{ts: *in.StartTime}
	}
	g, release, err := s.useGroup(call.Region, call.Account, name)
	if err != nil {
		return nil, err
	}
	defer release()
	if cutoff := s.retentionCutoff(g, call); from.less(pos{ts: cutoff}) {
		from = pos{ts: cutoff}
	}

	var streams []*stream
	g.streamsMu.RLock()
	if len(in.LogStreamNames) > 0 {
		for _, n := range in.LogStreamNames {
			if st := g.streams[n]; st != nil {
				streams = append(streams, st)
			}
		}
	} else {
		for n, st := range g.streams {
			if strings.HasPrefix(n, in.LogStreamNamePrefix) {
				streams = append(streams, st)
			}
		}
	}
	g.streamsMu.RUnlock()
	sort.Slice(streams, func(i, j int) bool { return streams[i].name < streams[j].name })

	// Up to limit+1 matches from each stream suffice: the first limit of
	// the merged, time-ordered result cannot come from further down.
	var found []filteredEvent
	var positions []pos
	// searchedLogStreams is always empty: "As of May 15, 2020, this
	// parameter is no longer supported. This parameter returns an empty
	// list." (FilterLogEvents API reference).
	nowMS := millis(call.Now)
	out := filterLogEventsOutput{Events: []filteredEvent{}, SearchedLogStreams: []searchedStream{}}
	for _, st := range streams {
		st.mu.RLock()
		n := 0
		err := s.scanEvents(g, st.name, &from, true, func(e event) bool {
			if n > limit || (in.EndTime != nil && e.ts > *in.EndTime) {
				return false
			}
			if st.hidden(e, nowMS) || !match(e.msg) {
				return true
			}
			found = append(found, filteredEvent{LogStreamName: st.name, Timestamp: e.ts, Message: e.msg, IngestionTime: e.ingest, EventId: e.pos().digits()})
			positions = append(positions, e.pos())
			n++
			return true
		})
		st.mu.RUnlock()
		if err != nil {
			return nil, service.Internal(fmt.Errorf("read log stream %s: %w", st.name, err))
		}
	}
	idx := make([]int, len(found))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return positions[idx[a]].less(positions[idx[b]]) })
	size := 0
	for k, i := range idx {
		size += len(found[i].Message) + eventOverhead
		if k == limit || (size > maxReadBytes && k > 0) {
			out.NextToken = filterToken(positions[i])
			break
		}
		out.Events = append(out.Events, found[i])
	}
	return out, nil
}
