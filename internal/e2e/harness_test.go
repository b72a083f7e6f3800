// Package e2e proves least privilege, enforced and proven, end to end:
// the real orders commands (cli.Run), through the real AWS SDK, against
// the real emulator over loopback HTTP with IAM enforced, running the real
// function binary from the embedded zip. Nothing here is faked.
package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/orders-dev/orders/function"
	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/cli"
	"github.com/orders-dev/orders/internal/config"
	"github.com/orders-dev/orders/internal/emulator"
	"github.com/orders-dev/orders/internal/emulator/emutest"
	"github.com/orders-dev/orders/policies"
	"github.com/orders-dev/orders/sdkhttp"
)

// region is where every test's stack lives.
const region = "us-east-1"

// defaultARNs are the default stack's resources in a new data dir's account.
var defaultARNs = config.Default().Names().ARNs("aws", region, emulator.DefaultAccount)

// adminKey signs as the account's administrator: the emulator did not issue
// it, so it acts as a default local profile does.
const adminKey, adminSecret = "e2e-admin", "e2e-admin"

var (
	// packageDir is this package's source directory (the working
	// directory go test starts in), where testdata lives.
	packageDir string
	// eachAction is ORDERS_E2E_EACH_ACTION=1: run TestOperatorPolicyEachAction.
	eachAction bool
)

// TestMain keeps the developer's environment out of every run: no ORDERS_*
// settings, no orders.yaml from the working directory. Done once here
// rather than with t.Setenv/t.Chdir so that tests may run in parallel.
func TestMain(m *testing.M) {
	eachAction = os.Getenv("ORDERS_E2E_EACH_ACTION") == "1"
	var err error
	if packageDir, err = os.Getwd(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "ORDERS_") || strings.HasPrefix(k, "AWS_") || k == "NO_COLOR" {
			os.Unsetenv(k)
		}
	}
	// The emulator runs the real bootstrap, so every stack here is built
	// for this machine's architecture, as --local does; commands that
	// check the stack against its flags (verify) are told the same.
	os.Setenv("ORDERS_ARCH", function.HostArch())
	dir, err := os.MkdirTemp("", "orders-e2e-cwd-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.Chdir(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// emu is one emulator serving a fresh data dir on a loopback port, with
// IAM enforced as `orders --local` runs it.
type emu struct {
	e    *emulator.Emulator
	url  string
	arns policies.ARNs // the default stack's resources in this emulator
	log  *logBuffer    // what the emulator logged (denials, dropped deliveries)
}

type emuOption func(*emulator.Options)

// withClock makes the emulator read the time from now (issued sessions'
// expiry, the dispatcher's check of it).
func withClock(now func() time.Time) emuOption {
	return func(o *emulator.Options) { o.Now = now }
}

func startEmulator(t *testing.T, opts ...emuOption) *emu {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping end-to-end runs of the real function in the emulator")
	}
	lb := &logBuffer{}
	o := emulator.Options{
		DataDir: t.TempDir(),
		Enforce: true,
		Logger:  slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	for _, opt := range opts {
		opt(&o)
	}
	e, err := emulator.Open(o)
	if err != nil {
		t.Fatalf("open the emulator: %v", err)
	}
	url, err := e.Listen("127.0.0.1:0")
	if err != nil {
		_ = e.Close()
		t.Fatalf("serve the emulator: %v", err)
	}
	// Close, not a graceful Shutdown: every client is done by then, and
	// net/http would wait 5 s for any connection the SDK opened and never used.
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("close the emulator: %v", err)
		}
	})
	return &emu{
		e: e, url: url, log: lb,
		arns: config.Default().Names().ARNs("aws", region, e.Account()),
	}
}

// config returns an SDK configuration aimed at the emulator, signed with
// the given keys. Calls are tried once: these tests want the first answer
// (but for a signature the emulator's moved clock calls stale, which the
// SDK corrects and signs again, as on AWS: see emutest.FirstAnswer).
func (m *emu) config(akid, secret, token string) aws.Config {
	return aws.Config{
		Region:       region,
		BaseEndpoint: aws.String(m.url),
		Credentials:  credentials.NewStaticCredentialsProvider(akid, secret, token),
		Retryer:      emutest.FirstAnswer,
		HTTPClient:   sdkhttp.New(),
	}
}

// admin is the account's administrator.
func (m *emu) admin() aws.Config { return m.config(adminKey, adminSecret, "") }

// result is what one orders command did.
type result struct {
	args        []string
	code        int
	out, errOut string
	took        time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("orders %s → exit %d (%s)\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, r.took.Round(time.Millisecond), r.out, r.errOut)
}

// orders runs one orders command line in this process with clients built
// from cfg (the emulator, signed as whoever cfg says), as a separate
// `orders --endpoint-url URL ...` process would.
func orders(t *testing.T, cfg aws.Config, args ...string) result {
	t.Helper()
	ios, _, out, errOut := cli.TestIO()
	// Through the production retryer, as a real run: a throttled or
	// failed-over call is retried, an AccessDenied is not.
	cfg.Retryer = func() aws.Retryer { return awsapi.NewRetryer() }
	cfg.RetryMaxAttempts = 0
	factory := func(context.Context, config.Config) (*awsapi.Clients, func() error, error) {
		return awsapi.NewFromAWSConfig(cfg), nil, nil
	}
	start := time.Now()
	code := cli.Run(context.Background(), cli.Options{IO: ios, ClientFactory: factory}, args)
	r := result{args: args, code: code, out: out.String(), errOut: errOut.String(), took: time.Since(start)}
	t.Log(r)
	return r
}

// mustOrders runs args and fails the test unless it exits with want.
func mustOrders(t *testing.T, cfg aws.Config, want int, args ...string) result {
	t.Helper()
	r := orders(t, cfg, args...)
	if r.code != want {
		t.Fatalf("exit %d, want %d: %s", r.code, want, r)
	}
	return r
}

// logBuffer collects the emulator's log lines; safe for concurrent writes.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var _ io.Writer = (*logBuffer)(nil)
