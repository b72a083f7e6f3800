package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/orders-dev/orders/internal/emulator"
	"github.com/orders-dev/orders/internal/emulator/realism"
)

// Every command against an emulator that is as difficult as AWS: the
// realism profile's documented delays (scaled down, so the test takes
// seconds, not minutes) and throttling and 5xx faults at a fixed seed.

// serveRealism serves l's data dir from one emulator with the profile for
// the rest of the test, as `orders local serve --realism aws` would: every
// `orders --local` run finds it through the endpoint file, and the
// profile's in-memory clocks (a table CREATING, a policy not yet applied,
// a queue being deleted) last across commands. It returns the URL.
func (l *localRun) serveRealism(c realism.Config) string {
	l.t.Helper()
	p, err := realism.New(c)
	if err != nil {
		l.t.Fatal(err)
	}
	emu, err := emulator.Open(emulator.Options{DataDir: l.dir, Enforce: true, Realism: p, Version: Version()})
	if err != nil {
		l.t.Fatalf("open the emulator on %s: %v", l.dir, err)
	}
	url, err := emu.Listen("127.0.0.1:0")
	if err != nil {
		_ = emu.Close()
		l.t.Fatal(err)
	}
	if err := emulator.WriteEndpoint(l.dir, emu.Advertised()); err != nil {
		_ = emu.Close()
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() {
		emulator.RemoveEndpointOf(l.dir, emu.Instance())
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := emu.Shutdown(ctx); err != nil {
			l.t.Errorf("shut the emulator down: %v", err)
		}
	})
	return url
}

// realismTest is the profile the flow runs under: AWS's delays at 1/25,
// one call in twenty throttled or failed with a 5xx, always the same ones.
var realismTest = realism.Config{Mode: realism.AWS, Scale: 0.04, FaultRate: 0.05, Seed: 7}

// receiveOrder waits (up to wait) for HighValueQueue to hold the
// notification of order id, deleting what it reads.
func receiveOrder(t *testing.T, url, id string, wait time.Duration) bool {
	t.Helper()
	client := sqs.NewFromConfig(localAWSConfig(url, localRegion))
	ctx := context.Background()
	q, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("HighValueQueue")})
	if err != nil {
		t.Fatalf("get the queue's URL: %v", err)
	}
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Logf("receive: %v", err)
			continue
		}
		for _, m := range out.Messages {
			_, _ = client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: m.ReceiptHandle})
			if strings.Contains(aws.ToString(m.Body), id) {
				return true
			}
		}
	}
	return false
}

// The whole life of a stack under the profile: up, three orders (above,
// below and exactly at the threshold), verify, destroy, up again at once
// (SQS still deleting the queue, then refusing its name), verify, destroy.
func TestRealismFlow(t *testing.T) {
	l := newLocalRun(t)
	url := l.serveRealism(realismTest)
	l.must(0, "up")
	for _, o := range []struct {
		amount   string
		notified bool
	}{{"250", true}, {"99.99", false}, {"100", false}} {
		doc := l.sendJSON(0, "--amount", o.amount)
		if !doc.OK || !doc.Outcome.Stored || doc.Outcome.Notified != o.notified {
			t.Fatalf("send %s: %+v, want stored, notified %v", o.amount, doc, o.notified)
		}
		if o.notified && !receiveOrder(t, url, doc.Outcome.OrderID, 20*time.Second) {
			t.Errorf("order %s: no notification in HighValueQueue within 20 s", doc.Outcome.OrderID)
		}
	}
	l.must(0, "verify")
	l.must(0, "destroy", "--yes")
	l.must(0, "up")
	l.must(0, "verify")
	l.must(0, "destroy", "--yes")
}
