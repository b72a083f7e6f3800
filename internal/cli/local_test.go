package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/orders-dev/orders/internal/emulator"
	"github.com/orders-dev/orders/internal/emulator/emutest"
)

// TestLocalRefusesStaleEndpointFile: a data dir
// whose endpoint.json names a port another emulator (over another data dir)
// now answers on must not send --local commands there: `up` once built the
// whole stack in someone else's data dir.
func TestLocalRefusesStaleEndpointFile(t *testing.T) {
	isolate(t)
	mine, theirs := t.TempDir(), t.TempDir()
	other, err := emulator.Open(emulator.Options{DataDir: theirs})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	url, err := other.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// mine is held by a process that does not serve it (an older orders),
	// and its endpoint file is left over from a server that died.
	holder, err := emulator.Open(emulator.Options{DataDir: mine})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if err := emulator.WriteEndpoint(mine, emulator.Endpoint{URL: url, PID: os.Getpid() + 1, Account: other.Account(), Started: time.Now().UTC(), Instance: "dead", DataDir: mine}); err != nil {
		t.Fatal(err)
	}

	ios, _, out, errOut := TestIO()
	code := Run(context.Background(), Options{IO: ios}, []string{"--local", "--data-dir", mine, "up"})
	t.Logf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	if code == ExitOK {
		t.Fatal("up ran against another data dir's emulator")
	}
	if !strings.Contains(errOut.String(), mine) {
		t.Errorf("the error does not name the data dir %s", mine)
	}
	// Nothing was created in theirs.
	if n := len(other.Health().Services); n == 0 {
		t.Fatal("no services")
	}
	tables, err := dynamodb.NewFromConfig(localAWSConfig(url, "us-east-1", localKey("", false))).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tables.TableNames) != 0 {
		t.Errorf("tables created in the other data dir: %v", tables.TableNames)
	}

	// With the data dir free (the server that wrote the file crashed), the
	// command opens it itself and builds the stack there, not in theirs.
	if err := holder.Close(); err != nil {
		t.Fatal(err)
	}
	ios, _, out, errOut = TestIO()
	if code := Run(context.Background(), Options{IO: ios}, []string{"--local", "--data-dir", mine, "up"}); code != ExitOK {
		t.Fatalf("up on the freed data dir: exit %d\n%s%s", code, out, errOut)
	}
	if tables, err = dynamodb.NewFromConfig(localAWSConfig(url, "us-east-1", localKey("", false))).ListTables(context.Background(), &dynamodb.ListTablesInput{}); err != nil || len(tables.TableNames) != 0 {
		t.Errorf("tables in the other data dir: %v, %v", tables.TableNames, err)
	}
}

