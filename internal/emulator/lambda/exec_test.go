//go:build linux

package lambda

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// fnResult is what the test bootstrap answers.
type fnResult struct {
	Pid          int               `json:"pid"`
	Echo         any               `json:"echo"`
	RequestID    string            `json:"requestId"`
	Arn          string            `json:"arn"`
	Env          map[string]string `json:"env"`
	File         string            `json:"file"`
	DeadlineInMs int64             `json:"deadlineInMs"`
}

type fnError struct {
	ErrorType    string `json:"errorType"`
	ErrorMessage string `json:"errorMessage"`
}

func (e *testEnv) invoke(t testing.TB, name string, event any, mods ...func(*awslambda.InvokeInput)) *awslambda.InvokeOutput {
	t.Helper()
	payload, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	in := &awslambda.InvokeInput{FunctionName: aws.String(name), Payload: payload}
	for _, m := range mods {
		m(in)
	}
	out, err := e.client.Invoke(context.Background(), in)
	if err != nil {
		t.Fatalf("invoke %s: %v", name, err)
	}
	return out
}

func ok(t testing.TB, out *awslambda.InvokeOutput) fnResult {
	t.Helper()
	if out.FunctionError != nil {
		t.Fatalf("function error %s: %s", aws.ToString(out.FunctionError), out.Payload)
	}
	var r fnResult
	if err := json.Unmarshal(out.Payload, &r); err != nil {
		t.Fatalf("decode %s: %v", out.Payload, err)
	}
	return r
}

func failed(t testing.TB, out *awslambda.InvokeOutput) fnError {
	t.Helper()
	if aws.ToString(out.FunctionError) != "Unhandled" {
		t.Fatalf("FunctionError = %q, want Unhandled (payload %s)", aws.ToString(out.FunctionError), out.Payload)
	}
	var fe fnError
	if err := json.Unmarshal(out.Payload, &fe); err != nil {
		t.Fatalf("decode %s: %v", out.Payload, err)
	}
	return fe
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

// eventually polls cond; the bound only guards against hanging tests.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestInvokeEchoAndWarmReuse(t *testing.T) {
	needExec(t)
	e := newTestEnv(t)
	e.create(t, "fn", bootstrapZip)
	out := e.invoke(t, "fn", map[string]any{"echo": map[string]any{"OrderId": "ORD-1001", "Amount": 250}})
	r := ok(t, out)
	if out.StatusCode != 200 || aws.ToString(out.ExecutedVersion) != "$LATEST" {
		t.Errorf("StatusCode %d ExecutedVersion %q", out.StatusCode, aws.ToString(out.ExecutedVersion))
	}
	if fmt.Sprint(r.Echo) != fmt.Sprint(map[string]any{"OrderId": "ORD-1001", "Amount": 250.0}) {
		t.Errorf("echo = %v", r.Echo)
	}
	reqID, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	if r.RequestID == "" || r.RequestID != reqID {
		t.Errorf("function saw request id %q, response carries %q", r.RequestID, reqID)
	}
	if r.Arn != "arn:aws:lambda:us-east-1:000000000000:function:fn" {
		t.Errorf("invoked function ARN = %q", r.Arn)
	}
	if r.DeadlineInMs <= 0 || r.DeadlineInMs > 10000 {
		t.Errorf("deadline %d ms away, want within the 10 s timeout", r.DeadlineInMs)
	}
	for i := 0; i < 3; i++ {
		if again := ok(t, e.invoke(t, "fn", map[string]any{})); again.Pid != r.Pid {
			t.Fatalf("warm invoke ran in pid %d, want the warm instance %d", again.Pid, r.Pid)
		}
	}
	// An empty payload is delivered as {}.
	if _, err := e.client.Invoke(context.Background(), &awslambda.InvokeInput{FunctionName: aws.String("fn")}); err != nil {
		t.Fatal(err)
	}
}

