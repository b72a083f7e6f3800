package sqs

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
	"github.com/orders-dev/orders/internal/emulator/store"
)

const testAccount = "000000000000"

// fakeClock is a clock tests move by hand, for cool-downs and retention.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type env struct {
	svc    *Service
	st     *store.Store
	client *sqs.Client
	url    string // server base URL
}

// openStore opens a store in dir (a temp dir when empty), closed at cleanup.
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

// start serves a new Service over st through the real dispatcher.
func start(t testing.TB, st *store.Store, opts Options, dopts dispatch.Options) *env {
	t.Helper()
	svc, err := New(st, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	d := dispatch.New(dopts)
	svc.Register(d)
	cfg, srv := emutest.Config(t, d)
	return &env{svc: svc, st: st, client: sqs.NewFromConfig(cfg), url: srv.URL}
}

func newEnv(t testing.TB) *env {
	return start(t, openStore(t, ""), Options{}, dispatch.Options{})
}

func (e *env) createQueue(t testing.TB, name string, attrs map[string]string) string {
	t.Helper()
	out, err := e.client.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatalf("CreateQueue %s: %v", name, err)
	}
	return aws.ToString(out.QueueUrl)
}

// wantCode checks err is an API error with the given code.
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

// wantType checks err unwraps to the typed SDK error T.
func wantType[T error](t testing.TB, err error) T {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("want %T, got %v", target, err)
	}
	return target
}

var ctx = context.Background()

func staticCreds(akid, secret string) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}, nil
	})
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
