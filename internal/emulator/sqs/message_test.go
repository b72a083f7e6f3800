package sqs

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/service"
)

// Digests published by independent implementations for AWS's documented
// algorithm; they pin the exact byte layout.
func TestMD5OfAttributesKnownVectors(t *testing.T) {
	cases := []struct {
		attrs map[string]service.MessageAttribute
		want  string
	}{
		{map[string]service.MessageAttribute{"SellerName": {DataType: "String", StringValue: "Example Store"}}, "cd28f3b68aeee4b2eac9c66f2f694b58"},
		{map[string]service.MessageAttribute{
			"ordinal":  {DataType: "Number", StringValue: "1"},
			"category": {DataType: "String", StringValue: "test"},
		}, "d21ae90c49061e927f57df5f5d72be1f"},
	}
	for _, c := range cases {
		if got := md5OfAttributes(c.attrs); got != c.want {
			t.Errorf("md5OfAttributes(%v) = %s, want %s", c.attrs, got, c.want)
		}
	}
	if md5OfAttributes(nil) != "" {
		t.Error("no attributes must give no digest")
	}
}

func TestSendReceiveDeleteWithAttributes(t *testing.T) {
	e := newEnv(t)
	url := e.createQueue(t, "q", nil)
	attrs := map[string]types.MessageAttributeValue{
		"SellerName": {DataType: aws.String("String"), StringValue: aws.String("Example Store")},
		"amount":     {DataType: aws.String("Number"), StringValue: aws.String("250.5")},
		"blob":       {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2, 255}},
		"meta.kind":  {DataType: aws.String("String.custom"), StringValue: aws.String("order")},
	}
	body := `{"OrderId":"ORD-1001","Amount":250} <&> ünïcødé`
	sent, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: &body, MessageAttributes: attrs,
		MessageSystemAttributes: map[string]types.MessageSystemAttributeValue{"AWSTraceHeader": {DataType: aws.String("String"), StringValue: aws.String("Root=1-abc")}}})
	if err != nil {
		t.Fatal(err) // the SDK fails here if MD5OfMessageBody is wrong
	}
	sum := md5.Sum([]byte(body))
	if aws.ToString(sent.MD5OfMessageBody) != hex.EncodeToString(sum[:]) {
		t.Fatalf("MD5OfMessageBody = %s", aws.ToString(sent.MD5OfMessageBody))
	}
	if sent.MD5OfMessageAttributes == nil || sent.MD5OfMessageSystemAttributes == nil {
		t.Fatalf("attribute digests missing: %+v", sent)
	}

	got, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl: &url, MessageAttributeNames: []string{"All"},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Messages) != 1 {
		t.Fatalf("received %d messages, want 1", len(got.Messages))
	}
	m := got.Messages[0]
	if aws.ToString(m.Body) != body || aws.ToString(m.MessageId) != aws.ToString(sent.MessageId) {
		t.Fatalf("received %q id %s", aws.ToString(m.Body), aws.ToString(m.MessageId))
	}
	if aws.ToString(m.MD5OfMessageAttributes) != aws.ToString(sent.MD5OfMessageAttributes) {
		t.Fatalf("receive digest %s != send digest %s", aws.ToString(m.MD5OfMessageAttributes), aws.ToString(sent.MD5OfMessageAttributes))
	}
	if string(m.MessageAttributes["blob"].BinaryValue) != string([]byte{0, 1, 2, 255}) || aws.ToString(m.MessageAttributes["amount"].StringValue) != "250.5" ||
		aws.ToString(m.MessageAttributes["meta.kind"].DataType) != "String.custom" {
		t.Fatalf("attributes = %+v", m.MessageAttributes)
	}
	if m.Attributes["ApproximateReceiveCount"] != "1" || m.Attributes["SenderId"] != testAccount || m.Attributes["AWSTraceHeader"] != "Root=1-abc" {
		t.Fatalf("system attributes = %v", m.Attributes)
	}
	sentMS, _ := strconv.ParseInt(m.Attributes["SentTimestamp"], 10, 64)
	firstMS, _ := strconv.ParseInt(m.Attributes["ApproximateFirstReceiveTimestamp"], 10, 64)
	if sentMS == 0 || firstMS < sentMS {
		t.Fatalf("SentTimestamp %d, ApproximateFirstReceiveTimestamp %d", sentMS, firstMS)
	}
	if _, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	// Deleting again is not an error, as in SQS.
	if _, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	_, err = e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: aws.String("garbage")})
	wantType[*types.ReceiptHandleIsInvalid](t, err)
	attrsOut, err := e.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}})
	if err != nil {
		t.Fatal(err)
	}
	if attrsOut.Attributes["ApproximateNumberOfMessages"] != "0" || attrsOut.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Fatalf("counts after delete: %v", attrsOut.Attributes)
	}
}