func TestInvokeFunctionError(t *testing.T) {
	needExec(t)
	e := newTestEnv(t)
	e.create(t, "fn", bootstrapZip)
	first := ok(t, e.invoke(t, "fn", map[string]any{}))
	fe := failed(t, e.invoke(t, "fn", map[string]any{"action": "error", "message": "amount must not be negative"}))
	if fe.ErrorType != "OrderError" || fe.ErrorMessage != "amount must not be negative" {
		t.Errorf("error = %+v", fe)
	}
	// A handled error keeps the instance.
	if again := ok(t, e.invoke(t, "fn", map[string]any{})); again.Pid != first.Pid {
		t.Errorf("instance replaced after a function error")
	}
}

func TestInvokeTimeout(t *testing.T) {
	needExec(t)
	e := newTestEnv(t)
	e.create(t, "slow", bootstrapZip, func(in *awslambda.CreateFunctionInput) { in.Timeout = aws.Int32(1) })
	warm := ok(t, e.invoke(t, "slow", map[string]any{}))
	out := e.invoke(t, "slow", map[string]any{"action": "sleep", "sleepMs": 5000})
	fe := failed(t, out)
	reqID, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	if fe.ErrorType != "Sandbox.Timedout" || fe.ErrorMessage != "RequestId: "+reqID+" Error: Task timed out after 1.00 seconds" {
		t.Errorf("timeout error = %+v", fe)
	}
	if alive(warm.Pid) {
		t.Errorf("timed-out instance %d still running", warm.Pid)
	}
	next := ok(t, e.invoke(t, "slow", map[string]any{}))
	if next.Pid == warm.Pid {
		t.Error("invoke after a timeout reused the killed instance")
	}
	if err := e.svc.FlushLogs(context.Background()); err != nil {
		t.Fatal(err)
	}
	all := strings.Join(e.logs.messages("/aws/lambda/slow"), "")
	if !strings.Contains(all, reqID+" Task timed out after 1.00 seconds\n") || !strings.Contains(all, "Status: timeout") {
		t.Errorf("timeout not logged:\n%s", all)
	}
}

func TestInvokeExit(t *testing.T) {
	needExec(t)
	e := newTestEnv(t)
	e.create(t, "fn", bootstrapZip)
	warm := ok(t, e.invoke(t, "fn", map[string]any{}))
	out := e.invoke(t, "fn", map[string]any{"action": "exit", "code": 2})
	fe := failed(t, out)
	reqID, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	if fe.ErrorType != "Runtime.ExitError" || fe.ErrorMessage != "RequestId: "+reqID+" Error: Runtime exited with error: exit status 2" {
		t.Errorf("exit error = %+v", fe)
	}
	if next := ok(t, e.invoke(t, "fn", map[string]any{})); next.Pid == warm.Pid {
		t.Error("invoke after a crash reused the dead instance")
	}
}

func TestInitFailures(t *testing.T) {
	needExec(t)
	e := newTestEnv(t)
	e.create(t, "initexit", bootstrapZip, func(in *awslambda.CreateFunctionInput) {
		in.Environment = &types.Environment{Variables: map[string]string{"TEST_INIT_EXIT": "1"}}
	})
	fe := failed(t, e.invoke(t, "initexit", map[string]any{}))
	if fe.ErrorType != "Runtime.ExitError" || !strings.HasSuffix(fe.ErrorMessage, "Runtime exited with error: exit status 3") {
		t.Errorf("init exit = %+v", fe)
	}
	e.create(t, "initerror", bootstrapZip, func(in *awslambda.CreateFunctionInput) {
		in.Environment = &types.Environment{Variables: map[string]string{"TEST_INIT_ERROR": "1"}}
	})
	fe = failed(t, e.invoke(t, "initerror", map[string]any{}))
	if fe.ErrorType != "ConfigError" || fe.ErrorMessage != "TABLE_NAME is not set" {
		t.Errorf("init error = %+v", fe)
	}
	e.create(t, "noboot", noBootZip)
	fe = failed(t, e.invoke(t, "noboot", map[string]any{}))
	if fe.ErrorType != "Runtime.InvalidEntrypoint" || !strings.Contains(fe.ErrorMessage, "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]") {
		t.Errorf("missing bootstrap = %+v", fe)
	}
	if err := e.svc.FlushLogs(context.Background()); err != nil {
		t.Fatal(err)
	}
	if all := strings.Join(e.logs.messages("/aws/lambda/initexit"), ""); !strings.Contains(all, "init: giving up\n") || !strings.Contains(all, "Runtime.ExitError") {
		t.Errorf("init failure not logged:\n%s", all)
	}
}

