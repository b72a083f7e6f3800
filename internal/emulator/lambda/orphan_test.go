//go:build linux

package lambda

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
	"github.com/orders-dev/orders/internal/emulator/store"
)

func init() { childEmulator = runChildEmulator }

// runChildEmulator is the test binary re-executed as an emulator process:
// it starts one function instance, prints the instance's pid and waits to
// be killed.
func runChildEmulator() {
	fail := func(err error) {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	b, err := os.ReadFile(os.Getenv(childEmulatorEnv))
	if err != nil {
		fail(err)
	}
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		fail(err)
	}
	svc, err := New(st, Options{CodeDir: filepath.Dir(os.Getenv(childEmulatorEnv))})
	if err != nil {
		fail(err)
	}
	d := dispatch.New(dispatch.Options{})
	svc.Register(d)
	srv := httptest.NewServer(d)
	client := awslambda.NewFromConfig(emutest.ConfigFor(srv.URL, "test", "test", ""))
	ctx := context.Background()
	if _, err := client.CreateFunction(ctx, &awslambda.CreateFunctionInput{
		FunctionName: aws.String("fn"), Runtime: types.RuntimeProvidedal2023, Role: aws.String(testRole),
		Handler: aws.String("bootstrap"), Code: &types.FunctionCode{ZipFile: b},
		Architectures: []types.Architecture{types.Architecture(hostLambdaArch)},
	}); err != nil {
		fail(err)
	}
	out, err := client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("fn"), Payload: []byte(`{}`)})
	if err != nil {
		fail(err)
	}
	var r fnResult
	if err := json.Unmarshal(out.Payload, &r); err != nil {
		fail(err)
	}
	// Keep the instance busy in its handler, away from the Runtime API, so
	// only the parent-death signal can stop it when this process dies.
	if _, err := client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("fn"), InvocationType: types.InvocationTypeEvent,
		Payload: []byte(`{"action":"sleep","sleepMs":120000}`)}); err != nil {
		fail(err)
	}
	p := svc.functions["us-east-1/fn"].pool
	for {
		p.mu.Lock()
		busy := len(p.idle) == 0 && len(p.all) == 1
		p.mu.Unlock()
		if busy {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // the runtime has taken the event
	fmt.Println("pid", r.Pid)
	select {}
}

// TestNoOrphanAfterKill9 kills an emulator process with SIGKILL — no
// chance to clean up — and checks that its function process dies too.
func TestNoOrphanAfterKill9(t *testing.T) {
	needExec(t)
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "fn.zip")
	if err := os.WriteFile(zipPath, bootstrapZip, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEmulatorEnv+"="+zipPath)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var line string
	select {
	case line = <-lines:
	case <-time.After(60 * time.Second):
		t.Fatal("child emulator never reported its function's pid")
	}
	pidStr, found := strings.CutPrefix(line, "pid ")
	if !found {
		t.Fatalf("child emulator: %s", line)
	}
	pid, _ := strconv.Atoi(pidStr)
	if !alive(pid) {
		t.Fatalf("function process %d is not running", pid)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	// The orphan is reparented to init, which reaps it once it is killed.
	eventually(t, fmt.Sprintf("function process %d dies with its emulator", pid), func() bool { return !alive(pid) || zombie(pid) })
}

// zombie reports a process that has exited but not been reaped yet.
func zombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && len(s) > i+2 && s[i+2] == 'Z'
}
