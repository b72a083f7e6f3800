package sns

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/sqs"
	"github.com/orders-dev/orders/internal/emulator/store"
)

const testAccount = "000000000000"

var ctx = context.Background()

// testKey is one signing key for the whole test binary: generating RSA keys
// is slow, and what is under test is how notifications are signed.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

type env struct {
	sns   *Service
	sqs   *sqs.Service
	st    *store.Store
	topic *sns.Client
	queue *awssqs.Client
	url   string
	logs  *syncBuffer
}

// syncBuffer collects log output from concurrent deliveries.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type envOptions struct {
	st        *store.Store
	sqsOpts   sqs.Options
	snsOpts   Options
	dispatch  dispatch.Options
	noSQSSink bool
}

func openStore(t testing.TB, dir string) *store.Store {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// start serves SNS wired to a real SQS service, both behind the dispatcher.
func start(t testing.TB, o envOptions) *env {
	t.Helper()
	if o.st == nil {
		o.st = openStore(t, "")
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	o.sqsOpts.Logger = logger
	q, err := sqs.New(o.st, o.sqsOpts)
	if err != nil {
		t.Fatalf("sqs.New: %v", err)
	}
	t.Cleanup(func() { _ = q.Close() })
	o.snsOpts.Logger = logger
	if !o.noSQSSink {
		o.snsOpts.Queues = q
	}
	if o.snsOpts.SigningKey == nil && o.snsOpts.SigningKeyBits == 0 {
		o.snsOpts.SigningKey = testKey()
	}
	s, err := New(o.st, o.snsOpts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	d := dispatch.New(o.dispatch)
	q.Register(d)
	s.Register(d)
	cfg, srv := emutest.Config(t, d)
	return &env{sns: s, sqs: q, st: o.st, topic: sns.NewFromConfig(cfg), queue: awssqs.NewFromConfig(cfg), url: srv.URL, logs: logs}
}

func newEnv(t testing.TB) *env { return start(t, envOptions{}) }

func (e *env) createTopic(t testing.TB, name string) string {
	t.Helper()
	out, err := e.topic.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name)})
	if err != nil {
		t.Fatalf("CreateTopic %s: %v", name, err)
	}
	return aws.ToString(out.TopicArn)
}

// createQueue makes a queue whose policy lets the topic deliver, and returns
// its URL and ARN.
func (e *env) createQueue(t testing.TB, name, topicARN string) (string, string) {
	t.Helper()
	arn := "arn:aws:sqs:us-east-1:" + testAccount + ":" + name
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"` +
		arn + `","Condition":{"ArnEquals":{"aws:SourceArn":"` + topicARN + `"}}}]}`
	out, err := e.queue.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String(name), Attributes: map[string]string{"Policy": policy}})
	if err != nil {
		t.Fatalf("CreateQueue %s: %v", name, err)
	}
	return aws.ToString(out.QueueUrl), arn
}

func (e *env) subscribe(t testing.TB, topicARN, queueARN string, attrs map[string]string) string {
	t.Helper()
	out, err := e.topic.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &topicARN, Protocol: aws.String("sqs"), Endpoint: &queueARN, Attributes: attrs})
	if err != nil {
		t.Fatalf("Subscribe %s: %v", queueARN, err)
	}
	return aws.ToString(out.SubscriptionArn)
}

// drain receives everything currently in a queue, deleting it.
func (e *env) drain(t testing.TB, url string) []string {
	t.Helper()
	var bodies []string
	for {
		out, err := e.queue.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"}})
		if err != nil {
			t.Fatalf("receive: %v", err)
		}
		if len(out.Messages) == 0 {
			return bodies
		}
		for _, m := range out.Messages {
			bodies = append(bodies, aws.ToString(m.Body))
			if _, err := e.queue.DeleteMessage(ctx, &awssqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatalf("delete: %v", err)
			}
		}
	}
}

func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want API error %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want error code %s, got %s (%v)", code, ae.ErrorCode(), err)
	}
}

func wantType[T error](t testing.TB, err error) T {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("want %T, got %v", target, err)
	}
	return target
}

// policyEvaluator is a fake queue-policy evaluator.
type policyEvaluator struct{ allow bool }

func (p policyEvaluator) AllowsService(string, string, string, string, map[string][]string) (bool, error) {
	return p.allow, nil
}

func staticCreds(akid, secret string) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}, nil
	})
}

// denyAll refuses everything, the way the lead's IAM enforcement answers.
type denyAll struct{}

func (denyAll) Authorize(_ context.Context, call *service.Call, action, resource string, _ map[string][]string) error {
	return service.AccessDenied(call.Service, call.Principal.ARN, action, resource, "because no identity-based policy allows the "+action+" action")
}

// user resolves one access key to a non-administrator principal.
type user struct{}

func (user) Resolve(_ context.Context, akid string) (service.Principal, string, string, time.Time, bool) {
	if akid != "AKIAUSERTEST" {
		return service.Principal{}, "", "", time.Time{}, false
	}
	return service.Principal{ARN: "arn:aws:iam::000000000000:user/alice", UserName: "alice", AccessKeyID: akid}, "usersecret", "", time.Time{}, true
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
