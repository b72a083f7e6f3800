package logs

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/service"
)

func TestLogStreams(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	_, err := e.client.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String(fnGroup), LogStreamName: aws.String("s")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("stream in a missing group: %v", err)
	}
	e.group(t, fnGroup)
	for _, s := range []string{"2024/01/01/[$LATEST]b", "2024/01/01/[$LATEST]a", "other"} {
		e.stream(t, fnGroup, s)
	}
	_, err = e.client.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String(fnGroup), LogStreamName: aws.String("other")})
	var exists *types.ResourceAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Errorf("duplicate stream: %v", err)
	}
	_, err = e.client.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String(fnGroup), LogStreamName: aws.String("a:b")})
	if apiCode(err) != "InvalidParameterException" {
		t.Errorf("stream name with a colon: %v", err)
	}
	now := time.Now()
	e.put(t, fnGroup, "2024/01/01/[$LATEST]a", now, "later")
	e.put(t, fnGroup, "2024/01/01/[$LATEST]b", now.Add(-time.Minute), "earlier", "x")

	out := must(e.client.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String(fnGroup), LogStreamNamePrefix: aws.String("2024/")}))(t)
	if len(out.LogStreams) != 2 || aws.ToString(out.LogStreams[0].LogStreamName) != "2024/01/01/[$LATEST]a" {
		t.Fatalf("by name = %+v", out.LogStreams)
	}
	a := out.LogStreams[0]
	if aws.ToInt64(a.FirstEventTimestamp) != now.UnixMilli() || aws.ToInt64(a.LastEventTimestamp) != now.UnixMilli() ||
		a.LastIngestionTime == nil || a.UploadSequenceToken != nil || aws.ToInt64(a.StoredBytes) != 0 || aws.ToInt64(a.CreationTime) == 0 ||
		aws.ToString(a.Arn) != "arn:aws:logs:us-east-1:000000000000:log-group:"+fnGroup+":log-stream:2024/01/01/[$LATEST]a" {
		t.Errorf("stream = %+v", a)
	}
	byTime := must(e.client.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupIdentifier: aws.String(fnGroup),
		OrderBy: types.OrderByLastEventTime, Descending: aws.Bool(true)}))(t).LogStreams
	got := messages(byTime, func(s types.LogStream) *string { return s.LogStreamName })
	if strings.Join(got, ",") != "2024/01/01/[$LATEST]a,2024/01/01/[$LATEST]b,other" {
		t.Errorf("by last event time, descending = %v", got)
	}
	_, err = e.client.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String(fnGroup), OrderBy: types.OrderByLastEventTime, LogStreamNamePrefix: aws.String("2")})
	if apiCode(err) != "InvalidParameterException" {
		t.Errorf("LastEventTime with a prefix: %v", err)
	}
	var paged []string
	p := cwl.NewDescribeLogStreamsPaginator(e.client, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String(fnGroup), Limit: aws.Int32(2)})
	for p.HasMorePages() {
		paged = append(paged, messages(must(p.NextPage(ctx))(t).LogStreams, func(s types.LogStream) *string { return s.LogStreamName })...)
	}
	if len(paged) != 3 {
		t.Errorf("paged streams = %v", paged)
	}

	must(e.client.DeleteLogStream(ctx, &cwl.DeleteLogStreamInput{LogGroupName: aws.String(fnGroup), LogStreamName: aws.String("2024/01/01/[$LATEST]b")}))(t)
	_, err = e.client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String(fnGroup), LogStreamName: aws.String("2024/01/01/[$LATEST]b")})
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "The specified log stream does not exist.") {
		t.Errorf("events of a deleted stream: %v", err)
	}
	if n := len(dump(t, e.st)); n != 1+2+1 { // group record, 2 stream records, 1 event
		t.Errorf("store holds %d keys after deleting a stream, want 4", n)
	}
}

