package cli

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iam"
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
	return l.serveRealismWith(c, emulator.Options{})
}

// serveRealismWith is serveRealism with the emulator's clock and logger
// taken from opts.
func (l *localRun) serveRealismWith(c realism.Config, opts emulator.Options) string {
	l.t.Helper()
	p, err := realism.New(c)
	if err != nil {
		l.t.Fatal(err)
	}
	opts.DataDir, opts.Enforce, opts.Realism, opts.Version = l.dir, true, p, Version()
	emu, err := emulator.Open(opts)
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
	client := sqs.NewFromConfig(localAWSConfig(url, localRegion, localKey("", false)))
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

// The other commands under the same profile: status, a dry run, a load
// run (Lambda's TooManyRequestsException and the function's own throttled
// calls among its faults), logs, and the demo with its destroy.
func TestRealismOtherCommands(t *testing.T) {
	l := newLocalRun(t)
	l.serveRealism(realismTest)
	l.must(0, "up")
	l.must(0, "status")
	l.must(0, "up", "--dry-run")
	l.must(0, "send", "--amount", "250", "--count", "40", "--concurrency", "4")
	l.must(0, "logs", "--since", "10m")
	l.must(0, "demo", "--destroy")
	l.must(0, "status")
}

// atScale1 is AWS's own delays, without faults: for the tests of one delay
// each, on a stack made beforehand with the profile off (quickly), so only
// the delay under test is met.
var atScale1 = realism.Config{Mode: realism.AWS, Scale: 1, Seed: 1}

// The queue's policy set by SetQueueAttributes reaches SNS's deliveries
// only after ~30 s (AWS: up to 60 s), and the ones in between are lost: up
// creates the queue with its policy, so an order sent at once is notified
// into the queue.
func TestRealismNotificationRightAfterUp(t *testing.T) {
	l := newLocalRun(t)
	url := l.serveRealism(realism.Config{Mode: realism.AWS, Scale: 0.2, Seed: 3})
	l.must(0, "up")
	doc := l.sendJSON(0, "--amount", "250")
	if !doc.Outcome.Notified {
		t.Fatalf("send: %+v, want notified", doc)
	}
	if !receiveOrder(t, url, doc.Outcome.OrderID, 15*time.Second) {
		t.Errorf("order %s: no notification in HighValueQueue: SNS's delivery was refused by the queue's policy not yet applied", doc.Outcome.OrderID)
	}
}

// IAM applies a repaired role's policy to the function's sessions only
// after ~5 s: the order sent right after the repairing up is refused, and
// send sends it again, saying why, until IAM has applied it.
//
// The emulator's clock stands still from the repair until the function is
// first refused, then jumps past the propagation delay: the first send is
// refused however slow the machine is, and the next one is not.
func TestRealismSendRightAfterRoleRepair(t *testing.T) {
	l := newLocalRun(t)
	l.must(0, "up")
	l.direct(func(d direct) {
		if _, err := d.iam.DeleteRolePolicy(context.Background(), &iam.DeleteRolePolicyInput{
			RoleName: aws.String("ProcessOrderFunction-role"), PolicyName: aws.String("ProcessOrderFunction-policy")}); err != nil {
			t.Fatal(err)
		}
	})
	clock := newGatedClock(time.Now())
	l.serveRealismWith(atScale1, emulator.Options{
		Now:    clock.now,
		Logger: slog.New(onDenial{slog.NewTextHandler(io.Discard, nil), func() { clock.open(time.Minute) }}),
	})
	out, _ := l.must(0, "up")
	if !strings.Contains(out, "1 repaired") {
		t.Fatalf("up did not repair the role: %s", out)
	}
	_, errOut := l.must(0, "send", "--amount", "250")
	if !strings.Contains(errOut, "IAM takes a few seconds to apply a change") || !strings.Contains(errOut, "--iam-wait") {
		t.Errorf("send did not say it waits for IAM: %s", errOut)
	}
}

// DynamoDB's ListTagsOfResource answers the previous (here: no) tags for a
// few seconds after TagResource: right after `up --adopt` tagged the
// table, status must not call it someone else's, nor destroy leave it.
func TestRealismStatusRightAfterAdopt(t *testing.T) {
	l := newLocalRun(t)
	l.must(0, "up")
	l.direct(func(d direct) {
		if _, err := d.ddb.UntagResource(context.Background(), &dynamodb.UntagResourceInput{
			ResourceArn: aws.String(d.arns.Table), TagKeys: []string{"orders:stack"}}); err != nil {
			t.Fatal(err)
		}
	})
	l.serveRealism(atScale1)
	l.must(0, "up", "--adopt")
	out, _ := l.must(0, "--output", "json", "status")
	var doc statusDoc
	oneJSONDocument(t, []byte(out), &doc)
	for _, r := range doc.Resources {
		if r.Kind == "table" && (r.State != "present" || len(r.Drift) > 0) {
			t.Errorf("table right after adopt: %s %q, want present", r.State, r.Drift)
		}
	}
}

// verify at AWS's own delays: the probe's new queue unknown for a second,
// SNS delivering after up to 500 ms, log lines searchable 2–5 s after
// they are written — all within --wait.
func TestRealismVerifyAtAWSDelays(t *testing.T) {
	l := newLocalRun(t)
	l.must(0, "up")
	l.serveRealism(atScale1)
	l.must(0, "verify")
}

// gatedClock stands still at its start until opened, then runs with the
// real clock, ahead by the jump it was opened with.
type gatedClock struct {
	mu     sync.Mutex
	start  time.Time
	opened time.Time // zero: still standing
	jump   time.Duration
}

func newGatedClock(start time.Time) *gatedClock { return &gatedClock{start: start} }

func (c *gatedClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.opened.IsZero() {
		return c.start
	}
	return c.start.Add(c.jump + time.Since(c.opened))
}

// open lets the clock run from now on, jump ahead of where it stood; only
// the first call counts.
func (c *gatedClock) open(jump time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.opened.IsZero() {
		c.opened, c.jump = time.Now(), jump
	}
}

// onDenial is an emulator log handler that calls fn for every request the
// emulator's IAM enforcement refused ("request denied").
type onDenial struct {
	slog.Handler
	fn func()
}

func (h onDenial) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "request denied" {
		h.fn()
	}
	return h.Handler.Handle(ctx, r)
}

func (h onDenial) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h onDenial) WithGroup(string) slog.Handler      { return h }