// syncBuffer is a buffer a running command writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// noAWSConfig leaves a test without any AWS configuration, as on a new
// machine: no keys, no region, no profile, no instance metadata.
func noAWSConfig(t *testing.T) {
	t.Helper()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION"} {
		t.Setenv(k, "") // restored after the test
		os.Unsetenv(k)  // an empty AWS_PROFILE names a profile ""
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// serveInProcess runs `orders local serve` over dir until the test ends
// and returns its banner once it is serving.
func serveInProcess(t *testing.T, dir string, extra ...string) (banner string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errOut := &syncBuffer{}
	ios, _, out, _ := TestIO()
	ios.ErrOut = errOut
	done := make(chan int)
	go func() {
		done <- Run(ctx, Options{IO: ios}, append([]string{"--data-dir", dir, "local", "serve", "--addr", "127.0.0.1:0"}, extra...))
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != ExitOK {
			t.Errorf("local serve: exit %d\n%s", code, errOut)
		}
		_ = out
	})
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(errOut.String(), "orders --endpoint-url") {
		if time.Now().After(deadline) {
			t.Fatalf("local serve printed no banner:\n%s", errOut)
		}
		select {
		case code := <-done:
			t.Fatalf("local serve exited %d:\n%s", code, errOut)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return errOut.String()
}

// bannerLine is the banner's example line that starts with prefix.
func bannerLine(t *testing.T, banner, prefix string) string {
	t.Helper()
	for _, l := range strings.Split(banner, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, prefix) {
			return l
		}
	}
	t.Fatalf("no %q line in the banner:\n%s", prefix, banner)
	return ""
}

// The serve banner's example commands work exactly as printed, on a machine
// with no AWS configuration: `orders --endpoint-url URL
// up` used to have no region, then deployed arm64 code on an amd64 host.
func TestServeBannerCommandsWorkAsPrinted(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs the real function")
	}
	isolate(t)
	noAWSConfig(t)
	banner := serveInProcess(t, t.TempDir())
	up := strings.Fields(bannerLine(t, banner, "orders --endpoint-url"))
	ios, _, out, errOut := TestIO()
	if code := Run(context.Background(), Options{IO: ios}, up[1:]); code != ExitOK {
		t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(up, " "), code, out, errOut)
	}
	// The function runs here, so it was built for this host.
	ios, _, out, errOut = TestIO()
	send := append(append([]string{}, up[1:len(up)-1]...), "send", "--amount", "250")
	if code := Run(context.Background(), Options{IO: ios}, send); code != ExitOK {
		t.Fatalf("orders %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(send, " "), code, out, errOut)
	}

	line := bannerLine(t, banner, "AWS_ACCESS_KEY_ID=")
	if _, err := exec.LookPath("aws"); err != nil {
		if emutest.PeersRequired() {
			t.Fatalf("the aws CLI is required (ORDERS_TEST_PEERS=1): %v", err)
		}
		t.Skipf("aws CLI not available: %v", err)
	}
	cmd := exec.Command("sh", "-c", line)
	b, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(b), "OrdersTable") {
		t.Errorf("%s: %v\n%s", line, err, b)
	}
}

// `orders local env` prints what makes any AWS client use the emulator
// serving the data dir; `local status` says whether one does and where.
func TestLocalEnvAndStatus(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	run := func(args ...string) (int, string, string) {
		ios, _, out, errOut := TestIO()
		code := Run(context.Background(), Options{IO: ios}, append([]string{"--data-dir", dir}, args...))
		return code, out.String(), errOut.String()
	}
	code, out, _ := run("local", "status")
	if code != ExitOK || !strings.Contains(out, "no emulator serves "+dir) {
		t.Errorf("status with none running: exit %d: %s", code, out)
	}
	code, out, errOut := run("local", "env")
	if code != ExitOK || !strings.Contains(out, "export AWS_ENDPOINT_URL='"+defaultServeURL+"'") || !strings.Contains(errOut, "no emulator serves") {
		t.Errorf("env with none running: exit %d: %s%s", code, out, errOut)
	}

	banner := serveInProcess(t, dir)
	url := strings.Fields(bannerLine(t, banner, "orders --endpoint-url"))[2]
	code, out, _ = run("local", "status")
	if code != ExitOK || !strings.Contains(out, "an emulator serves") || !strings.Contains(out, url) || !strings.Contains(out, "account 000000000000") {
		t.Errorf("status: exit %d: %s", code, out)
	}
	for shell, want := range map[string][]string{
		"sh":         {"export AWS_ENDPOINT_URL='" + url + "'", "export AWS_ACCESS_KEY_ID='orders-local'", "export AWS_SECRET_ACCESS_KEY='orders-local'", "export AWS_REGION='us-east-1'", "export AWS_DEFAULT_REGION='us-east-1'", "unset AWS_SESSION_TOKEN"},
		"fish":       {"set -gx AWS_ENDPOINT_URL '" + url + "';", "set -e AWS_SESSION_TOKEN;"},
		"powershell": {"$env:AWS_ENDPOINT_URL = '" + url + "'", "Remove-Item Env:AWS_SESSION_TOKEN"},
	} {
		code, out, _ := run("local", "env", "--shell", shell)
		for _, w := range want {
			if code != ExitOK || !strings.Contains(out, w) {
				t.Errorf("env --shell %s: exit %d, no %q in:\n%s", shell, code, w, out)
			}
		}
	}
	if code, _, errOut := run("local", "env", "--shell", "csh"); code != ExitUsage || !strings.Contains(errOut, "--shell") {
		t.Errorf("env --shell csh: exit %d: %s", code, errOut)
	}

	// The sh form, evaluated, makes the aws CLI use it.
	if _, err := exec.LookPath("aws"); err != nil {
		if emutest.PeersRequired() {
			t.Fatalf("the aws CLI is required (ORDERS_TEST_PEERS=1): %v", err)
		}
		t.Logf("aws CLI not available: %v", err)
		return
	}
	_, env, _ := run("local", "env")
	cmd := exec.Command("sh", "-c", env+"aws dynamodb list-tables")
	cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PROFILE=nonexistent")
	if b, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(b), "TableNames") {
		t.Errorf("eval \"$(orders local env)\"; aws dynamodb list-tables: %v\n%s", err, b)
	}
}