func TestPutLogEventsRules(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	e.group(t, fnGroup)
	e.stream(t, fnGroup, "s")
	now := time.Now()
	ev := func(ts time.Time, msg string) types.InputLogEvent {
		return types.InputLogEvent{Timestamp: aws.Int64(ts.UnixMilli()), Message: aws.String(msg)}
	}
	put := func(evs ...types.InputLogEvent) (*cwl.PutLogEventsOutput, error) {
		return e.client.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String(fnGroup), LogStreamName: aws.String("s"), LogEvents: evs})
	}
	first := must(put(ev(now, "one")))(t)
	second := must(put(ev(now, "two")))(t)
	if aws.ToString(first.NextSequenceToken) == "" || aws.ToString(first.NextSequenceToken) == aws.ToString(second.NextSequenceToken) {
		t.Errorf("sequence tokens %q then %q", aws.ToString(first.NextSequenceToken), aws.ToString(second.NextSequenceToken))
	}
	for name, evs := range map[string][]types.InputLogEvent{
		"out of order":   {ev(now, "b"), ev(now.Add(-time.Second), "a")},
		"spans 25 hours": {ev(now.Add(-25*time.Hour), "a"), ev(now, "b")},
		"empty message":  {ev(now, "")},
		"too big":        {ev(now, strings.Repeat("x", maxEventBytes+1))},
		"none":           {},
	} {
		if _, err := put(evs...); apiCode(err) != "InvalidParameterException" {
			t.Errorf("%s: %v", name, err)
		}
	}
	twoWeeks := 14 * 24 * time.Hour
	out := must(put(ev(now.Add(-twoWeeks-2*time.Hour), "ancient"), ev(now.Add(-twoWeeks-time.Hour), "old"), ev(now.Add(-twoWeeks+time.Hour), "oldest kept")))(t)
	if r := out.RejectedLogEventsInfo; r == nil || aws.ToInt32(r.TooOldLogEventEndIndex) != 2 || r.TooNewLogEventStartIndex != nil {
		t.Errorf("too old: %+v", r)
	}
	out = must(put(ev(now, "fine"), ev(now.Add(3*time.Hour), "future")))(t)
	if r := out.RejectedLogEventsInfo; r == nil || aws.ToInt32(r.TooNewLogEventStartIndex) != 1 {
		t.Errorf("too new: %+v", r)
	}
	_, err := e.client.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String(fnGroup), LogStreamName: aws.String("nope"), LogEvents: []types.InputLogEvent{ev(now, "x")}})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("missing stream: %v", err)
	}
	all := must(e.client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String(fnGroup), LogStreamName: aws.String("s"), StartFromHead: aws.Bool(true)}))(t)
	if got := strings.Join(messages(all.Events, func(e types.OutputLogEvent) *string { return e.Message }), ","); got != "oldest kept,one,two,fine" {
		t.Errorf("stored = %s", got)
	}
}