func TestReceiveSelectsMessageAttributes(t *testing.T) {
	e := newEnv(t)
	url := e.createQueue(t, "sel", nil)
	attrs := map[string]types.MessageAttributeValue{
		"order.id":   {DataType: aws.String("String"), StringValue: aws.String("1")},
		"order.kind": {DataType: aws.String("String"), StringValue: aws.String("x")},
		"amount":     {DataType: aws.String("Number"), StringValue: aws.String("3")},
	}
	cases := []struct {
		names []string
		want  []string
	}{
		{[]string{"order.*"}, []string{"order.id", "order.kind"}},
		{[]string{"amount"}, []string{"amount"}},
		{[]string{".*"}, []string{"amount", "order.id", "order.kind"}},
		{nil, nil},
	}
	for _, c := range cases {
		if _, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("b"), MessageAttributes: attrs}); err != nil {
			t.Fatal(err)
		}
		out, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MessageAttributeNames: c.names})
		if err != nil || len(out.Messages) != 1 {
			t.Fatalf("receive %v: %v (%d messages)", c.names, err, len(out.Messages))
		}
		m := out.Messages[0]
		got := sortedKeys(m.MessageAttributes)
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("names %v selected %v, want %v", c.names, got, c.want)
		}
		if len(c.want) == 0 && m.MD5OfMessageAttributes != nil {
			t.Errorf("digest without attributes: %s", aws.ToString(m.MD5OfMessageAttributes))
		}
		if len(c.want) > 0 {
			sel := map[string]service.MessageAttribute{}
			for _, n := range c.want {
				a := m.MessageAttributes[n]
				sel[n] = service.MessageAttribute{DataType: aws.ToString(a.DataType), StringValue: aws.ToString(a.StringValue)}
			}
			if aws.ToString(m.MD5OfMessageAttributes) != md5OfAttributes(sel) {
				t.Errorf("digest does not cover the returned attributes")
			}
		}
		if _, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSendValidation(t *testing.T) {
	e := newEnv(t)
	url := e.createQueue(t, "v", map[string]string{"MaximumMessageSize": "1024"})
	_, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("bad \x00 char")})
	wantType[*types.InvalidMessageContents](t, err)
	_, err = e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(strings.Repeat("x", 1025))})
	wantCode(t, err, "InvalidParameterValue")
	_, err = e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x"), DelaySeconds: 901})
	wantCode(t, err, "InvalidParameterValue")
	badAttrs := []map[string]types.MessageAttributeValue{
		{"n": {DataType: aws.String("Number"), StringValue: aws.String("abc")}},
		{"n": {DataType: aws.String("Number"), StringValue: aws.String("0x10")}},
		{"s": {DataType: aws.String("String"), StringValue: aws.String("")}},
		{"b": {DataType: aws.String("Binary"), StringValue: aws.String("x")}},
		{"t": {DataType: aws.String("Date"), StringValue: aws.String("x")}},
		{"AWS.x": {DataType: aws.String("String"), StringValue: aws.String("x")}},
		{"a..b": {DataType: aws.String("String"), StringValue: aws.String("x")}},
	}
	for _, a := range badAttrs {
		_, err = e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x"), MessageAttributes: a})
		wantCode(t, err, "InvalidParameterValue")
	}
	eleven := map[string]types.MessageAttributeValue{}
	for i := range 11 {
		eleven["a"+strconv.Itoa(i)] = types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String("v")}
	}
	_, err = e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x"), MessageAttributes: eleven})
	wantCode(t, err, "InvalidParameterValue")
	out, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 0 {
		t.Fatalf("rejected sends were queued: %d", len(out.Messages))
	}
	for _, in := range []*sqs.ReceiveMessageInput{
		{QueueUrl: &url, MaxNumberOfMessages: 11},
		{QueueUrl: &url, WaitTimeSeconds: 21},
		{QueueUrl: &url, VisibilityTimeout: 43201},
	} {
		_, err := e.client.ReceiveMessage(ctx, in)
		wantCode(t, err, "InvalidParameterValue")
	}
	_, err = e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MessageSystemAttributeNames: []types.MessageSystemAttributeName{"Bogus"}})
	wantType[*types.InvalidAttributeName](t, err)
}

