package logs

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/store"
)

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func storedEvents(t *testing.T, st *store.Store, g *group) int {
	t.Helper()
	n := 0
	if err := st.ForEach(g.bucket(), func(k, _ []byte) error {
		if strings.HasPrefix(string(k), "e\x00") {
			n++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEventsPastRetentionAreDeletedAndTheirSpaceIsReused(t *testing.T) {
	clock := &testClock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	svc, err := New(st, Options{Now: clock.Now, ExpireEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	e := serve(t, svc, st, dispatch.Options{Now: clock.Now})
	const kept, forever = "/aws/lambda/kept-a-day", "/aws/lambda/kept-forever"
	e.group(t, kept)
	e.group(t, forever)
	must(e.client.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String(kept), RetentionInDays: aws.Int32(1)}))(t)

	const n, size = 1000, 2048
	msg := strings.Repeat("m", size)
	appendAt := func(group string, at time.Time, count int) {
		t.Helper()
		evs := make([]Event, count)
		for i := range evs {
			evs[i] = Event{Timestamp: at.Add(time.Duration(i) * time.Millisecond), Message: msg}
		}
		if err := svc.Append(ctx, region, account, group, "stream", evs); err != nil {
			t.Fatal(err)
		}
	}
	old := clock.Now()
	appendAt(kept, old, n)
	appendAt(forever, old, n)
	clock.Advance(23 * time.Hour)
	appendAt(kept, clock.Now(), 10)

	// Into bbolt's pages before they expire, as the checkpointer puts them
	// within half a second (else put and delete meet in one transaction).
	if _, err := st.Space(); err != nil {
		t.Fatal(err)
	}
	if got, err := svc.expire(clock.Now()); err != nil || got != 0 {
		t.Fatalf("within the retention period: expired %d (%v), want 0", got, err)
	}
	clock.Advance(2 * time.Hour) // the first n events are 25 hours old, the last 10 two hours
	if got, err := svc.expire(clock.Now()); err != nil || got != n {
		t.Fatalf("after the retention period: expired %d (%v), want %d", got, err, n)
	}
	gk, gf := svc.lookupGroup(region, account, kept), svc.lookupGroup(region, account, forever)
	if got := storedEvents(t, st, gk); got != 10 {
		t.Errorf("group with 1-day retention stores %d events, want the 10 recent ones", got)
	}
	if got := storedEvents(t, st, gf); got != n {
		t.Errorf("group without retention stores %d events, want all %d (kept indefinitely)", got, n)
	}
	groups := must(e.client.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(kept)}))(t).LogGroups
	if len(groups) != 1 || aws.ToInt64(groups[0].StoredBytes) != 10*size {
		t.Errorf("storedBytes after expiry: %+v, want %d", groups, 10*size)
	}
	out := must(e.client.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: aws.String(kept), LogStreamName: aws.String("stream"), StartFromHead: aws.Bool(true)}))(t)
	if len(out.Events) != 10 {
		t.Errorf("GetLogEvents after expiry returned %d events, want 10", len(out.Events))
	}

	freed, err := st.Space()
	if err != nil {
		t.Fatal(err)
	}
	if freed.FreeBytes < n*size/2 {
		t.Fatalf("expiry freed %d bytes of pages, want at least %d", freed.FreeBytes, n*size/2)
	}
	appendAt(kept, clock.Now(), n) // as many new events as expired
	again, err := st.Space()
	if err != nil {
		t.Fatal(err)
	}
	// Without reuse the file would take at least n*size more bytes of
	// pages; a few pages of slack allow for the freelist and fragments.
	if again.PagesBytes > freed.PagesBytes+n*size/10 {
		t.Errorf("store took %d → %d bytes of pages for as many events as expired", freed.PagesBytes, again.PagesBytes)
	}
	if again.FreeBytes > freed.FreeBytes/2 {
		t.Errorf("free pages went from %d to %d bytes: the new events did not reuse them", freed.FreeBytes, again.FreeBytes)
	}
}