func TestGetLogEventsPaging(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	e.group(t, fnGroup)
	e.stream(t, fnGroup, "s")
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	var msgs []string
	for i := 0; i < 10; i++ {
		msgs = append(msgs, fmt.Sprintf("line %d", i))
	}
	e.put(t, fnGroup, "s", base, msgs...)
	get := func(in cwl.GetLogEventsInput) *cwl.GetLogEventsOutput {
		in.LogGroupName, in.LogStreamName = aws.String(fnGroup), aws.String("s")
		return must(e.client.GetLogEvents(ctx, &in))(t)
	}
	text := func(o *cwl.GetLogEventsOutput) string {
		return strings.Join(messages(o.Events, func(e types.OutputLogEvent) *string { return e.Message }), ",")
	}

	// From the head, forward until the token comes back unchanged.
	var seen []string
	in := cwl.GetLogEventsInput{StartFromHead: aws.Bool(true), Limit: aws.Int32(4)}
	for i := 0; i < 10; i++ {
		out := get(in)
		seen = append(seen, messages(out.Events, func(e types.OutputLogEvent) *string { return e.Message })...)
		if !strings.HasPrefix(aws.ToString(out.NextForwardToken), "f/") || !strings.HasPrefix(aws.ToString(out.NextBackwardToken), "b/") {
			t.Fatalf("tokens %q %q", aws.ToString(out.NextForwardToken), aws.ToString(out.NextBackwardToken))
		}
		if aws.ToString(out.NextForwardToken) == aws.ToString(in.NextToken) {
			break
		}
		in.NextToken = out.NextForwardToken
	}
	if strings.Join(seen, ",") != strings.Join(msgs, ",") {
		t.Errorf("forward pages = %v", seen)
	}

	// Without startFromHead: the newest events, then backwards.
	tail := get(cwl.GetLogEventsInput{Limit: aws.Int32(3)})
	if text(tail) != "line 7,line 8,line 9" {
		t.Errorf("tail = %s", text(tail))
	}
	back := get(cwl.GetLogEventsInput{Limit: aws.Int32(3), NextToken: tail.NextBackwardToken})
	if text(back) != "line 4,line 5,line 6" {
		t.Errorf("backward page = %s", text(back))
	}
	fwd := get(cwl.GetLogEventsInput{NextToken: tail.NextForwardToken})
	if len(fwd.Events) != 0 || aws.ToString(fwd.NextForwardToken) != aws.ToString(tail.NextForwardToken) {
		t.Errorf("forward at the end: %s, token %q", text(fwd), aws.ToString(fwd.NextForwardToken))
	}
	// A new event shows up from the same forward token (how `logs --follow` works).
	e.put(t, fnGroup, "s", base.Add(time.Second), "line 10")
	if more := get(cwl.GetLogEventsInput{NextToken: tail.NextForwardToken}); text(more) != "line 10" {
		t.Errorf("follow = %s", text(more))
	}

	// Time window: startTime inclusive, endTime exclusive.
	window := get(cwl.GetLogEventsInput{StartFromHead: aws.Bool(true), StartTime: aws.Int64(base.Add(2 * time.Millisecond).UnixMilli()), EndTime: aws.Int64(base.Add(5 * time.Millisecond).UnixMilli())})
	if text(window) != "line 2,line 3,line 4" {
		t.Errorf("window = %s", text(window))
	}
	if first := window.Events[0]; aws.ToInt64(first.Timestamp) != base.Add(2*time.Millisecond).UnixMilli() || aws.ToInt64(first.IngestionTime) == 0 {
		t.Errorf("event = %+v", first)
	}
	_, err := e.client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String(fnGroup), LogStreamName: aws.String("s"), NextToken: aws.String("f/123")})
	if apiCode(err) != "InvalidParameterException" {
		t.Errorf("bad token: %v", err)
	}
}

