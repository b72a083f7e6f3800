package sqs

import (
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// backlog is a durable store holding a queue "backlog" with n unread
// messages, and the directory it is in.
func backlog(t *testing.T, n int) (*store.Store, string) {
	t.Helper()
	dir := t.TempDir()
	st := openStore(t, dir)
	e := start(t, st, Options{ExpireEvery: -1}, dispatch.Options{})
	url := e.createQueue(t, "backlog", nil)
	sendN(t, e, url, n, 100)
	return st, url
}

// Opening the service reads queues, not messages: it allocates as much for
// a backlog of 2,000 unread messages as for one of 10.
func TestOpenDoesNotReadMessages(t *testing.T) {
	small, _ := backlog(t, 10)
	big, _ := backlog(t, 2000)
	open := func(st *store.Store) float64 {
		return testing.AllocsPerRun(3, func() {
			if _, err := New(st, Options{ExpireEvery: -1}); err != nil {
				t.Fatal(err)
			}
		})
	}
	a, b := open(small), open(big)
	if b > 2*a+50 {
		t.Fatalf("opening a queue of 2000 messages allocates %.0f times, of 10 messages %.0f: messages are read at open", b, a)
	}
}

// A backlog left in the store is counted, received in send order, a chunk
// at a time, and purged whole.
func TestBacklogIsReceivedFromTheStore(t *testing.T) {
	const n = 2*refillChunk + 37
	st, url := backlog(t, n)
	e := start(t, st, Options{ExpireEvery: -1}, dispatch.Options{})
	attrs, err := e.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"ApproximateNumberOfMessages"}})
	if err != nil || attrs.Attributes["ApproximateNumberOfMessages"] != strconv.Itoa(n) {
		t.Fatalf("count of the backlog after reopen: %v %v, want %d", err, attrs.Attributes, n)
	}
	q := e.svc.lookup(queueKey{Region: "us-east-1", Account: testAccount, Name: "backlog"})
	q.mu.Lock()
	inMemory := len(q.msgs)
	q.mu.Unlock()
	if inMemory != 0 {
		t.Fatalf("%d messages in memory before any receive, want 0", inMemory)
	}
	// Receive and delete a chunk and a half: memory holds what is being
	// received, not the backlog.
	got := 0
	for got < refillChunk+refillChunk/2 {
		out, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10})
		if err != nil || len(out.Messages) == 0 {
			t.Fatalf("receive after %d: %v %+v", got, err, out)
		}
		for _, m := range out.Messages {
			if _, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
		got += len(out.Messages)
	}
	q.mu.Lock()
	inMemory = len(q.msgs)
	q.mu.Unlock()
	if inMemory > 2*refillChunk {
		t.Fatalf("%d messages in memory after receiving %d, want at most two chunks", inMemory, got)
	}
	attrs, err = e.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"ApproximateNumberOfMessages"}})
	if err != nil || attrs.Attributes["ApproximateNumberOfMessages"] != strconv.Itoa(n-got) {
		t.Fatalf("count after receiving %d: %v %v, want %d", got, err, attrs.Attributes, n-got)
	}
	if _, err := e.client.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: &url}); err != nil {
		t.Fatal(err)
	}
	if msgs, states := storedMessages(t, st, q); msgs != 0 || states != 0 {
		t.Fatalf("after purge the store holds %d messages and %d states", msgs, states)
	}
	if c, _, err := st.Counter(countersBucket, q.msgBucket); err != nil || c != 0 {
		t.Fatalf("message counter after purge = %d (%v), want 0", c, err)
	}
	if out, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url}); err != nil || len(out.Messages) != 0 {
		t.Fatalf("receive after purge: %v %+v", err, out)
	}
}
