package invoke

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

func ev(id string, ts int64, msg string) cwtypes.FilteredLogEvent {
	return cwtypes.FilteredLogEvent{EventId: aws.String(id), Timestamp: aws.Int64(ts), Message: aws.String(msg),
		LogStreamName: aws.String("2025/01/02/[$LATEST]abc")}
}

func messages(events []LogEvent) string {
	var parts []string
	for _, e := range events {
		parts = append(parts, e.Message)
	}
	return strings.Join(parts, ",")
}

func TestTailPagesOnce(t *testing.T) {
	now := time.UnixMilli(1_700_000_600_000)
	fake := &fakeLogs{fn: func(_ context.Context, in *cloudwatchlogs.FilterLogEventsInput) (*cloudwatchlogs.FilterLogEventsOutput, error) {
		switch aws.ToString(in.NextToken) {
		case "":
			return &cloudwatchlogs.FilterLogEventsOutput{Events: []cwtypes.FilteredLogEvent{ev("1", 1, "a\n"), ev("2", 2, "b")}, NextToken: aws.String("p2")}, nil
		case "p2":
			// The last page repeats its token, as some endpoints do.
			return &cloudwatchlogs.FilterLogEventsOutput{Events: []cwtypes.FilteredLogEvent{ev("3", 3, "c")}, NextToken: aws.String("p2")}, nil
		}
		return nil, fmt.Errorf("unexpected token %q", aws.ToString(in.NextToken))
	}}
	var got []LogEvent
	err := Tail(context.Background(), fake, "/aws/lambda/Fn", 10*time.Minute, false, func(e LogEvent) { got = append(got, e) },
		Clock(func() time.Time { return now }))
	if err != nil {
		t.Fatalf("Tail: %v", err)
	}
	if messages(got) != "a,b,c" {
		t.Errorf("emitted %q, want a,b,c (trailing newline trimmed)", messages(got))
	}
	if got[1].ID != "2" || got[1].Stream != "2025/01/02/[$LATEST]abc" || !got[1].Time.Equal(time.UnixMilli(2)) {
		t.Errorf("event = %+v", got[1])
	}
	calls := fake.inputs()
	if len(calls) != 2 {
		t.Fatalf("%d calls, want 2 (one per page)", len(calls))
	}
	wantStart := now.Add(-10 * time.Minute).UnixMilli()
	for _, c := range calls {
		if aws.ToString(c.LogGroupName) != "/aws/lambda/Fn" || aws.ToInt64(c.StartTime) != wantStart {
			t.Errorf("call %+v, want group and StartTime %d", c, wantStart)
		}
	}
}

func TestTailSinceZeroReadsFromTheBeginning(t *testing.T) {
	fake := &fakeLogs{fn: func(context.Context, *cloudwatchlogs.FilterLogEventsInput) (*cloudwatchlogs.FilterLogEventsOutput, error) {
		return &cloudwatchlogs.FilterLogEventsOutput{}, nil
	}}
	if err := Tail(context.Background(), fake, "g", 0, false, func(LogEvent) {}); err != nil {
		t.Fatal(err)
	}
	if c := fake.inputs(); len(c) != 1 || c[0].StartTime != nil {
		t.Errorf("calls %+v, want one without StartTime", c)
	}
}

func TestTailFollowDeduplicates(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Each poll is answered by the next script entry; the server returns
	// overlapping events, as CloudWatch does for an inclusive StartTime.
	script := [][]cwtypes.FilteredLogEvent{
		{ev("e1", 1000, "one"), ev("e2", 2000, "two")},
		{ev("e2", 2000, "two"), ev("e3", 2000, "three (same ms as two)")},
		{ev("e1", 1000, "one"), ev("e2", 2000, "two"), ev("e3", 2000, "three"), ev("e5", 1500, "late, older timestamp")},
		{ev("e6", 2500, "six")},
	}
	fake := &fakeLogs{}
	fake.fn = func(_ context.Context, in *cloudwatchlogs.FilterLogEventsInput) (*cloudwatchlogs.FilterLogEventsOutput, error) {
		n := len(fake.inputs()) - 1
		if n >= len(script) {
			cancel()
			return nil, ctx.Err()
		}
		return &cloudwatchlogs.FilterLogEventsOutput{Events: script[n]}, nil
	}
	var got []LogEvent
	err := Tail(ctx, fake, "g", time.Hour, true, func(e LogEvent) { got = append(got, e) },
		PollInterval(time.Millisecond), Lookback(time.Second), Clock(func() time.Time { return time.UnixMilli(500 + 3600_000) }))
	if err != nil {
		t.Fatalf("Tail ended with %v, want nil on cancel", err)
	}
	if want := "one,two,three (same ms as two),late, older timestamp,six"; messages(got) != want {
		t.Errorf("emitted %q, want %q", messages(got), want)
	}
	var starts []int64
	for _, c := range fake.inputs() {
		starts = append(starts, aws.ToInt64(c.StartTime))
	}
	// First from "since" (500 ms), then from the newest event minus the
	// one-second lookback.
	want := []int64{500, 1000, 1000, 1000, 1500}
	if fmt.Sprint(starts) != fmt.Sprint(want) {
		t.Errorf("StartTimes %v, want %v", starts, want)
	}
}