func TestVisibilityTimeoutRedelivers(t *testing.T) {
	e := newEnv(t)
	url := e.createQueue(t, "vis", nil)
	if _, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("again")}); err != nil {
		t.Fatal(err)
	}
	first, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, VisibilityTimeout: 1})
	if err != nil || len(first.Messages) != 1 {
		t.Fatalf("first receive: %v %d", err, len(first.Messages))
	}
	hidden, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url})
	if err != nil {
		t.Fatal(err)
	}
	if len(hidden.Messages) != 0 {
		t.Fatal("in-flight message was delivered again before its visibility timeout")
	}
	counts, _ := e.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"All"}})
	if counts.Attributes["ApproximateNumberOfMessagesNotVisible"] != "1" {
		t.Fatalf("counts while in flight: %v", counts.Attributes)
	}
	// The long poll sleeps until the visibility timeout runs out.
	again, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 10,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp"}})
	if err != nil || len(again.Messages) != 1 {
		t.Fatalf("redelivery: %v %d", err, len(again.Messages))
	}
	m := again.Messages[0]
	if m.Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("ApproximateReceiveCount = %s, want 2", m.Attributes["ApproximateReceiveCount"])
	}
	if aws.ToString(m.ReceiptHandle) == aws.ToString(first.Messages[0].ReceiptHandle) {
		t.Fatal("a new receive must get a new receipt handle")
	}

	// ChangeMessageVisibility to 0 makes it visible at once.
	if _, err := e.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0}); err != nil {
		t.Fatal(err)
	}
	third, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MessageSystemAttributeNames: []types.MessageSystemAttributeName{"ApproximateReceiveCount"}})
	if err != nil || len(third.Messages) != 1 || third.Messages[0].Attributes["ApproximateReceiveCount"] != "3" {
		t.Fatalf("after ChangeMessageVisibility 0: %v %+v", err, third.Messages)
	}
	if _, err := e.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: third.Messages[0].ReceiptHandle, VisibilityTimeout: 0}); err != nil {
		t.Fatal(err)
	}
	// A visible message refuses an older receipt handle; its latest one
	// still works (see TestChangeVisibilityAfterTimeout).
	_, err = e.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 10})
	wantType[*types.MessageNotInflight](t, err)
	_, err = e.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: aws.String("AQEBnope"), VisibilityTimeout: 10})
	wantType[*types.ReceiptHandleIsInvalid](t, err)
}

func TestLongPollReturnsWhenAMessageArrives(t *testing.T) {
	e := newEnv(t)
	url := e.createQueue(t, "poll", nil)
	type result struct {
		out     *sqs.ReceiveMessageOutput
		err     error
		elapsed time.Duration
	}
	done := make(chan result, 1)
	started := time.Now()
	go func() {
		out, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 20})
		done <- result{out, err, time.Since(started)}
	}()
	// Wait until the poll is parked on the queue, then send.
	q := e.svc.lookup(queueKey{Region: "us-east-1", Account: testAccount, Name: "poll"})
	waitForWaiter(t, q)
	if _, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("wake")}); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || len(r.out.Messages) != 1 || aws.ToString(r.out.Messages[0].Body) != "wake" {
		t.Fatalf("long poll: %v %+v", r.err, r.out)
	}
	if r.elapsed >= 20*time.Second {
		t.Fatalf("long poll returned only when its wait ran out (%v)", r.elapsed)
	}

	// Nothing arrives: empty answer once WaitTimeSeconds has passed.
	started = time.Now()
	out, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 1})
	if err != nil || len(out.Messages) != 0 {
		t.Fatalf("empty long poll: %v %+v", err, out)
	}
	if time.Since(started) < time.Second {
		t.Fatalf("empty long poll returned before WaitTimeSeconds")
	}
}