func TestFilterLogEvents(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	e.group(t, fnGroup)
	e.stream(t, fnGroup, "a")
	e.stream(t, fnGroup, "b")
	base := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	e.put(t, fnGroup, "a", base, "START RequestId: 1", `{"level":"ERROR","order":"ORD-1001","amount":250}`, "order ORD-1001 stored", "END RequestId: 1")
	e.put(t, fnGroup, "b", base.Add(500*time.Microsecond), "order ORD-1002 stored", "WARN slow DynamoDB call", `{"level":"INFO","order":"ORD-1002","amount":99.99}`)

	filter := func(in cwl.FilterLogEventsInput) []string {
		in.LogGroupName = aws.String(fnGroup)
		return messages(must(e.client.FilterLogEvents(ctx, &in))(t).Events, func(e types.FilteredLogEvent) *string { return e.Message })
	}
	cases := []struct {
		pattern string
		want    []string
	}{
		{"", []string{"START RequestId: 1", "order ORD-1002 stored", `{"level":"ERROR","order":"ORD-1001","amount":250}`, "WARN slow DynamoDB call", "order ORD-1001 stored", `{"level":"INFO","order":"ORD-1002","amount":99.99}`, "END RequestId: 1"}},
		{"ORD-1001", []string{`{"level":"ERROR","order":"ORD-1001","amount":250}`, "order ORD-1001 stored"}},
		{"order stored", []string{"order ORD-1002 stored", "order ORD-1001 stored"}},
		{`"ORD-1001 stored"`, []string{"order ORD-1001 stored"}},
		{`"1001 order"`, nil},
		{"?WARN ?START", []string{"START RequestId: 1", "WARN slow DynamoDB call"}},
		{"stored -ORD-1002", []string{"order ORD-1001 stored"}},
		{"error", nil}, // terms are case-sensitive
		{`%ORD-100[12] stored%`, []string{"order ORD-1002 stored", "order ORD-1001 stored"}},
		{`{ $.level = "ERROR" }`, []string{`{"level":"ERROR","order":"ORD-1001","amount":250}`}},
		{`{ $.amount > 100 || $.level = "INF*" }`, []string{`{"level":"ERROR","order":"ORD-1001","amount":250}`, `{"level":"INFO","order":"ORD-1002","amount":99.99}`}},
		{`{ ($.amount < 100) && $.missing NOT EXISTS }`, []string{`{"level":"INFO","order":"ORD-1002","amount":99.99}`}},
	}
	for _, c := range cases {
		if got := filter(cwl.FilterLogEventsInput{FilterPattern: aws.String(c.pattern)}); strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("pattern %q:\n got  %q\n want %q", c.pattern, got, c.want)
		}
	}
	if got := filter(cwl.FilterLogEventsInput{FilterPattern: aws.String("stored"), LogStreamNames: []string{"b"}}); len(got) != 1 || got[0] != "order ORD-1002 stored" {
		t.Errorf("logStreamNames = %v", got)
	}
	if got := filter(cwl.FilterLogEventsInput{StartTime: aws.Int64(base.Add(2 * time.Millisecond).UnixMilli()), EndTime: aws.Int64(base.Add(2 * time.Millisecond).UnixMilli())}); len(got) != 2 {
		t.Errorf("startTime..endTime (inclusive) = %v", got)
	}
	for _, bad := range []string{`"unterminated`, `{ $.a = }`, `{ $.a > "x" }`, `[ip, user]`, `%[%`} {
		_, err := e.client.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String(fnGroup), FilterPattern: aws.String(bad)})
		if apiCode(err) != "InvalidParameterException" {
			t.Errorf("pattern %q: %v", bad, err)
		}
	}

	// Pagination keeps the interleaved order and carries stream and id.
	var all []types.FilteredLogEvent
	p := cwl.NewFilterLogEventsPaginator(e.client, &cwl.FilterLogEventsInput{LogGroupName: aws.String(fnGroup), Limit: aws.Int32(3)})
	pages := 0
	for p.HasMorePages() {
		out := must(p.NextPage(ctx))(t)
		pages++
		all = append(all, out.Events...)
		// No longer supported: always an empty list (FilterLogEvents API reference).
		if out.SearchedLogStreams == nil || len(out.SearchedLogStreams) != 0 {
			t.Errorf("searchedLogStreams = %+v, want []", out.SearchedLogStreams)
		}
	}
	if len(all) != 7 || pages != 3 || aws.ToString(all[1].LogStreamName) != "b" || len(aws.ToString(all[0].EventId)) != 56 {
		t.Errorf("%d events in %d pages: %+v", len(all), pages, all)
	}
}

func TestAppendForLambda(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	stream := "2025/01/02/[$LATEST]0123456789abcdef"
	now := time.Now()
	err := e.svc.Append(ctx, region, account, fnGroup, stream, []Event{{Timestamp: now, Message: "START"}})
	var se *service.Error
	if !errors.As(err, &se) || se.Code != "ResourceNotFoundException" {
		t.Fatalf("append to a missing group: %v", err)
	}
	e.group(t, fnGroup)
	if err := e.svc.Append(ctx, region, account, fnGroup, stream, []Event{
		{Timestamp: now.Add(time.Millisecond), Message: "END"}, {Timestamp: now, Message: "START"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Append(ctx, region, account, fnGroup, stream, []Event{{Timestamp: now.Add(2 * time.Millisecond), Message: "REPORT"}}); err != nil {
		t.Fatal(err)
	}
	out := must(e.client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String(fnGroup), LogStreamName: aws.String(stream), StartFromHead: aws.Bool(true)}))(t)
	if got := strings.Join(messages(out.Events, func(e types.OutputLogEvent) *string { return e.Message }), ","); got != "START,END,REPORT" {
		t.Errorf("appended = %s", got)
	}
	if err := e.svc.Append(ctx, "eu-west-1", account, fnGroup, stream, []Event{{Timestamp: now, Message: "x"}}); err == nil {
		t.Error("append found the group in another region")
	}
}