func TestWrongArchitecture(t *testing.T) {
	needExec(t)
	e := newTestEnv(t)
	other := "arm64"
	if hostLambdaArch == "arm64" {
		other = "x86_64"
	}
	e.create(t, "fn", wrongArchZip, func(in *awslambda.CreateFunctionInput) {
		in.Architectures = []types.Architecture{types.Architecture(other)}
	})
	fe := failed(t, e.invoke(t, "fn", map[string]any{}))
	want := fmt.Sprintf("function code is linux/%s but this machine is linux/%s: deploy with --arch %s", goArch(other), goArch(hostLambdaArch), hostLambdaArch)
	if fe.ErrorType != "Runtime.InvalidEntrypoint" || !strings.Contains(fe.ErrorMessage, want) {
		t.Errorf("wrong arch = %+v, want message containing %q", fe, want)
	}
	// Host-arch code under the other architecture's name fails as on Lambda.
	e.create(t, "mislabelled", bootstrapZip, func(in *awslambda.CreateFunctionInput) {
		in.Architectures = []types.Architecture{types.Architecture(other)}
	})
	fe = failed(t, e.invoke(t, "mislabelled", map[string]any{}))
	if fe.ErrorType != "Runtime.InvalidEntrypoint" || !strings.Contains(fe.ErrorMessage, "but the function's Architectures is ["+other+"]") {
		t.Errorf("mislabelled arch = %+v", fe)
	}
}

var streamRE = regexp.MustCompile(`^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$`)