// `orders local reset` empties the data dir's state, asks first (and
// refuses without --yes off a terminal), removes nothing it does not own,
// and refuses while an emulator serves the data dir.
func TestLocalReset(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	emu, err := emulator.Open(emulator.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := emu.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if err := emulator.WriteEndpoint(dir, emu.Advertised()); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(mine, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string) {
		ios, _, out, errOut := TestIO()
		code := Run(context.Background(), Options{IO: ios}, append([]string{"--data-dir", dir, "local", "reset"}, args...))
		return code, out.String() + errOut.String()
	}
	if code, out := run(); code != ExitUsage || !strings.Contains(out, "pass --yes") {
		t.Errorf("reset without --yes off a terminal: exit %d: %s", code, out)
	}
	if code, out := run("--yes"); code != ExitFailed || !strings.Contains(out, "stop it first") {
		t.Errorf("reset while served: exit %d: %s", code, out)
	}
	emulator.RemoveEndpoint(dir)
	if err := emu.Close(); err != nil {
		t.Fatal(err)
	}
	if code, out := run("--yes"); code != ExitOK || !strings.Contains(out, "emptied "+dir) {
		t.Errorf("reset: exit %d: %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "emulator.db")); !os.IsNotExist(err) {
		t.Errorf("emulator.db after reset: %v", err)
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("reset removed a file it does not own: %v", err)
	}
}

// runAsync runs `orders --local --data-dir DIR args...` in the background,
// as its own process would, until ctx ends; out and errOut fill as it runs.
func (l *localRun) runAsync(ctx context.Context, args ...string) (done chan int, out, errOut *syncBuffer) {
	out, errOut = &syncBuffer{}, &syncBuffer{}
	ios, _, _, _ := TestIO()
	ios.Out, ios.ErrOut = out, errOut
	done = make(chan int, 1)
	go func() {
		done <- Run(ctx, Options{IO: ios}, append([]string{"--local", "--data-dir", l.dir}, args...))
	}()
	return done, out, errOut
}

// waitFor polls until cond holds, failing the test after a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// `logs --follow`, a load run and `status` on one --local
// data dir at once all work (the follow held the data dir, and every other
// --local command failed on its lock); and when the command serving the
// data dir ends, the others keep working.
func TestLocalCommandsSideBySide(t *testing.T) {
	l := newLocalRun(t)
	l.must(ExitOK, "up")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	follow1, out1, err1 := l.runAsync(ctx, "logs", "--follow", "--since", "0")
	waitFor(t, "the first logs --follow to start", func() bool {
		return strings.Contains(err1.String(), "following /aws/lambda/ProcessOrderFunction (Ctrl-C to stop)")
	})

	// A load run and status at the same time, beside the follow.
	load, loadOut, loadErr := l.runAsync(context.Background(), "send", "--amount", "250", "--count", "20", "--concurrency", "4")
	status, statusOut, statusErr := l.runAsync(context.Background(), "status")
	if code := <-status; code != ExitOK || !strings.Contains(statusOut.String(), "7 present") {
		t.Errorf("status beside logs --follow: exit %d\n%s%s", code, statusOut, statusErr)
	}
	if code := <-load; code != ExitOK {
		t.Fatalf("a load run beside logs --follow: exit %d\n%s%s", code, loadOut, loadErr)
	}
	waitFor(t, "the follow to show the load run's 20 orders", func() bool { return strings.Count(out1.String(), `"msg":"order notified"`) >= 20 })

	// A second follower; then the first (which serves the data dir) ends.
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	follow2, out2, err2 := l.runAsync(ctx2, "logs", "--follow", "--since", "0")
	waitFor(t, "the second follow to catch up", func() bool { return strings.Count(out2.String(), `"msg":"order notified"`) >= 20 })
	cancel()
	if code := <-follow1; code != ExitOK {
		t.Errorf("first logs --follow after Ctrl-C: exit %d\n%s", code, err1)
	}
	// The others keep working: a new send, and the second follow shows it.
	l.must(ExitOK, "send", "--amount", "300", "--order-id", "ORD-AFTER")
	waitFor(t, "the second follow to show an order sent after the first ended", func() bool { return strings.Contains(out2.String(), `"OrderId":"ORD-AFTER"`) })
	cancel2()
	if code := <-follow2; code != ExitOK {
		t.Errorf("second logs --follow: exit %d\n%s", code, err2)
	}
}

// `local serve --auth strict` takes only its root key (printed in the
// banner, saved in the data dir) and the keys it issued; `local env` prints
// the root key so `eval "$(orders local env)"` keeps working, and --local
// clients on the same data dir sign with it.
func TestLocalServeStrict(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	banner := serveInProcess(t, dir, "--auth", "strict")
	url := strings.Fields(bannerLine(t, banner, "orders --endpoint-url"))[2]
	key, err := emulator.ReadRootKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bannerLine(t, banner, "root key:"), "AWS_ACCESS_KEY_ID="+key.AccessKeyID) || !strings.Contains(banner, "--auth strict") {
		t.Errorf("the banner does not print the root key %s:\n%s", key.AccessKeyID, banner)
	}
	ios, _, out, errOut := TestIO()
	if code := Run(context.Background(), Options{IO: ios}, []string{"--data-dir", dir, "local", "status"}); code != ExitOK || !strings.Contains(out.String(), "--auth strict") {
		t.Errorf("local status does not say the emulator is strict: exit %d: %s%s", code, out, errOut)
	}
	ios, _, out, errOut = TestIO()
	if code := Run(context.Background(), Options{IO: ios}, []string{"--data-dir", dir, "local", "env"}); code != ExitOK ||
		!strings.Contains(out.String(), "export AWS_ACCESS_KEY_ID='"+key.AccessKeyID+"'") ||
		!strings.Contains(out.String(), "export AWS_SECRET_ACCESS_KEY='"+key.SecretAccessKey+"'") {
		t.Errorf("local env: exit %d: %s%s", code, out, errOut)
	}
	ctx := context.Background()
	if _, err := dynamodb.NewFromConfig(localAWSConfig(url, "us-east-1", localKey(dir, servedStrict(dir)))).ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Errorf("--local keys on a strict emulator: %v", err)
	}
	open := localAWSConfig(url, "us-east-1", localKey("", false))
	open.RetryMaxAttempts = 1
	if _, err := dynamodb.NewFromConfig(open).ListTables(ctx, &dynamodb.ListTablesInput{}); err == nil || !strings.Contains(err.Error(), "UnrecognizedClientException") {
		t.Errorf("keys a strict emulator did not issue: %v, want UnrecognizedClientException", err)
	}
	if code := Run(context.Background(), Options{IO: ios}, []string{"--data-dir", t.TempDir(), "local", "serve", "--auth", "lax"}); code != ExitUsage {
		t.Errorf("--auth lax: exit %d, want a usage error", code)
	}
}
