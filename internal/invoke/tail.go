package invoke

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/orders-dev/orders/internal/awsapi"
)

// LogEvent is one line of the function's log.
type LogEvent struct {
	Time    time.Time `json:"time"`
	Stream  string    `json:"stream"`
	Message string    `json:"message"` // without its trailing newline
	ID      string    `json:"eventId"`
}

// ErrLogGroupNotFound is matched (errors.Is) by Tail's error when the log
// group does not exist.
var ErrLogGroupNotFound = errors.New("log group not found")

// Defaults of Tail's follow mode.
const (
	DefaultPollInterval = time.Second
	// DefaultLookback is how far before the newest event seen each poll
	// looks again: events are not always ingested in timestamp order (two
	// instances of the function log to two streams, and CloudWatch Logs
	// makes events searchable only after ingestion, which under load takes
	// tens of seconds), and an event that arrives late with an older
	// timestamp is still shown, once. It was 5 s, which missed events that
	// became visible later than that; re-reading two minutes costs some
	// pages per poll, de-duplicated by eventId.
	DefaultLookback = 2 * time.Minute
)

// TailOption adjusts Tail.
type TailOption func(*tailer)

// PollInterval sets how often Tail asks for new events when following.
func PollInterval(d time.Duration) TailOption { return func(t *tailer) { t.poll = d } }

// Lookback sets how far before the newest event seen each poll looks again
// (0: from the newest event's millisecond on).
func Lookback(d time.Duration) TailOption { return func(t *tailer) { t.lookback = d } }

// FilterPattern passes a CloudWatch Logs filter pattern to
// FilterLogEvents: only matching events are read.
func FilterPattern(p string) TailOption { return func(t *tailer) { t.pattern = p } }

// Window reads the events from start (zero: as since says) to end (zero:
// no end; CloudWatch's EndTime excludes it), instead of from since ago.
func Window(start, end time.Time) TailOption {
	return func(t *tailer) { t.from, t.until = start, end }
}

// Clock sets the clock Tail computes "since" from.
func Clock(now func() time.Time) TailOption { return func(t *tailer) { t.now = now } }

type tailer struct {
	logs     awsapi.Logs
	group    string
	poll     time.Duration
	lookback time.Duration
	now      func() time.Time
	emit     func(LogEvent)
	pattern  string
	from     time.Time
	until    time.Time

	seen   map[string]int64 // event key -> timestamp (ms), for events at or after start
	newest int64            // newest timestamp emitted (ms)
	any    bool             // an event was emitted
}

// Tail emits the log events of group from since ago (0: from the beginning)
// in the order FilterLogEvents returns them, all pages. With follow it then
// polls every second for newer events, each emitted once (de-duplicated by
// eventId), until ctx is cancelled, which ends it without error. A missing
// log group is an error matching ErrLogGroupNotFound.
func Tail(ctx context.Context, logs awsapi.Logs, group string, since time.Duration, follow bool, emit func(LogEvent), opts ...TailOption) error {
	t := &tailer{logs: logs, group: group, poll: DefaultPollInterval, lookback: DefaultLookback,
		now: time.Now, emit: emit, seen: map[string]int64{}}
	for _, o := range opts {
		o(t)
	}
	var start int64 // ms since the epoch; 0: from the beginning
	if since > 0 {
		start = t.now().Add(-since).UnixMilli()
	}
	if !t.from.IsZero() {
		start = t.from.UnixMilli()
	}
	for {
		if err := t.fetch(ctx, start); err != nil {
			if follow && ctx.Err() != nil {
				return nil
			}
			return err
		}
		if !follow {
			return nil
		}
		if t.any {
			start = max(start, t.newest-t.lookback.Milliseconds())
		}
		t.forgetBefore(start)
		timer := time.NewTimer(t.poll)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
	}
}

// fetch reads every page of events from start on and emits the new ones.
func (t *tailer) fetch(ctx context.Context, start int64) error {
	in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(t.group)}
	if start > 0 {
		in.StartTime = aws.Int64(start)
	}
	if !t.until.IsZero() {
		in.EndTime = aws.Int64(t.until.UnixMilli())
	}
	if t.pattern != "" {
		in.FilterPattern = aws.String(t.pattern)
	}
	for {
		out, err := t.logs.FilterLogEvents(ctx, in)
		if err != nil {
			if awsapi.ErrorCode(err) == "ResourceNotFoundException" {
				return fmt.Errorf("read log group %s: %w (it is created by `orders up`; is the stack there, with this --prefix and --region?)",
					t.group, ErrLogGroupNotFound)
			}
			return fmt.Errorf("read log group %s: %w", t.group, awsapi.ExplainAccessDenied(err))
		}
		for _, e := range out.Events {
			ts := aws.ToInt64(e.Timestamp)
			msg := aws.ToString(e.Message)
			key := aws.ToString(e.EventId)
			if key == "" { // not every endpoint sends ids
				key = aws.ToString(e.LogStreamName) + "\x00" + strconv.FormatInt(ts, 10) + "\x00" + msg
			}
			if _, dup := t.seen[key]; dup {
				continue
			}
			t.seen[key] = ts
			if !t.any || ts > t.newest {
				t.newest, t.any = ts, true
			}
			t.emit(LogEvent{
				Time:    time.UnixMilli(ts).UTC(),
				Stream:  aws.ToString(e.LogStreamName),
				Message: strings.TrimRight(msg, "\n"),
				ID:      aws.ToString(e.EventId),
			})
		}
		next := aws.ToString(out.NextToken)
		// Some endpoints hand back the token they were given on the last
		// page; stop instead of looping on it.
		if next == "" || next == aws.ToString(in.NextToken) {
			return nil
		}
		in.NextToken = aws.String(next)
	}
}

// forgetBefore drops the ids of events older than start: the next poll
// cannot return them, so the set stays as small as the lookback window.
func (t *tailer) forgetBefore(start int64) {
	for k, ts := range t.seen {
		if ts < start {
			delete(t.seen, k)
		}
	}
}
