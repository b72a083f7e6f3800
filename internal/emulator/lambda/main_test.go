package lambda

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// Test packages built once in TestMain and shared by every test.
var (
	bootstrapZip   []byte // the test function for the host's architecture
	wrongArchZip   []byte // the same binary claiming the other architecture
	noBootZip      []byte // a valid zip without a bootstrap
	buildErr       error  // the test function did not build: a failure
	noExecReason   string // why this host cannot run it: a skip
	hostLambdaArch = lambdaArch(runtime.GOARCH)
)

// childEmulatorEnv, when set, makes the test binary run childEmulator
// instead of the tests (the kill -9 test re-executes itself that way).
const childEmulatorEnv = "ORDERS_LAMBDA_TEST_CHILD_ZIP"

var childEmulator func()

func TestMain(m *testing.M) {
	if os.Getenv(childEmulatorEnv) != "" && childEmulator != nil {
		childEmulator()
		return
	}
	dir, err := os.MkdirTemp("", "lambda-test-build-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildErr = buildTestFunction(dir)
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// buildTestFunction builds testdata/bootstrap for linux and the host's
// architecture, as Lambda zips are built, and zips it.
func buildTestFunction(dir string) error {
	noBootZip = zipOf(map[string][]byte{"README.txt": []byte("no bootstrap here\n")}, 0o644)
	if runtime.GOOS != "linux" {
		noExecReason = "function execution tests need a linux host"
		return nil
	}
	bin := filepath.Join(dir, "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./testdata/bootstrap")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build test bootstrap: %v\n%s", err, out)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		return err
	}
	bootstrapZip = zipOf(map[string][]byte{"bootstrap": b}, 0o755)
	// The other architecture: same file, ELF e_machine rewritten.
	other := append([]byte(nil), b...)
	machine := uint16(183) // EM_AARCH64
	if runtime.GOARCH == "arm64" {
		machine = 62 // EM_X86_64
	}
	binary.LittleEndian.PutUint16(other[18:20], machine)
	wrongArchZip = zipOf(map[string][]byte{"bootstrap": other}, 0o755)
	return nil
}

func zipOf(files map[string][]byte, mode os.FileMode) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range sortedKeys(files) {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		h.SetMode(mode)
		h.Modified = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		w, err := zw.CreateHeader(h)
		if err != nil {
			panic(err)
		}
		_, _ = w.Write(files[name])
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// needExec skips a test that runs the function where the host cannot run
// it, and fails it where the function did not build: a broken test
// bootstrap is a broken test, not a reason to run fewer of them.
func needExec(t testing.TB) {
	t.Helper()
	if noExecReason != "" {
		t.Skipf("skipping function execution: %s", noExecReason)
	}
	if buildErr != nil {
		t.Fatalf("the test function must build to run this test: %v", buildErr)
	}
}

const testRole = "arn:aws:iam::000000000000:role/fn-role"

// fakeRoles trusts the roles it lists.
type fakeRoles map[string]bool

func (f fakeRoles) LambdaCanAssume(_ context.Context, _, role string) (bool, error) {
	return f[role], nil
}

// fakeCreds issues predictable credentials and counts sessions.
type fakeCreds struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeCreds) IssueRoleSession(_ context.Context, account, role, session string, d time.Duration) (string, string, string, time.Time, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, account+" "+role+" "+session)
	return "ASIATESTKEY", "test-secret", "test-token", time.Now().Add(d), nil
}

// fakeLogs records every Append.
type fakeLogs struct {
	mu      sync.Mutex
	streams map[string][]LogEvent // group + " " + stream
	appends int
	sources []LogSource
}

func newFakeLogs() *fakeLogs { return &fakeLogs{streams: map[string][]LogEvent{}} }

func (f *fakeLogs) Append(ctx context.Context, region, account, group, stream string, events []LogEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.appends++
	f.streams[group+" "+stream] = append(f.streams[group+" "+stream], events...)
	if src, ok := LogSourceFrom(ctx); ok {
		f.sources = append(f.sources, src)
	}
	return nil
}

// messages returns every message of group, stream by stream.
func (f *fakeLogs) messages(group string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, k := range sortedKeys(f.streams) {
		if strings.HasPrefix(k, group+" ") {
			for _, e := range f.streams[k] {
				out = append(out, e.Message)
			}
		}
	}
	return out
}

type testEnv struct {
	svc    *Service
	st     *store.Store
	client *awslambda.Client
	logs   *fakeLogs
	creds  *fakeCreds
	url    string
}

type envOption func(*Options)

// newTestEnv serves a fresh Lambda on a loopback server and returns a real
// SDK client for it.
func newTestEnv(t testing.TB, opts ...envOption) *testEnv {
	t.Helper()
	st, err := store.Open(t.TempDir(), store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	return newTestEnvOn(t, st, dispatch.Options{}, opts...)
}

func newTestEnvOn(t testing.TB, st *store.Store, dopts dispatch.Options, opts ...envOption) *testEnv {
	t.Helper()
	e := &testEnv{st: st, logs: newFakeLogs(), creds: &fakeCreds{}}
	var url atomic.Value // the server's URL, known once it listens
	o := Options{
		Roles:       fakeRoles{testRole: true},
		Credentials: e.creds,
		Logs:        e.logs,
		CodeDir:     t.TempDir(),
		Endpoint:    func() string { u, _ := url.Load().(string); return u },
	}
	for _, fn := range opts {
		fn(&o)
	}
	svc, err := New(st, o)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	d := dispatch.New(dopts)
	svc.Register(d)
	cfg, srv := emutest.Config(t, d)
	e.url = srv.URL
	url.Store(srv.URL)
	t.Cleanup(func() {
		_ = svc.Close()
		_ = st.Close()
	})
	e.client = awslambda.NewFromConfig(cfg)
	return e
}

func (e *testEnv) create(t testing.TB, name string, zipBytes []byte, mods ...func(*awslambda.CreateFunctionInput)) *awslambda.CreateFunctionOutput {
	t.Helper()
	in := &awslambda.CreateFunctionInput{
		FunctionName:  aws.String(name),
		Runtime:       types.RuntimeProvidedal2023,
		Role:          aws.String(testRole),
		Handler:       aws.String("bootstrap"),
		Code:          &types.FunctionCode{ZipFile: zipBytes},
		Architectures: []types.Architecture{types.Architecture(hostLambdaArch)},
		Timeout:       aws.Int32(10),
	}
	for _, m := range mods {
		m(in)
	}
	out, err := e.client.CreateFunction(context.Background(), in)
	if err != nil {
		t.Fatalf("create function %s: %v", name, err)
	}
	return out
}
