// Command pressure puts `orders local serve` under the two kinds of abuse
// its front door is built to survive, and prints what it cost the server:
//
//	slowclients  N connections (default 20,000) that send a request's
//	             headers and trickle a body they never finish; while they
//	             are connected, and after they leave, a write must succeed.
//	             It reports the server's open descriptors at their peak
//	             against its RLIMIT_NOFILE, and how long each write took.
//	uploads      N concurrent CreateFunction requests (default 8) with a zip
//	             of the given size (default 48 MiB, under Lambda's 50 MB
//	             direct-upload quota; 80 MB is refused with 413 unread). It
//	             reports the server's RSS before, at its peak and after.
//
// A benchmark, never run by go test. Loopback only; every loop is bounded.
//
//	go run ./bench/cmd/pressure -mode slowclients -conns 20000
//	go run ./bench/cmd/pressure -mode uploads -n 8 -size 50331648
package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/orders-dev/orders/sdkhttp"
)

// perWorker is how many connections one worker process holds: the bench's
// own descriptor limit is the machine's too.
const perWorker = 9000

func main() {
	mode := flag.String("mode", "slowclients", "slowclients or uploads")
	bin := flag.String("orders", "", "orders binary (default: go build ./cmd/orders)")
	conns := flag.Int("conns", 20000, "slowclients: connections to open")
	n := flag.Int("n", 8, "uploads: concurrent CreateFunction requests")
	size := flag.Int("size", 48<<20, "uploads: zip size in bytes")
	worker := flag.String("worker", "", "internal: hold -conns slow connections to this address until stdin closes")
	flag.Parse()
	if *worker != "" {
		holdSlow(*worker, *conns)
		return
	}
	url, pid, stop, err := startEmulator(*bin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pressure:", err)
		os.Exit(1)
	}
	defer stop()
	switch *mode {
	case "slowclients":
		err = slowClients(url, pid, *conns)
	case "uploads":
		err = uploads(url, pid, *n, *size)
	default:
		err = fmt.Errorf("-mode %q: want slowclients or uploads", *mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pressure:", err)
		stop()
		os.Exit(1)
	}
}

func config(url string) aws.Config {
	return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url), HTTPClient: sdkhttp.New(),
		Credentials: credentials.NewStaticCredentialsProvider("bench", "bench", "")}
}

func slowClients(url string, pid, total int) error {
	ctx := context.Background()
	addr := strings.TrimPrefix(url, "http://")
	client := sqs.NewFromConfig(config(url))
	q, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("pressure")})
	if err != nil {
		return err
	}
	fmt.Printf("server RLIMIT_NOFILE %s; descriptors before: %d\n", limitOf(pid), fds(pid))
	var workers []*exec.Cmd
	var stdins []interface{ Close() error }
	for left := total; left > 0; left -= perWorker {
		cmd := exec.Command(os.Args[0], "-worker", addr, "-conns", strconv.Itoa(min(left, perWorker)))
		in, err := cmd.StdinPipe()
		if err != nil {
			return err
		}
		out, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return err
		}
		sc := bufio.NewScanner(out)
		sc.Scan() // "ready N"
		fmt.Printf("worker %d: %s\n", len(workers), sc.Text())
		workers, stdins = append(workers, cmd), append(stdins, in)
	}
	peak := fds(pid)
	start := time.Now()
	fresh := sqs.NewFromConfig(config(url), func(o *sqs.Options) { o.RetryMaxAttempts = 20 })
	_, werr := fresh.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("during")})
	fmt.Printf("%d slow connections: server descriptors %d (peak seen); a new client's SendMessage took %v, err %v\n",
		total, max(peak, fds(pid)), time.Since(start).Round(time.Millisecond), werr)
	for i, in := range stdins {
		_ = in.Close()
		_ = workers[i].Wait()
	}
	start = time.Now()
	_, aerr := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("after")})
	fmt.Printf("after they left: descriptors %d; SendMessage took %v, err %v\n", fds(pid), time.Since(start).Round(time.Millisecond), aerr)
	return errors.Join(werr, aerr)
}

