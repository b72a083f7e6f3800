//go:build unix

package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// TestKill9KeepsAcknowledged runs `orders local serve` as its own process,
// writes items, sends messages and publishes to a topic whose queue
// subscribes, from several clients at once (so group commit is in play),
// kills it with SIGKILL while writes are still in flight, starts it again
// on the same data dir and finds every item, every message and every
// published notification (in its queue) that it had acknowledged.
func TestKill9KeepsAcknowledged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	srv := serve(t, dir)
	cfg := adminConfig(srv.url)
	db, q, sn := dynamodb.NewFromConfig(cfg), sqs.NewFromConfig(cfg), sns.NewFromConfig(cfg)
	if err := createOrdersTable(ctx, db); err != nil {
		t.Fatal(err)
	}
	qo, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("Direct")})
	if err != nil {
		t.Fatal(err)
	}
	topic, fanoutURL := subscribedQueue(t, ctx, cfg)

	const writers, killAfter = 8, 600
	var (
		mu        sync.Mutex
		ackItems  = map[string]string{}
		ackMsgs   = map[string]bool{}
		ackPubs   = map[string]string{} // SNS MessageId → order id
		acked     int
		killed    = make(chan struct{})
		killOnce  sync.Once
		wg        sync.WaitGroup
		lastError = make([]error, writers)
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("ORD-%d-%d", w, i)
				amount := fmt.Sprintf("%d.%d", i, w+1) // canonical: DynamoDB drops trailing zeros
				if err := putOrder(ctx, db, id, amount); err != nil {
					lastError[w] = err
					return
				}
				mu.Lock()
				ackItems[id] = amount
				acked++
				mu.Unlock()
				if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: qo.QueueUrl, MessageBody: aws.String(id)}); err != nil {
					lastError[w] = err
					return
				}
				mu.Lock()
				ackMsgs[id] = true
				acked++
				mu.Unlock()
				pub, err := sn.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(id)})
				if err != nil {
					lastError[w] = err
					return
				}
				mu.Lock()
				ackPubs[aws.ToString(pub.MessageId)] = id
				acked++
				n := acked
				mu.Unlock()
				if n >= killAfter {
					killOnce.Do(func() { _ = srv.cmd.Process.Signal(syscall.SIGKILL); close(killed) })
				}
			}
		}()
	}
	wg.Wait()
	<-srv.exited
	select {
	case <-killed:
	default:
		t.Fatalf("writers stopped before the kill: %v", errors.Join(lastError...))
	}
	if len(ackItems) == 0 || len(ackMsgs) == 0 || len(ackPubs) == 0 {
		t.Fatalf("nothing was acknowledged before the kill")
	}
	var ws syscall.WaitStatus
	if st, ok := srv.cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
		ws = st
	}
	if !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the server was not killed by SIGKILL: %v", srv.cmd.ProcessState)
	}

	// A stale endpoint file and bbolt's lock of a dead process must not
	// stop the next start.
	srv = serve(t, dir)
	cfg = adminConfig(srv.url)
	db, q = dynamodb.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	items := scanOrders(t, ctx, db)
	for id, amount := range ackItems {
		if got, ok := items[id]; !ok || got != amount {
			t.Errorf("acknowledged item %s (Amount %s) after kill -9: %q present=%v", id, amount, got, ok)
		}
	}
	gq, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("Direct")})
	if err != nil {
		t.Fatalf("queue after kill -9: %v", err)
	}
	got := map[string]int{}
	for _, b := range drainQueue(t, ctx, q, aws.ToString(gq.QueueUrl)) {
		got[b]++
	}
	for id := range ackMsgs {
		if got[id] == 0 {
			t.Errorf("acknowledged message %s lost by kill -9", id)
		}
	}
	for id, n := range got {
		if n > 1 {
			t.Errorf("message %s is in the queue %d times", id, n)
		}
	}
	delivered := map[string]int{}
	for _, body := range drainQueue(t, ctx, q, fanoutURL) {
		var env struct{ MessageId, Message string }
		if err := json.Unmarshal([]byte(body), &env); err != nil {
			t.Fatalf("SNS envelope after kill -9: %v: %s", err, body)
		}
		delivered[env.MessageId]++
	}
	for mid, id := range ackPubs {
		if delivered[mid] == 0 {
			t.Errorf("acknowledged publish %s (order %s) never reached its queue: lost by kill -9", mid, id)
		}
	}
	t.Logf("acknowledged before kill -9: %d items, %d messages, %d publishes; after: %d items, %d messages, %d notifications",
		len(ackItems), len(ackMsgs), len(ackPubs), len(items), len(got), len(delivered))
}

// subscribedQueue creates a topic and a queue subscribed to it (with the
// queue policy that lets the topic send) and returns the topic's ARN and
// the queue's URL.
func subscribedQueue(t *testing.T, ctx context.Context, cfg aws.Config) (string, string) {
	t.Helper()
	q, sn := sqs.NewFromConfig(cfg), sns.NewFromConfig(cfg)
	qo, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("HighValueQueue")})
	if err != nil {
		t.Fatal(err)
	}
	to, err := sn.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("HighValueOrderTopic")})
	if err != nil {
		t.Fatal(err)
	}
	queueARN := "arn:aws:sqs:us-east-1:" + DefaultAccount + ":HighValueQueue"
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"` +
		queueARN + `","Condition":{"ArnEquals":{"aws:SourceArn":"` + aws.ToString(to.TopicArn) + `"}}}]}`
	if _, err := q.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: qo.QueueUrl, Attributes: map[string]string{"Policy": policy}}); err != nil {
		t.Fatal(err)
	}
	if _, err := sn.Subscribe(ctx, &sns.SubscribeInput{TopicArn: to.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN)}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(to.TopicArn), aws.ToString(qo.QueueUrl)
}

// TestSecondServerOnDataDirFails: a second `orders local serve` on a data
// dir in use exits at once with a non-zero status and says the data dir is
// in use; the first keeps serving, and stops cleanly on SIGTERM.
func TestSecondServerOnDataDirFails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	first := serve(t, dir)
	ep, err := ReadEndpoint(dir)
	if err != nil || ep.URL != first.url {
		t.Fatalf("endpoint file of the first server: %+v, %v (serving on %s)", ep, err, first.url)
	}

	start := time.Now()
	second, err := startServe(t, dir)
	if err == nil {
		t.Fatalf("a second server started on a data dir in use, at %s", second.url)
	}
	<-second.exited
	if second.err == nil {
		t.Fatalf("the second server exited 0; stderr:\n%s", second.stderrText())
	}
	if msg := second.stderrText(); !strings.Contains(msg, "in use") || !strings.Contains(msg, dir) {
		t.Errorf("the second server's message does not say %s is in use:\n%s", dir, msg)
	}
	t.Logf("second server refused after %v: %s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(second.stderrText()))

	db := dynamodb.NewFromConfig(adminConfig(first.url))
	if err := createOrdersTable(ctx, db); err != nil {
		t.Fatalf("the first server stopped serving: %v", err)
	}
	if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-first.exited
	if first.err != nil {
		t.Errorf("SIGTERM: orders local serve exited with %v; stderr:\n%s", first.err, first.stderrText())
	}
	if _, err := os.Stat(filepath.Join(dir, EndpointFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the endpoint file outlived a clean shutdown: %v", err)
	}

	// After a clean stop the data dir is free again, and the table is there.
	third := serve(t, dir)
	if _, err := dynamodb.NewFromConfig(adminConfig(third.url)).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("OrdersTable")}); err != nil {
		t.Errorf("table after a clean stop and a new start: %v", err)
	}
}