func TestLogs(t *testing.T) {
	needExec(t)
	e := newTestEnv(t)
	e.create(t, "fn", bootstrapZip)
	out := e.invoke(t, "fn", map[string]any{"action": "print", "lines": []string{"hello", "world"}})
	ok(t, out)
	id1, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	out = e.invoke(t, "fn", map[string]any{"action": "print", "lines": []string{"again"}})
	id2, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	if err := e.svc.FlushLogs(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.logs.mu.Lock()
	var streams []string
	for k := range e.logs.streams {
		group, stream, _ := strings.Cut(k, " ")
		if group != "/aws/lambda/fn" || !streamRE.MatchString(stream) {
			t.Errorf("logs went to group %q stream %q", group, stream)
		}
		streams = append(streams, stream)
	}
	appends := e.logs.appends
	sources := append([]LogSource(nil), e.logs.sources...)
	e.logs.mu.Unlock()
	if len(streams) != 1 {
		t.Fatalf("streams = %v, want the one instance's", streams)
	}
	if appends > 2 {
		t.Errorf("%d Appends for 2 invocations, want at most one each", appends)
	}
	if len(sources) == 0 || sources[0].RoleARN != testRole || sources[0].FunctionARN != "arn:aws:lambda:us-east-1:000000000000:function:fn" {
		t.Errorf("log source = %+v", sources)
	}
	msgs := e.logs.messages("/aws/lambda/fn")
	want := []string{
		"init: ready\n",
		"START RequestId: " + id1 + " Version: $LATEST\n",
		"hello\n", "stderr: hello\n", "world\n", "stderr: world\n",
		"END RequestId: " + id1 + "\n",
		"REPORT RequestId: " + id1 + "\t",
		"START RequestId: " + id2 + " Version: $LATEST\n",
		"again\n", "stderr: again\n",
		"END RequestId: " + id2 + "\n",
		"REPORT RequestId: " + id2 + "\t",
	}
	if len(msgs) != len(want) {
		t.Fatalf("log messages:\n%q\nwant:\n%q", msgs, want)
	}
	for i := range want {
		if !strings.HasPrefix(msgs[i], want[i]) {
			t.Errorf("message %d = %q, want %q", i, msgs[i], want[i])
		}
	}
	reportRE := regexp.MustCompile(`^REPORT RequestId: \S+\tDuration: \d+\.\d{2} ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\t(Init Duration: \d+\.\d{2} ms\t)?\n$`)
	if !reportRE.MatchString(msgs[7]) || !strings.Contains(msgs[7], "Init Duration") {
		t.Errorf("cold REPORT = %q", msgs[7])
	}
	if !reportRE.MatchString(msgs[12]) || strings.Contains(msgs[12], "Init Duration") {
		t.Errorf("warm REPORT = %q", msgs[12])
	}
}

func TestLogTail(t *testing.T) {
	needExec(t)
	e := newTestEnv(t)
	e.create(t, "fn", bootstrapZip)
	withTail := func(in *awslambda.InvokeInput) { in.LogType = types.LogTypeTail }
	out := e.invoke(t, "fn", map[string]any{"action": "print", "lines": []string{"ORD-1001 stored"}}, withTail)
	tail, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if err != nil {
		t.Fatal(err)
	}
	id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	s := string(tail)
	if !strings.HasPrefix(s, "START RequestId: "+id) || !strings.Contains(s, "ORD-1001 stored\n") ||
		!strings.Contains(s, "END RequestId: "+id) || !strings.Contains(s, "REPORT RequestId: "+id) {
		t.Errorf("tail:\n%s", s)
	}
	// A long log keeps only the last 4 KB.
	var lines []string
	for i := 0; i < 200; i++ {
		lines = append(lines, fmt.Sprintf("line %03d %s", i, strings.Repeat("x", 80)))
	}
	out = e.invoke(t, "fn", map[string]any{"action": "print", "lines": lines}, withTail)
	tail, _ = base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
	if len(tail) != 4096 || !strings.Contains(string(tail), "stderr: line 199") || !strings.HasSuffix(string(tail), "\n") || strings.Contains(string(tail), "line 000") {
		t.Errorf("long tail is %d bytes:\n%s", len(tail), tail)
	}
	// Without Tail, no LogResult.
	if out := e.invoke(t, "fn", map[string]any{}); out.LogResult != nil {
		t.Error("LogResult without LogType Tail")
	}
}

func TestConcurrentInvokes(t *testing.T) {
	needExec(t)
	e := newTestEnv(t, func(o *Options) { o.MaxConcurrency = 3 })
	e.create(t, "fn", bootstrapZip)
	const n = 6
	var mu sync.Mutex
	pids := map[int]int{}
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := ok(t, e.invoke(t, "fn", map[string]any{"action": "sleep", "sleepMs": 300}))
			mu.Lock()
			pids[r.Pid]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(pids) < 2 || len(pids) > 3 {
		t.Fatalf("%d concurrent invokes ran on %d instances %v, want 2..3 (MaxConcurrency 3)", n, len(pids), pids)
	}
	for i := 0; i < 5; i++ {
		r := ok(t, e.invoke(t, "fn", map[string]any{}))
		if pids[r.Pid] == 0 {
			t.Fatalf("sequential invoke started instance %d instead of reusing a warm one", r.Pid)
		}
	}
}

func TestUpdateCodeWhileWarm(t *testing.T) {
	needExec(t)
	e := newTestEnv(t)
	b, err := os.ReadFile(e.unpackedBootstrap(t))
	if err != nil {
		t.Fatal(err)
	}
	v1 := zipOf(map[string][]byte{"bootstrap": b, "version.txt": []byte("v1")}, 0o755)
	v2 := zipOf(map[string][]byte{"bootstrap": b, "version.txt": []byte("v2")}, 0o755)
	e.create(t, "fn", v1)
	old := ok(t, e.invoke(t, "fn", map[string]any{"action": "file", "message": "version.txt"}))
	if old.File != "v1" {
		t.Fatalf("v1 answered %q", old.File)
	}
	if _, err := e.client.UpdateFunctionCode(context.Background(), &awslambda.UpdateFunctionCodeInput{FunctionName: aws.String("fn"), ZipFile: v2}); err != nil {
		t.Fatal(err)
	}
	now := ok(t, e.invoke(t, "fn", map[string]any{"action": "file", "message": "version.txt"}))
	if now.File != "v2" || now.Pid == old.Pid {
		t.Errorf("after update: file %q in pid %d (old pid %d)", now.File, now.Pid, old.Pid)
	}
	eventually(t, "the old instance stops", func() bool { return !alive(old.Pid) })

	// A configuration change replaces instances too.
	if _, err := e.client.UpdateFunctionConfiguration(context.Background(), &awslambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("fn"), Environment: &types.Environment{Variables: map[string]string{"MODE": "new"}},
	}); err != nil {
		t.Fatal(err)
	}
	r := ok(t, e.invoke(t, "fn", map[string]any{"action": "env", "env": []string{"MODE"}}))
	if r.Env["MODE"] != "new" || r.Pid == now.Pid {
		t.Errorf("after configuration update: env %v pid %d (was %d)", r.Env, r.Pid, now.Pid)
	}
}

