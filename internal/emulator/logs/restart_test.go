package logs

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/store"
)

func TestRestartKeepsGroupsStreamsAndEvents(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, st, dispatch.Options{})
	must(e.client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(fnGroup), Tags: map[string]string{"orders:stack": "orders"}}))(t)
	must(e.client.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String(fnGroup), RetentionInDays: aws.Int32(14)}))(t)
	e.group(t, "/gone")
	e.stream(t, "/gone", "s")
	e.stream(t, fnGroup, "s")
	now := time.Now().Truncate(time.Millisecond)
	e.put(t, fnGroup, "s", now, "first", "second")
	if err := e.svc.Append(ctx, region, account, fnGroup, "platform", []Event{{Timestamp: now, Message: "START"}}); err != nil {
		t.Fatal(err)
	}
	e.put(t, "/gone", "s", now, "bye")
	must(e.client.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String("/gone")}))(t)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st2, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	e2 := newEnv(t, st2, dispatch.Options{})
	groups := must(e2.client.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{}))(t).LogGroups
	if len(groups) != 1 || aws.ToString(groups[0].LogGroupName) != fnGroup || aws.ToInt32(groups[0].RetentionInDays) != 14 || aws.ToInt64(groups[0].StoredBytes) != int64(len("firstsecondSTART")) {
		t.Fatalf("groups after restart: %+v", groups)
	}
	tags := must(e2.client.ListTagsLogGroup(ctx, &cwl.ListTagsLogGroupInput{LogGroupName: aws.String(fnGroup)}))(t).Tags
	if tags["orders:stack"] != "orders" {
		t.Errorf("tags after restart: %v", tags)
	}
	// New events after the restart sort after the old ones with the same
	// timestamp: sequence numbers keep counting.
	e2.put(t, fnGroup, "s", now, "third")
	out := must(e2.client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String(fnGroup), LogStreamName: aws.String("s"), StartFromHead: aws.Bool(true)}))(t)
	if got := strings.Join(messages(out.Events, func(e types.OutputLogEvent) *string { return e.Message }), ","); got != "first,third,second" {
		t.Errorf("events after restart = %s", got)
	}
	streams := must(e2.client.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String(fnGroup)}))(t).LogStreams
	if len(streams) != 2 {
		t.Errorf("streams after restart: %+v", streams)
	}
	if buckets, _ := st2.Buckets(bucketGroupPrefix); len(buckets) != 1 {
		t.Errorf("buckets after restart: %v (the deleted group's must be gone)", buckets)
	}
}

func TestRetentionExpiresEvents(t *testing.T) {
	st := memStore(t)
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	svc, err := New(st, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	e := serve(t, svc, st, dispatch.Options{Now: now})
	e.group(t, fnGroup)
	must(e.client.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String(fnGroup), RetentionInDays: aws.Int32(1)}))(t)
	e.stream(t, fnGroup, "s")
	e.put(t, fnGroup, "s", now().Add(-2*time.Hour), "kept")
	out := must(e.client.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String(fnGroup), LogStreamName: aws.String("s"),
		LogEvents: []types.InputLogEvent{{Timestamp: aws.Int64(now().Add(-25 * time.Hour).UnixMilli()), Message: aws.String("expired")}}}))(t)
	if r := out.RejectedLogEventsInfo; r == nil || aws.ToInt32(r.ExpiredLogEventEndIndex) != 1 {
		t.Errorf("expired event: %+v", r)
	}
	clock.Add(int64(23 * time.Hour)) // "kept" is now 25 hours old
	got := must(e.client.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String(fnGroup)}))(t)
	if len(got.Events) != 0 {
		t.Errorf("events past retention are still served: %+v", got.Events)
	}
	if _, err := New(st, Options{Now: now}); err != nil {
		t.Fatal(err)
	}
	if n := len(dump(t, st)); n != 2 { // group record + stream record
		t.Errorf("store holds %d keys after reload, want expired events dropped", n)
	}
}