func TestTailFollowStopsOnCancelWhileWaiting(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	fake := &fakeLogs{fn: func(context.Context, *cloudwatchlogs.FilterLogEventsInput) (*cloudwatchlogs.FilterLogEventsOutput, error) {
		cancel() // the poll interval below is an hour: only cancellation ends the wait
		return &cloudwatchlogs.FilterLogEventsOutput{}, nil
	}}
	if err := Tail(ctx, fake, "g", time.Minute, true, func(LogEvent) {}, PollInterval(time.Hour)); err != nil {
		t.Errorf("Tail = %v, want nil", err)
	}
}

func TestTailMissingGroup(t *testing.T) {
	fake := &fakeLogs{fn: func(context.Context, *cloudwatchlogs.FilterLogEventsInput) (*cloudwatchlogs.FilterLogEventsOutput, error) {
		return nil, &cwtypes.ResourceNotFoundException{Message: aws.String("The specified log group does not exist.")}
	}}
	for _, follow := range []bool{false, true} {
		err := Tail(context.Background(), fake, "/aws/lambda/Fn", time.Minute, follow, func(LogEvent) {})
		if !errors.Is(err, ErrLogGroupNotFound) || !strings.Contains(err.Error(), "/aws/lambda/Fn") || !strings.Contains(err.Error(), "orders up") {
			t.Errorf("follow=%v: error = %v", follow, err)
		}
	}
}

// An event that becomes visible late, with a timestamp well before the
// newest one seen (30 s: CloudWatch's ingestion under load), is still
// shown, once: --follow never misses it (the 5 s lookback did).
func TestTailFollowShowsALateEvent(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const newest = 3_600_000
	script := [][]cwtypes.FilteredLogEvent{
		{ev("e1", newest, "newest")},
		{ev("e0", newest-30_000, "late by 30s")},
		{ev("e0", newest-30_000, "late by 30s"), ev("e1", newest, "newest")},
	}
	fake := &fakeLogs{}
	fake.fn = func(_ context.Context, in *cloudwatchlogs.FilterLogEventsInput) (*cloudwatchlogs.FilterLogEventsOutput, error) {
		n := len(fake.inputs()) - 1
		if n >= len(script) {
			cancel()
			return nil, ctx.Err()
		}
		var out []cwtypes.FilteredLogEvent
		for _, e := range script[n] { // CloudWatch honours StartTime
			if aws.ToInt64(e.Timestamp) >= aws.ToInt64(in.StartTime) {
				out = append(out, e)
			}
		}
		return &cloudwatchlogs.FilterLogEventsOutput{Events: out}, nil
	}
	var got []LogEvent
	err := Tail(ctx, fake, "g", time.Hour, true, func(e LogEvent) { got = append(got, e) },
		PollInterval(time.Millisecond), Clock(func() time.Time { return time.UnixMilli(newest + 1000) }))
	if err != nil {
		t.Fatal(err)
	}
	if want := "newest,late by 30s"; messages(got) != want {
		t.Errorf("emitted %q, want %q", messages(got), want)
	}
}

// FilterPattern and Window reach FilterLogEvents.
func TestTailFilterAndWindow(t *testing.T) {
	fake := &fakeLogs{fn: func(context.Context, *cloudwatchlogs.FilterLogEventsInput) (*cloudwatchlogs.FilterLogEventsOutput, error) {
		return &cloudwatchlogs.FilterLogEventsOutput{}, nil
	}}
	start, end := time.UnixMilli(1_000_000), time.UnixMilli(2_000_000)
	if err := Tail(context.Background(), fake, "g", time.Minute, false, func(LogEvent) {}, FilterPattern(`"ORD-1"`), Window(start, end)); err != nil {
		t.Fatal(err)
	}
	c := fake.inputs()
	if len(c) != 1 || aws.ToString(c[0].FilterPattern) != `"ORD-1"` || aws.ToInt64(c[0].StartTime) != 1_000_000 || aws.ToInt64(c[0].EndTime) != 2_000_000 {
		t.Errorf("calls %+v", c)
	}
}