// unpackedBootstrap returns the test binary (from the shared zip).
func (e *testEnv) unpackedBootstrap(t *testing.T) string {
	dir := t.TempDir()
	if err := extract(bootstrapZip, dir); err != nil {
		t.Fatal(err)
	}
	return dir + "/bootstrap"
}

func TestDeleteAndCloseStopProcesses(t *testing.T) {
	needExec(t)
	e := newTestEnv(t)
	e.create(t, "a", bootstrapZip)
	e.create(t, "b", bootstrapZip)
	var pids []int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, name := range []string{"a", "a", "b", "b"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := ok(t, e.invoke(t, name, map[string]any{"action": "sleep", "sleepMs": 200}))
			mu.Lock()
			pids = append(pids, r.Pid)
			mu.Unlock()
		}()
	}
	wg.Wait()
	aPids := e.svc.functions["us-east-1/a"].pool.pids()
	if len(aPids) == 0 {
		t.Fatal("no instances of a")
	}
	if _, err := e.client.DeleteFunction(context.Background(), &awslambda.DeleteFunctionInput{FunctionName: aws.String("a")}); err != nil {
		t.Fatal(err)
	}
	for _, pid := range aPids {
		if alive(pid) {
			t.Errorf("instance %d of the deleted function still running", pid)
		}
	}
	// One invocation still running when Close comes.
	started := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		close(started)
		_, _ = e.client.Invoke(context.Background(), &awslambda.InvokeInput{FunctionName: aws.String("b"), Payload: []byte(`{"action":"sleep","sleepMs":5000}`)})
	}()
	<-started
	eventually(t, "b busy", func() bool { return len(e.svc.functions["us-east-1/b"].pool.pids()) > 0 })
	all := append(pids, e.svc.functions["us-east-1/b"].pool.pids()...)
	if err := e.svc.Close(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range all {
		if alive(pid) {
			t.Errorf("process %d survived Close", pid)
		}
	}
	<-done
}

