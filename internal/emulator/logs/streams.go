package logs

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

func checkStreamName(name string) error {
	if name == "" {
		return invalidParameter("1 validation error detected: Value null at 'logStreamName' failed to satisfy constraint: Member must not be null")
	}
	if len(name) > 512 {
		return invalidParameter("1 validation error detected: Value '%s' at 'logStreamName' failed to satisfy constraint: Member must have length less than or equal to 512", name)
	}
	if strings.ContainsAny(name, ":*") {
		return invalidParameter("1 validation error detected: Value '%s' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*", name)
	}
	return nil
}

func (g *group) stream(name string) *stream {
	g.streamsMu.RLock()
	defer g.streamsMu.RUnlock()
	return g.streams[name]
}

// createStream adds a stream durably; the caller holds g.mu shared.
func (s *Service) createStream(g *group, name string, now time.Time) (*stream, error) {
	g.streamsMu.Lock()
	defer g.streamsMu.Unlock()
	if g.streams[name] != nil {
		return nil, service.Errorf(400, "ResourceAlreadyExistsException", "The specified log stream already exists")
	}
	st := &stream{name: name, rec: streamRecord{Name: name, Created: millis(now), Stats: true}}
	if err := s.persist("create log stream "+name, s.putStream(g, st.rec)); err != nil {
		return nil, err
	}
	g.streams[name] = st
	return st, nil
}

// ensureStream returns the named stream, creating it if missing.
func (s *Service) ensureStream(g *group, name string, now time.Time) (*stream, error) {
	if st := g.stream(name); st != nil {
		return st, nil
	}
	if err := checkStreamName(name); err != nil {
		return nil, err
	}
	st, err := s.createStream(g, name, now)
	if err != nil {
		if existing := g.stream(name); existing != nil { // created concurrently
			return existing, nil
		}
		return nil, err
	}
	return st, nil
}

type streamInput struct {
	LogGroupName  string `json:"logGroupName"`
	LogStreamName string `json:"logStreamName"`
}

