//go:build linux

package perf

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/orders-dev/orders/function"
	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/config"
	"github.com/orders-dev/orders/internal/emulator"
	"github.com/orders-dev/orders/internal/invoke"
	"github.com/orders-dev/orders/internal/pipeline"
)

type quietReporter struct{}

func (quietReporter) Start(string, string)             {}
func (quietReporter) Progress(string, string)          {}
func (quietReporter) Done(string, pipeline.StepResult) {}

func cpuTimes(who int) (user, sys time.Duration) {
	var ru syscall.Rusage
	_ = syscall.Getrusage(who, &ru)
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}

func TestPerf(t *testing.T) {
	if os.Getenv("ORDERS_PERF") != "1" {
		t.Skip("set ORDERS_PERF=1 to run the --local performance harness")
	}
	count := 3000
	if v := os.Getenv("ORDERS_PERF_COUNT"); v != "" {
		count, _ = strconv.Atoi(v)
	}
	levels := []int{1, 8, 32}
	if v := os.Getenv("ORDERS_PERF_CONCURRENCY"); v != "" {
		levels = nil
		for _, f := range strings.Split(v, ",") {
			n, _ := strconv.Atoi(f)
			levels = append(levels, n)
		}
	}
	dir := os.Getenv("ORDERS_PERF_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	runtime.SetBlockProfileRate(int(10 * time.Microsecond))
	runtime.SetMutexProfileFraction(5)

	ctx := context.Background()
	maxConc, _ := strconv.Atoi(os.Getenv("ORDERS_PERF_MAXCONC")) // 0: the emulator's default
	emu, clients, cfg := open(t, dir, maxConc)
	defer emu.Close()
	upStart := time.Now()
	rep, err := pipeline.New(cfg, clients).Up(ctx, quietReporter{})
	if err != nil || rep.Failed() {
		t.Fatalf("up: %v %+v", err, rep)
	}
	t.Logf("up: %v", time.Since(upStart))

	names := cfg.Names()
	if zipPath := os.Getenv("ORDERS_PERF_ZIP"); zipPath != "" {
		// An unstripped build of the same bootstrap, so that `perf record`
		// can name the function's own frames.
		zip, err := os.ReadFile(zipPath)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := clients.Lambda.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String(names.Function), ZipFile: zip}); err != nil {
			t.Fatalf("update function code: %v", err)
		}
	}
	// Cold start on a fresh data dir: the first invoke after up starts the
	// first instance (and is the first Publish of the data dir).
	coldInvoke(t, clients, names.Function, "fresh data dir")
	if os.Getenv("ORDERS_PERF_COLD_ONLY") == "" {
		loadRuns(t, clients, names.Function, count, levels)
	}
	if err := emu.Close(); err != nil {
		t.Fatal(err)
	}
	// What every `orders --local send` goes through: a new emulator on an
	// existing data dir, and a cold instance.
	for i := range 3 {
		opened := time.Now()
		emu2, clients2, _ := open(t, dir, maxConc)
		t.Logf("reopen %d: emulator open %v", i, time.Since(opened))
		coldInvoke(t, clients2, names.Function, "existing data dir")
		warm := coldInvoke(t, clients2, names.Function, "warm")
		_ = warm
		if err := emu2.Close(); err != nil {
			t.Fatal(err)
		}
	}
	cu, cs := cpuTimes(syscall.RUSAGE_CHILDREN)
	t.Logf("function processes (all runs, cold included): user %v sys %v", cu, cs)
}

func open(t *testing.T, dir string, maxConc int) (*emulator.Emulator, *awsapi.Clients, config.Config) {
	t.Helper()
	emu, err := emulator.Open(emulator.Options{DataDir: dir, Enforce: true, MaxConcurrency: maxConc})
	if err != nil {
		t.Fatal(err)
	}
	url, err := emu.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Local, cfg.DataDir, cfg.Region, cfg.Arch = true, dir, "us-east-1", function.HostArch()
	clients := awsapi.NewFromAWSConfig(aws.Config{
		Region:       cfg.Region,
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("orders-local", "orders-local", ""),
		Retryer:      func() aws.Retryer { return awsapi.NewRetryer() },
	})
	return emu, clients, cfg
}

func coldInvoke(t *testing.T, clients *awsapi.Clients, fn, what string) time.Duration {
	t.Helper()
	ev, _ := invoke.Event("PERF-"+strconv.FormatInt(time.Now().UnixNano(), 36), "250")
	o, err := invoke.Send(context.Background(), clients.Lambda, fn, ev, true)
	if err != nil {
		t.Fatalf("invoke (%s): %v", what, err)
	}
	report := ""
	for _, l := range strings.Split(o.LogTail, "\n") {
		if strings.HasPrefix(l, "REPORT") {
			report = strings.Join(strings.Fields(l)[3:], " ")
		}
	}
	t.Logf("invoke (%s): %v  [%s]", what, o.Duration.Round(10*time.Microsecond), report)
	return o.Duration
}

// childCPU sums the CPU time of this process's children still running
// (the function instances), from /proc.
func childCPU() time.Duration {
	ents, _ := os.ReadDir("/proc")
	var ticks int64
	me := os.Getpid()
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
		if len(f) < 13 {
			continue
		}
		if ppid, _ := strconv.Atoi(f[1]); ppid != me {
			continue
		}
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += ut + st
	}
	return time.Duration(ticks) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

func loadRuns(t *testing.T, clients *awsapi.Clients, fn string, count int, levels []int) {
	ctx := context.Background()
	for _, c := range levels {
		u0, s0 := cpuTimes(syscall.RUSAGE_SELF)
		f0 := childCPU()
		lr, err := invoke.Load(ctx, clients.Lambda, fn, invoke.LoadOptions{Count: count, Concurrency: c, Amount: "250"})
		if err != nil {
			t.Fatalf("load: %v", err)
		}
		u1, s1 := cpuTimes(syscall.RUSAGE_SELF)
		fnPerOrder := (childCPU() - f0) / time.Duration(max(lr.Count, 1))
		perOrder := (u1 - u0 + s1 - s0) / time.Duration(max(lr.Count, 1))
		t.Logf("concurrency %2d: %d orders in %v: %.0f orders/s, p50 %v p95 %v p99 %v max %v, errors %d %v; CPU/order: emulator+client %v (user %v sys %v), function instances %v",
			c, lr.Count, lr.Duration.Round(time.Millisecond), lr.Throughput, lr.P50, lr.P95, lr.P99, lr.Max, lr.Errors, lr.ErrorSamples,
			perOrder.Round(time.Microsecond), ((u1 - u0) / time.Duration(lr.Count)).Round(time.Microsecond), ((s1 - s0) / time.Duration(lr.Count)).Round(time.Microsecond), fnPerOrder.Round(time.Microsecond))
	}
}