func TestFunctionEnvironment(t *testing.T) {
	needExec(t)
	e := newTestEnv(t, func(o *Options) { o.Endpoint = func() string { return "http://127.0.0.1:4566" } })
	e.create(t, "fn", bootstrapZip, func(in *awslambda.CreateFunctionInput) {
		in.Environment = &types.Environment{Variables: map[string]string{"TABLE_NAME": "OrdersTable", "THRESHOLD": "100"}}
		in.MemorySize = aws.Int32(256)
	})
	keys := []string{"TABLE_NAME", "THRESHOLD", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_REGION",
		"AWS_DEFAULT_REGION", "_HANDLER", "LAMBDA_TASK_ROOT", "TZ", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID",
		"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API", "HOME"}
	r := ok(t, e.invoke(t, "fn", map[string]any{"action": "env", "env": keys}))
	want := map[string]string{
		"TABLE_NAME": "OrdersTable", "THRESHOLD": "100", "AWS_LAMBDA_FUNCTION_NAME": "fn",
		"AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn", "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
		"_HANDLER": "bootstrap", "TZ": ":UTC", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
		"AWS_ACCESS_KEY_ID": "ASIATESTKEY", "AWS_SECRET_ACCESS_KEY": "test-secret", "AWS_SESSION_TOKEN": "test-token",
		"HOME": "", // the emulator's own environment is not inherited
	}
	for k, v := range want {
		if r.Env[k] != v {
			t.Errorf("%s = %q, want %q", k, r.Env[k], v)
		}
	}
	if !streamRE.MatchString(r.Env["AWS_LAMBDA_LOG_STREAM_NAME"]) {
		t.Errorf("AWS_LAMBDA_LOG_STREAM_NAME = %q", r.Env["AWS_LAMBDA_LOG_STREAM_NAME"])
	}
	// host:port and the instance's secret path prefix (see instance.apiPrefix).
	if !regexp.MustCompile(`^127\.0\.0\.1:\d+/[0-9a-f]{32}$`).MatchString(r.Env["AWS_LAMBDA_RUNTIME_API"]) {
		t.Errorf("AWS_LAMBDA_RUNTIME_API = %q", r.Env["AWS_LAMBDA_RUNTIME_API"])
	}
	if fi, err := os.Stat(r.Env["LAMBDA_TASK_ROOT"] + "/bootstrap"); err != nil || fi.Mode().Perm()&0o111 == 0 {
		t.Errorf("LAMBDA_TASK_ROOT %q holds no executable bootstrap: %v", r.Env["LAMBDA_TASK_ROOT"], err)
	}
	e.creds.mu.Lock()
	calls := append([]string(nil), e.creds.calls...)
	e.creds.mu.Unlock()
	if len(calls) != 1 || calls[0] != "000000000000 "+testRole+" fn" {
		t.Errorf("credential sessions = %v", calls)
	}

	// Without Options.Endpoint, functions reach the URL the Invoke came to.
	e2 := newTestEnv(t, func(o *Options) { o.Endpoint = nil })
	e2.create(t, "fn", bootstrapZip)
	r = ok(t, e2.invoke(t, "fn", map[string]any{"action": "env", "env": []string{"AWS_ENDPOINT_URL"}}))
	if r.Env["AWS_ENDPOINT_URL"] != e2.url {
		t.Errorf("AWS_ENDPOINT_URL = %q, want %q", r.Env["AWS_ENDPOINT_URL"], e2.url)
	}
}

func TestInvocationTypes(t *testing.T) {
	needExec(t)
	e := newTestEnv(t)
	e.create(t, "fn", bootstrapZip)
	ctx := context.Background()
	out, err := e.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("fn"), InvocationType: types.InvocationTypeDryRun})
	if err != nil || out.StatusCode != 204 {
		t.Fatalf("DryRun: %v, %v", out, err)
	}
	out, err = e.client.Invoke(ctx, &awslambda.InvokeInput{
		FunctionName: aws.String("fn"), InvocationType: types.InvocationTypeEvent,
		Payload: []byte(`{"action":"print","lines":["from an event"]}`),
	})
	if err != nil || out.StatusCode != 202 {
		t.Fatalf("Event: %v, %v", out, err)
	}
	eventually(t, "the event's lines reach the log", func() bool {
		_ = e.svc.FlushLogs(ctx)
		return strings.Contains(strings.Join(e.logs.messages("/aws/lambda/fn"), ""), "from an event\n")
	})
	eventually(t, "the event leaves the queue", func() bool {
		n := 0
		_ = e.st.ForEach(bucketEvents, func(_, _ []byte) error { n++; return nil })
		return n == 0
	})

	// Invoke's own errors.
	var nf *types.ResourceNotFoundException
	if _, err := e.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("missing")}); !errors.As(err, &nf) {
		t.Errorf("missing function: %v", err)
	}
	if _, err := e.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("fn"), Qualifier: aws.String("7")}); !errors.As(err, &nf) {
		t.Errorf("unknown version: %v", err)
	}
	var bad *types.InvalidRequestContentException
	if _, err := e.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("fn"), Payload: []byte("{not json")}); !errors.As(err, &bad) {
		t.Errorf("invalid payload: %v", err)
	}
}

