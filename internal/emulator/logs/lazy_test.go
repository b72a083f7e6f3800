package logs

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// filledService is a service on a durable store with count events in one
// stream of fnGroup.
func filledService(t *testing.T, count int) (*Service, *store.Store) {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	svc, err := New(st, Options{ExpireEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	e := serve(t, svc, st, dispatch.Options{})
	e.group(t, fnGroup)
	now := time.Now()
	evs := make([]Event, count)
	for i := range evs {
		evs[i] = Event{Timestamp: now.Add(time.Duration(i) * time.Millisecond), Message: "REPORT RequestId: something"}
	}
	if err := svc.Append(ctx, region, account, fnGroup, "s", evs); err != nil {
		t.Fatal(err)
	}
	return svc, st
}

// Opening the service reads groups and streams, not events: it allocates
// as much for a stream of 3,000 events as for one of 10.
func TestOpenDoesNotReadEvents(t *testing.T) {
	_, small := filledService(t, 10)
	_, big := filledService(t, 3000)
	open := func(st *store.Store) float64 {
		return testing.AllocsPerRun(3, func() {
			if _, err := New(st, Options{ExpireEvery: -1}); err != nil {
				t.Fatal(err)
			}
		})
	}
	a, b := open(small), open(big)
	if b > 2*a+50 {
		t.Fatalf("opening a stream of 3000 events allocates %.0f times, of 10 events %.0f: events are read at open", b, a)
	}
	svc, err := New(big, Options{ExpireEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	e := serve(t, svc, big, dispatch.Options{})
	out := must(e.client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String(fnGroup), LogStreamName: aws.String("s"), Limit: aws.Int32(5)}))(t)
	if len(out.Events) != 5 {
		t.Fatalf("GetLogEvents after reopen: %d events, want the last 5", len(out.Events))
	}
	// Paging backwards from the end reaches the first event.
	seen := len(out.Events)
	tok := out.NextBackwardToken
	for range 10 {
		page := must(e.client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String(fnGroup), LogStreamName: aws.String("s"), NextToken: tok}))(t)
		if len(page.Events) == 0 {
			break
		}
		seen += len(page.Events)
		tok = page.NextBackwardToken
	}
	if seen != 3000 {
		t.Fatalf("paging backwards saw %d events, want 3000", seen)
	}
}

// A data dir written before stream records kept statistics gets them
// counted once, at open.
func TestOpenCountsEventsOfOldDataDir(t *testing.T) {
	svc, st := filledService(t, 40)
	g := svc.lookupGroup(region, account, fnGroup)
	old, _ := json.Marshal(map[string]any{"Name": "s", "Created": 1})
	if err := st.Write(store.Put(g.bucket(), streamKey("s"), old)); err != nil {
		t.Fatal(err)
	}
	svc2, err := New(st, Options{ExpireEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	e := serve(t, svc2, st, dispatch.Options{})
	streams := must(e.client.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String(fnGroup)}))(t).LogStreams
	// DescribeLogStreams reports storedBytes as 0 ("no longer supported for
	// log streams, and is always reported as zero": LogStream reference),
	// so the counted bytes are read from the stream's record.
	if len(streams) != 1 || streams[0].FirstEventTimestamp == nil || streams[0].LastEventTimestamp == nil {
		t.Fatalf("streams after reopen: %+v", streams)
	}
	b, err := st.Get(g.bucket(), streamKey("s"))
	want := fmt.Sprintf(`"StoredBytes":%d`, 40*len("REPORT RequestId: something"))
	if err != nil || !strings.Contains(string(b), `"Stats":true`) || !strings.Contains(string(b), want) {
		t.Fatalf("statistics not recorded at open (want %s): %s %v", want, b, err)
	}
}