// holdSlow opens n connections to addr, each sending headers and a
// fraction of a body, and holds them until stdin closes.
func holdSlow(addr string, n int) {
	var conns []net.Conn
	date := time.Now().UTC()
	for i := 0; i < n; i++ {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			fmt.Fprintf(os.Stderr, "worker: dial %d: %v\n", i, err)
			break
		}
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: %s\r\nX-Amz-Target: AmazonSQS.ListQueues\r\nContent-Type: application/x-amz-json-1.0\r\n"+
			"Authorization: AWS4-HMAC-SHA256 Credential=bench/%s/us-east-1/sqs/aws4_request, SignedHeaders=host;x-amz-date, Signature=%s\r\n"+
			"X-Amz-Date: %s\r\nContent-Length: 100000\r\n\r\n{", addr, date.Format("20060102"), strings.Repeat("0", 64), date.Format("20060102T150405Z"))
		conns = append(conns, c)
	}
	fmt.Printf("ready %d\n", len(conns))
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin
	for _, c := range conns {
		_ = c.Close()
	}
}

func uploads(url string, pid, n, size int) error {
	ctx := context.Background()
	cfg := config(url)
	role, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("pressure"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		return err
	}
	zipped, err := randomZip(size)
	if err != nil {
		return err
	}
	fmt.Printf("RSS before: %s\n", rss(pid))
	client := lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.RetryMaxAttempts = 10 })
	var peak int64
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
				peak = max(peak, rssKB(pid))
			}
		}
	}()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = client.CreateFunction(ctx, &lambda.CreateFunctionInput{
				FunctionName: aws.String(fmt.Sprintf("big-%d", i)), Runtime: lambdatypes.RuntimeProvidedal2023,
				Role: role.Role.Arn, Handler: aws.String("bootstrap"), Code: &lambdatypes.FunctionCode{ZipFile: zipped}})
		}()
	}
	wg.Wait()
	close(done)
	fmt.Printf("%d × CreateFunction with a %d MiB zip: %v; RSS peak %d MiB\n", n, size>>20, time.Since(start).Round(time.Millisecond), peak>>10)
	for i, err := range errs {
		if err != nil {
			fmt.Printf("  function %d: %v\n", i, err)
		}
	}
	time.Sleep(10 * time.Second) // a measurement of what the server keeps, not a synchronisation
	fmt.Printf("RSS 10 s after the burst: %s\n", rss(pid))
	return errors.Join(errs...)
}

// randomZip is a zip of size bytes of random (incompressible) data.
func randomZip(size int) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Store}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return nil, err
	}
	data := make([]byte, size-200)
	_, _ = rand.Read(data)
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func fds(pid int) int {
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(ents)
}

func limitOf(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "Max open files") {
			return strings.Join(strings.Fields(l)[3:5], "/")
		}
	}
	return "?"
}

func rssKB(pid int) int64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			v, _ := strconv.ParseInt(strings.Fields(l)[1], 10, 64)
			return v
		}
	}
	return 0
}

func rss(pid int) string { return fmt.Sprintf("%d MiB", rssKB(pid)>>10) }

// startEmulator runs `orders local serve --in-memory` and returns its URL
// and process id.
func startEmulator(bin string) (string, int, func(), error) {
	tmp, err := os.MkdirTemp("", "orders-pressure-")
	if err != nil {
		return "", 0, nil, err
	}
	cleanup := func() { _ = os.RemoveAll(tmp) }
	if bin == "" {
		bin = filepath.Join(tmp, "orders")
		build := exec.Command("go", "build", "-o", bin, "./cmd/orders")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			cleanup()
			return "", 0, nil, fmt.Errorf("go build ./cmd/orders (run from the module root or pass -orders): %w", err)
		}
	}
	cmd := exec.Command(bin, "local", "serve", "--in-memory", "--addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cleanup()
		return "", 0, nil, err
	}
	logf, _ := os.Create(filepath.Join(tmp, "serve.log"))
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		cleanup()
		return "", 0, nil, fmt.Errorf("start orders local serve: %w", err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
			cleanup()
		})
	}
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "http://") {
		stop()
		return "", 0, nil, errors.New("orders local serve printed no URL")
	}
	return sc.Text(), cmd.Process.Pid, stop, nil
}