func TestEventInvocationsSurviveRestart(t *testing.T) {
	needExec(t)
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := newTestEnvOn(t, st, dispatch.Options{})
	e.create(t, "fn", bootstrapZip)
	// Queue an event by hand, as if the emulator died before running it.
	ev := queuedEvent{Key: "00000000000000000001-000001", Region: "us-east-1", Name: "fn", RequestID: "11111111-2222-3333-4444-555555555555",
		Payload: []byte(`{"action":"print","lines":["replayed"]}`), Queued: time.Now()}
	b, _ := json.Marshal(ev)
	if err := st.Write(store.Put(bucketEvents, ev.Key, b)); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st2, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e2 := newTestEnvOn(t, st2, dispatch.Options{})
	eventually(t, "the queued event runs after restart", func() bool {
		_ = e2.svc.FlushLogs(context.Background())
		return strings.Contains(strings.Join(e2.logs.messages("/aws/lambda/fn"), ""), "replayed\n")
	})
}

func TestTooManyRequests(t *testing.T) {
	needExec(t)
	e := newTestEnv(t, func(o *Options) { o.MaxConcurrency = 1 })
	e.svc.queueWait = 100 * time.Millisecond
	e.create(t, "fn", bootstrapZip)
	busy := make(chan struct{})
	go func() {
		defer close(busy)
		_, _ = e.client.Invoke(context.Background(), &awslambda.InvokeInput{FunctionName: aws.String("fn"), Payload: []byte(`{"action":"sleep","sleepMs":1500}`)})
	}()
	eventually(t, "the only instance is busy", func() bool {
		p := e.svc.functions["us-east-1/fn"].pool
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.all) == 1 && len(p.idle) == 0
	})
	_, err := e.client.Invoke(context.Background(), &awslambda.InvokeInput{FunctionName: aws.String("fn"), Payload: []byte(`{}`)})
	var tm *types.TooManyRequestsException
	if !errors.As(err, &tm) {
		t.Errorf("invoke beyond MaxConcurrency: %v, want TooManyRequestsException", err)
	}
	<-busy
	ok(t, e.invoke(t, "fn", map[string]any{})) // and it recovers
}

func TestLongInvocationLogsFlushPeriodically(t *testing.T) {
	needExec(t)
	e := newTestEnv(t)
	e.create(t, "fn", bootstrapZip)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = e.client.Invoke(context.Background(), &awslambda.InvokeInput{FunctionName: aws.String("fn"),
			Payload: []byte(`{"action":"print","lines":["early line"],"sleepMs":4000}`)})
	}()
	eventually(t, "a line of a running invocation reaches the log", func() bool {
		_ = e.svc.FlushLogs(context.Background())
		return strings.Contains(strings.Join(e.logs.messages("/aws/lambda/fn"), ""), "early line\n")
	})
	select {
	case <-done:
		t.Error("the line only arrived with the invocation's end")
	default:
	}
	<-done
}

func TestNoGoroutinesLeakPerInvoke(t *testing.T) {
	needExec(t)
	e := newTestEnv(t)
	e.create(t, "fn", bootstrapZip)
	for i := 0; i < 5; i++ {
		ok(t, e.invoke(t, "fn", map[string]any{}))
	}
	before := runtime.NumGoroutine()
	for i := 0; i < 200; i++ {
		ok(t, e.invoke(t, "fn", map[string]any{"action": "print", "lines": []string{"x"}}))
	}
	_ = e.svc.FlushLogs(context.Background())
	if after := runtime.NumGoroutine(); after > before+5 {
		t.Errorf("goroutines grew from %d to %d over 200 warm invokes", before, after)
	}
}
