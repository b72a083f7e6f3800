package sqs

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// sendN sends n messages of size bytes, ten to a batch.
func sendN(t *testing.T, e *env, url string, n, size int) {
	t.Helper()
	body := strings.Repeat("x", size)
	for i := 0; i < n; i += 10 {
		var entries []types.SendMessageBatchRequestEntry
		for j := i; j < min(n, i+10); j++ {
			entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String("m" + strconv.Itoa(j)), MessageBody: aws.String(body)})
		}
		out, err := e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: entries})
		if err != nil || len(out.Failed) > 0 {
			t.Fatalf("send batch: %v %+v", err, out)
		}
	}
}

func storedMessages(t *testing.T, st *store.Store, q *queue) (msgs, states int) {
	t.Helper()
	if err := st.ForEach(q.msgBucket, func(_, _ []byte) error { msgs++; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := st.ForEach(q.stateBucket, func(_, _ []byte) error { states++; return nil }); err != nil {
		t.Fatal(err)
	}
	return msgs, states
}

func TestUnreadMessagesExpireAndTheirSpaceIsReused(t *testing.T) {
	clock := newFakeClock()
	e := start(t, openStore(t, ""), Options{Now: clock.Now, ExpireEvery: -1}, dispatch.Options{Now: clock.Now})
	url := e.createQueue(t, "unread", map[string]string{"MessageRetentionPeriod": "60"})
	keep := e.createQueue(t, "default-retention", nil)
	q := e.svc.lookup(queueKey{Region: "us-east-1", Account: testAccount, Name: "unread"})
	const n, size = 400, 4096

	sendN(t, e, url, n, size)
	sendN(t, e, keep, 5, 10)
	// One message received and left in flight expires all the same.
	if out, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, VisibilityTimeout: 600}); err != nil || len(out.Messages) != 1 {
		t.Fatalf("receive: %v %+v", err, out)
	}

	// Into bbolt's pages before they expire, as the checkpointer puts them
	// within half a second (else put and delete meet in one transaction).
	if _, err := e.st.Space(); err != nil {
		t.Fatal(err)
	}
	clock.Advance(59 * time.Second)
	if got, err := e.svc.expire(clock.Now()); err != nil || got != 0 {
		t.Fatalf("before the retention period: expired %d (%v), want 0", got, err)
	}
	clock.Advance(2 * time.Second)
	if got, err := e.svc.expire(clock.Now()); err != nil || got != n {
		t.Fatalf("after the retention period: expired %d (%v), want %d", got, err, n)
	}
	if msgs, states := storedMessages(t, e.st, q); msgs != 0 || states != 0 {
		t.Fatalf("after expiry the store holds %d messages and %d receive states, want none", msgs, states)
	}
	attrs, err := e.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"} {
		if attrs.Attributes[a] != "0" {
			t.Errorf("%s = %s after expiry, want 0", a, attrs.Attributes[a])
		}
	}
	// The queue with the default retention (4 days) keeps its messages.
	kq := e.svc.lookup(queueKey{Region: "us-east-1", Account: testAccount, Name: "default-retention"})
	if msgs, _ := storedMessages(t, e.st, kq); msgs != 5 {
		t.Fatalf("queue with default retention holds %d messages, want 5", msgs)
	}

	freed, err := e.st.Space()
	if err != nil {
		t.Fatal(err)
	}
	if freed.FreeBytes < n*size/2 {
		t.Fatalf("expiry freed %d bytes of pages, want at least %d", freed.FreeBytes, n*size/2)
	}
	// A second backlog of the same size fits in the freed pages.
	sendN(t, e, url, n, size)
	again, err := e.st.Space()
	if err != nil {
		t.Fatal(err)
	}
	// Without reuse the file would take at least n*size more bytes of
	// pages; a few pages of slack allow for the freelist and fragments.
	if again.PagesBytes > freed.PagesBytes+n*size/10 {
		t.Errorf("store took %d → %d bytes of pages for a backlog the size of the expired one", freed.PagesBytes, again.PagesBytes)
	}
	if again.FreeBytes > freed.FreeBytes/2 {
		t.Errorf("free pages went from %d to %d bytes: the new messages did not reuse them", freed.FreeBytes, again.FreeBytes)
	}
}

func TestMessagesExpiredWhileStoppedAreDroppedAtStart(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock()
	st1, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := start(t, st1, Options{Now: clock.Now, ExpireEvery: -1}, dispatch.Options{Now: clock.Now})
	url := e.createQueue(t, "stopped", map[string]string{"MessageRetentionPeriod": "60"})
	sendN(t, e, url, 3, 10)
	clock.Advance(30 * time.Second)
	sendN(t, e, url, 2, 10)
	if err := e.svc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st1.Close(); err != nil {
		t.Fatal(err)
	}

	clock.Advance(31 * time.Second) // the first three are 61s old, the last two 31s
	st2 := openStore(t, dir)
	e2 := start(t, st2, Options{Now: clock.Now, ExpireEvery: -1}, dispatch.Options{Now: clock.Now})
	q := e2.svc.lookup(queueKey{Region: "us-east-1", Account: testAccount, Name: "stopped"})
	if msgs, _ := storedMessages(t, st2, q); msgs != 2 {
		t.Fatalf("after restart the store holds %d messages, want the 2 unexpired", msgs)
	}
	out, err := e2.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10})
	if err != nil || len(out.Messages) != 2 {
		t.Fatalf("receive after restart: %v %+v", err, out)
	}
}