func (s *Service) createLogStream(call *service.Call, body []byte) (any, error) {
	var in streamInput
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
	g, release, err := s.useGroup(call.Region, call.Account, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	defer release()
	_, err = s.createStream(g, in.LogStreamName, call.Now)
	return nil, err
}

func (s *Service) deleteLogStream(call *service.Call, body []byte) (any, error) {
	var in streamInput
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
	g, release, err := s.useGroup(call.Region, call.Account, in.LogGroupName)
	if err != nil {
		return nil, err
	}
	defer release()
	g.streamsMu.Lock()
	defer g.streamsMu.Unlock()
	st := g.streams[in.LogStreamName]
	if st == nil {
		return nil, streamNotFound()
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	ops := []store.Op{store.Del(g.bucket(), streamKey(in.LogStreamName))}
	lo, hi := streamEvents(in.LogStreamName)
	err = s.st.Scan(g.bucket(), lo, hi, false, func(k, _ []byte) bool {
		ops = append(ops, store.Del(g.bucket(), string(k)))
		return true
	})
	if err != nil {
		return nil, service.Internal(fmt.Errorf("delete log stream %s: %w", in.LogStreamName, err))
	}
	if err := s.persist("delete log stream "+in.LogStreamName, ops...); err != nil {
		return nil, err
	}
	delete(g.streams, in.LogStreamName)
	return nil, nil
}

type describeLogStreamsInput struct {
	LogGroupName        string `json:"logGroupName"`
	LogGroupIdentifier  string `json:"logGroupIdentifier"`
	LogStreamNamePrefix string `json:"logStreamNamePrefix"`
	OrderBy             string `json:"orderBy"`
	Descending          bool   `json:"descending"`
	NextToken           string `json:"nextToken"`
	Limit               *int   `json:"limit"`
}

type logStreamOut struct {
	LogStreamName       string `json:"logStreamName"`
	CreationTime        int64  `json:"creationTime"`
	FirstEventTimestamp *int64 `json:"firstEventTimestamp,omitempty"`
	LastEventTimestamp  *int64 `json:"lastEventTimestamp,omitempty"`
	LastIngestionTime   *int64 `json:"lastIngestionTime,omitempty"`
	Arn                 string `json:"arn"`
	// StoredBytes is always 0 for a stream: "Starting on June 17, 2019,
	// this parameter will be deprecated for log streams, and will be
	// reported as zero" (the group's storedBytes still counts).
	// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_LogStream.html
	StoredBytes int64 `json:"storedBytes"`
}

type describeLogStreamsOutput struct {
	LogStreams []logStreamOut `json:"logStreams"`
	NextToken  string         `json:"nextToken,omitempty"`
}

// sequenceToken is the token PutLogEvents returns; AWS ignores it on input
// and DescribeLogStreams no longer shows it (uploadSequenceToken: "You don't
// need to obtain uploadSequenceToken to use a PutLogEvents action").
func sequenceToken(lastSeq uint64) string {
	return fmt.Sprintf("%056d", lastSeq)
}

func (st *stream) describe(g *group) logStreamOut {
	st.mu.RLock()
	defer st.mu.RUnlock()
	o := logStreamOut{
		LogStreamName: st.name, CreationTime: st.rec.Created,
		Arn: g.arn() + ":log-stream:" + st.name,
	}
	if st.rec.Events > 0 {
		first, last, ingest := st.rec.FirstTS, st.rec.LastTS, st.rec.LastIngest
		o.FirstEventTimestamp, o.LastEventTimestamp, o.LastIngestionTime = &first, &last, &ingest
	}
	return o
}

func (s *Service) describeLogStreams(call *service.Call, body []byte) (any, error) {
	var in describeLogStreamsInput
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
	switch in.OrderBy {
	case "", "LogStreamName":
		in.OrderBy = "LogStreamName"
	case "LastEventTime":
		if in.LogStreamNamePrefix != "" {
			return nil, invalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.")
		}
	default:
		return nil, invalidParameter("1 validation error detected: Value '%s' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]", in.OrderBy)
	}
	limit, err := limitParam(in.Limit, 50, 50)
	if err != nil {
		return nil, err
	}
	offset := 0
	if in.NextToken != "" {
		if offset, err = parseOffsetToken(in.NextToken); err != nil {
			return nil, err
		}
	}
	g, release, err := s.useGroup(call.Region, call.Account, name)
	if err != nil {
		return nil, err
	}
	defer release()
	g.streamsMu.RLock()
	all := make([]logStreamOut, 0, len(g.streams))
	for sname, st := range g.streams {
		if strings.HasPrefix(sname, in.LogStreamNamePrefix) {
			all = append(all, st.describe(g))
		}
	}
	g.streamsMu.RUnlock()
	less := func(a, b logStreamOut) bool { return a.LogStreamName < b.LogStreamName }
	if in.OrderBy == "LastEventTime" {
		less = func(a, b logStreamOut) bool {
			ta, tb := lastEvent(a), lastEvent(b)
			if ta != tb {
				return ta < tb
			}
			return a.LogStreamName < b.LogStreamName
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if in.Descending {
			return less(all[j], all[i])
		}
		return less(all[i], all[j])
	})
	out := describeLogStreamsOutput{LogStreams: []logStreamOut{}}
	if offset < len(all) {
		end := min(offset+limit, len(all))
		out.LogStreams = all[offset:end]
		if end < len(all) {
			out.NextToken = offsetToken(end)
		}
	}
	return out, nil
}

func lastEvent(o logStreamOut) int64 {
	if o.LastEventTimestamp == nil {
		return -1 << 63
	}
	return *o.LastEventTimestamp
}

// Offset tokens page through DescribeLogStreams, whose order (by last event
// time) changes as events arrive, so a name is not a stable cursor.
func offsetToken(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(n)))
}

func parseOffsetToken(tok string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), "o:") {
		return 0, invalidParameter("The specified nextToken is invalid.")
	}
	n, err := strconv.Atoi(string(b[2:]))
	if err != nil || n < 0 {
		return 0, invalidParameter("The specified nextToken is invalid.")
	}
	return n, nil
}