// waitForWaiter blocks until a long poll holds the queue's current
// notification channel, without sleeping on a guess.
func waitForWaiter(t *testing.T, q *queue) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if q.waiters.Load() > 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("no long poll parked on the queue")
}

func TestLongPollHonoursCancellation(t *testing.T) {
	e := newEnv(t)
	url := e.createQueue(t, "cancel", nil)
	cctx, cancel := context.WithCancel(context.Background())
	call := &service.Call{Context: cctx, Service: "sqs", Operation: "ReceiveMessage", Region: "us-east-1", Account: testAccount, Endpoint: e.url}
	done := make(chan error, 1)
	go func() {
		_, err := e.svc.HandleJSON(call, []byte(`{"QueueUrl":"`+url+`","WaitTimeSeconds":20}`))
		done <- err
	}()
	waitForWaiter(t, e.svc.lookup(queueKey{Region: "us-east-1", Account: testAccount, Name: "cancel"}))
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("cancelled long poll: %v", err)
	}
}

func TestConcurrentReceiversNeverShareAMessage(t *testing.T) {
	e := newEnv(t)
	url := e.createQueue(t, "conc", nil)
	const n = 60
	for i := range n {
		if _, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(strconv.Itoa(i))}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				out, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 3, VisibilityTimeout: 600})
				if err != nil {
					t.Error(err)
					return
				}
				if len(out.Messages) == 0 {
					return
				}
				mu.Lock()
				for _, m := range out.Messages {
					seen[aws.ToString(m.Body)]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("received %d distinct messages, want %d", len(seen), n)
	}
	for body, c := range seen {
		if c != 1 {
			t.Fatalf("message %s received %d times", body, c)
		}
	}
}

func TestDelayedMessages(t *testing.T) {
	e := newEnv(t)
	url := e.createQueue(t, "delay", nil)
	if _, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("later"), DelaySeconds: 1}); err != nil {
		t.Fatal(err)
	}
	out, _ := e.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"ApproximateNumberOfMessagesDelayed"}})
	if out.Attributes["ApproximateNumberOfMessagesDelayed"] != "1" {
		t.Fatalf("delayed count = %v", out.Attributes)
	}
	now, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url})
	if err != nil || len(now.Messages) != 0 {
		t.Fatalf("delayed message delivered early: %v %+v", err, now.Messages)
	}
	later, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 10})
	if err != nil || len(later.Messages) != 1 {
		t.Fatalf("delayed message never delivered: %v %+v", err, later)
	}
}

func TestCloseEndsLongPolls(t *testing.T) {
	e := newEnv(t)
	url := e.createQueue(t, "closing", nil)
	done := make(chan error, 1)
	go func() {
		out, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 20})
		if err == nil && len(out.Messages) != 0 {
			err = fmt.Errorf("got %d messages from an empty queue", len(out.Messages))
		}
		done <- err
	}()
	waitForWaiter(t, e.svc.lookup(queueKey{Region: "us-east-1", Account: testAccount, Name: "closing"}))
	if err := e.svc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestMessagesExpireAfterRetentionPeriod(t *testing.T) {
	clock := newFakeClock()
	e := start(t, openStore(t, ""), Options{Now: clock.Now}, dispatch.Options{Now: clock.Now})
	url := e.createQueue(t, "short", map[string]string{"MessageRetentionPeriod": "60"})
	if _, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("old")}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(61 * time.Second)
	if _, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("new")}); err != nil {
		t.Fatal(err)
	}
	out, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10})
	if err != nil || len(out.Messages) != 1 || aws.ToString(out.Messages[0].Body) != "new" {
		t.Fatalf("after retention: %v %+v", err, out)
	}
	q := e.svc.lookup(queueKey{Region: "us-east-1", Account: testAccount, Name: "short"})
	n := 0
	if err := e.st.ForEach(q.msgBucket, func(_, _ []byte) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d messages stored, want only the unexpired one", n)
	}
}
