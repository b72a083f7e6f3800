// Command loadgen measures requests per second of the orders emulator
// (`orders local serve`, persistence on: every write fsynced before it is
// acknowledged) and of moto_server on this machine, from N concurrent
// aws-sdk-go-v2 clients, for three workloads:
//
//	putitem  DynamoDB PutItem of a new item
//	sqs      SQS SendMessage + ReceiveMessage + DeleteMessage
//	fanout   SNS Publish → SQS delivery, then ReceiveMessage + DeleteMessage
//
// Each client has its own SDK client and connection, and its own queue and
// topic, so clients do not steal each other's messages. It prints one row
// per workload with both rates and their ratio. It is a benchmark, not a
// test: nothing under go test runs it.
//
//	go run ./bench/cmd/loadgen -clients 32 -duration 10s
//	go run ./bench/cmd/loadgen -clients 1 -emulator-url http://127.0.0.1:4566 -targets emulator
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/orders-dev/orders/sdkhttp"
)

type options struct {
	orders      string
	clients     int
	duration    time.Duration
	targets     []string
	workloads   []string
	emulatorURL string
	motoURL     string
	jsonOut     bool
}

func main() {
	var o options
	var targets, workloads string
	flag.StringVar(&o.orders, "orders", "", "orders binary for the emulator (default: go build ./cmd/orders into a temp dir)")
	flag.IntVar(&o.clients, "clients", 32, "concurrent SDK clients")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "how long each workload runs per target")
	flag.StringVar(&targets, "targets", "emulator,moto", "comma-separated: emulator, moto")
	flag.StringVar(&workloads, "workloads", "putitem,sqs,fanout", "comma-separated: putitem, sqs, fanout")
	flag.StringVar(&o.emulatorURL, "emulator-url", "", "use this running emulator instead of starting `orders local serve`")
	flag.StringVar(&o.motoURL, "moto-url", "", "use this running moto_server instead of starting one")
	flag.BoolVar(&o.jsonOut, "json", false, "print results as JSON")
	flag.Parse()
	o.targets = strings.Split(targets, ",")
	o.workloads = strings.Split(workloads, ",")
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// result is one workload against one target.
type result struct {
	Target     string  `json:"target"`
	Workload   string  `json:"workload"`
	Clients    int     `json:"clients"`
	Iterations int64   `json:"iterations"`
	Errors     int64   `json:"errors"`
	Seconds    float64 `json:"seconds"`
	IterPerSec float64 `json:"iterations_per_sec"`
	ReqPerSec  float64 `json:"requests_per_sec"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	FirstError string  `json:"first_error,omitempty"`
}

// requestsPer is how many API requests one iteration makes.
var requestsPer = map[string]int{"putitem": 1, "sqs": 3, "fanout": 3}

func run(o options) error {
	ctx := context.Background()
	urls := map[string]string{}
	for _, t := range o.targets {
		switch t {
		case "emulator":
			url := o.emulatorURL
			if url == "" {
				u, stop, err := startEmulator(o.orders)
				if err != nil {
					return err
				}
				defer stop()
				url = u
			}
			urls[t] = url
		case "moto":
			url := o.motoURL
			if url == "" {
				u, stop, err := startMoto()
				if err != nil {
					return err
				}
				defer stop()
				url = u
			}
			urls[t] = url
		default:
			return fmt.Errorf("-targets: unknown target %q (emulator, moto)", t)
		}
	}
	var results []result
	for _, w := range o.workloads {
		if requestsPer[w] == 0 {
			return fmt.Errorf("-workloads: unknown workload %q (putitem, sqs, fanout)", w)
		}
		for _, t := range o.targets {
			fmt.Fprintf(os.Stderr, "%s against %s with %d clients for %v...\n", w, t, o.clients, o.duration)
			r, err := measure(ctx, t, urls[t], w, o.clients, o.duration)
			if err != nil {
				return fmt.Errorf("%s against %s: %w", w, t, err)
			}
			results = append(results, r)
		}
	}
	if o.jsonOut {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(results)
	}
	printTable(o, results)
	return nil
}

func printTable(o options, results []result) {
	by := map[string]result{}
	for _, r := range results {
		by[r.Target+"/"+r.Workload] = r
	}
	fmt.Printf("%d aws-sdk-go-v2 clients, %v per workload and target; it/s = iterations per second, req/s = API requests per second\n", o.clients, o.duration)
	fmt.Printf("%-9s %-9s %10s %10s %9s %9s %7s\n", "workload", "target", "it/s", "req/s", "p50 ms", "p99 ms", "errors")
	for _, w := range o.workloads {
		for _, t := range o.targets {
			r := by[t+"/"+w]
			fmt.Printf("%-9s %-9s %10.0f %10.0f %9.2f %9.2f %7d\n", w, t, r.IterPerSec, r.ReqPerSec, r.P50ms, r.P99ms, r.Errors)
			if r.FirstError != "" {
				fmt.Printf("          first error: %s\n", r.FirstError)
			}
		}
		e, m := by["emulator/"+w], by["moto/"+w]
		if e.IterPerSec > 0 && m.IterPerSec > 0 {
			fmt.Printf("%-9s emulator/moto = %.1fx\n", w, e.IterPerSec/m.IterPerSec)
		}
	}
}

// newConfig is one client's SDK configuration with its own connection pool,
// no retries (an error is counted, not hidden) and moto-compatible keys.
func newConfig(url string) aws.Config {
	hc := sdkhttp.New(func(t *http.Transport) {
		t.MaxIdleConnsPerHost = 4
	})
	return aws.Config{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       hc,
	}
}

// worker runs one iteration of a workload.
type worker func(ctx context.Context, i int) error

func measure(ctx context.Context, target, url, workload string, clients int, d time.Duration) (result, error) {
	stamp := fmt.Sprintf("%d", time.Now().UnixNano()%1e9)
	workers := make([]worker, clients)
	for c := range clients {
		w, err := setup(ctx, newConfig(url), workload, fmt.Sprintf("%s-%s-%d", workload, stamp, c))
		if err != nil {
			return result{}, fmt.Errorf("set up client %d: %w", c, err)
		}
		workers[c] = w
	}
	var (
		iterations, errs atomic.Int64
		mu               sync.Mutex
		latencies        []time.Duration
		firstErr         error
		wg               sync.WaitGroup
	)
	deadline := time.Now().Add(d)
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for i := 0; time.Now().Before(deadline); i++ {
				t0 := time.Now()
				if err := workers[c](ctx, i); err != nil {
					errs.Add(1)
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				mine = append(mine, time.Since(t0))
				iterations.Add(1)
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	pct := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	r := result{
		Target: target, Workload: workload, Clients: clients,
		Iterations: iterations.Load(), Errors: errs.Load(), Seconds: secs,
		IterPerSec: float64(iterations.Load()) / secs,
		ReqPerSec:  float64(iterations.Load()) * float64(requestsPer[workload]) / secs,
		P50ms:      pct(0.50), P99ms: pct(0.99),
	}
	if firstErr != nil {
		r.FirstError = firstErr.Error()
	}
	return r, nil
}

// setup creates what one client's workload needs and returns its iteration.
func setup(ctx context.Context, cfg aws.Config, workload, name string) (worker, error) {
	switch workload {
	case "putitem":
		db := dynamodb.NewFromConfig(cfg)
		if err := ensureTable(ctx, db); err != nil {
			return nil, err
		}
		return func(ctx context.Context, i int) error {
			_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("BenchTable"), Item: map[string]ddbtypes.AttributeValue{
				"OrderId": &ddbtypes.AttributeValueMemberS{Value: fmt.Sprintf("%s-%d", name, i)},
				"Amount":  &ddbtypes.AttributeValueMemberN{Value: "250.10"},
				"Status":  &ddbtypes.AttributeValueMemberS{Value: "COMPLETE"},
			}})
			return err
		}, nil
	case "sqs":
		q := sqs.NewFromConfig(cfg)
		out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
		if err != nil {
			return nil, fmt.Errorf("create queue %s: %w", name, err)
		}
		return func(ctx context.Context, i int) error {
			if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: out.QueueUrl, MessageBody: aws.String(`{"OrderId":"` + name + `","Amount":250}`)}); err != nil {
				return err
			}
			return receiveAndDelete(ctx, q, out.QueueUrl)
		}, nil
	case "fanout":
		q, s := sqs.NewFromConfig(cfg), sns.NewFromConfig(cfg)
		qo, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
		if err != nil {
			return nil, fmt.Errorf("create queue %s: %w", name, err)
		}
		qa, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: qo.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
		if err != nil {
			return nil, fmt.Errorf("queue arn of %s: %w", name, err)
		}
		queueARN := qa.Attributes["QueueArn"]
		to, err := s.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name)})
		if err != nil {
			return nil, fmt.Errorf("create topic %s: %w", name, err)
		}
		policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"` +
			queueARN + `","Condition":{"ArnEquals":{"aws:SourceArn":"` + aws.ToString(to.TopicArn) + `"}}}]}`
		if _, err := q.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: qo.QueueUrl, Attributes: map[string]string{"Policy": policy}}); err != nil {
			return nil, fmt.Errorf("queue policy of %s: %w", name, err)
		}
		if _, err := s.Subscribe(ctx, &sns.SubscribeInput{TopicArn: to.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN)}); err != nil {
			return nil, fmt.Errorf("subscribe %s: %w", name, err)
		}
		return func(ctx context.Context, i int) error {
			if _, err := s.Publish(ctx, &sns.PublishInput{TopicArn: to.TopicArn, Message: aws.String(`{"OrderId":"` + name + `","Amount":250}`),
				Subject: aws.String("High-value order")}); err != nil {
				return err
			}
			return receiveAndDelete(ctx, q, qo.QueueUrl)
		}, nil
	}
	return nil, fmt.Errorf("unknown workload %q", workload)
}

func receiveAndDelete(ctx context.Context, q *sqs.Client, url *string) error {
	out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 1, WaitTimeSeconds: 5})
	if err != nil {
		return err
	}
	if len(out.Messages) == 0 {
		return errors.New("no message within 5 s")
	}
	_, err = q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: url, ReceiptHandle: out.Messages[0].ReceiptHandle})
	return err
}

func ensureTable(ctx context.Context, db *dynamodb.Client) error {
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("BenchTable"),
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("OrderId"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("OrderId"), KeyType: ddbtypes.KeyTypeHash}},
	})
	var inUse *ddbtypes.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table BenchTable: %w", err)
	}
	w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 100 * time.Millisecond })
	return w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("BenchTable")}, time.Minute)
}

// startEmulator runs `orders local serve` on a fresh data dir (persistence
// on) and returns its URL.
func startEmulator(bin string) (string, func(), error) {
	tmp, err := os.MkdirTemp("", "orders-bench-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { _ = os.RemoveAll(tmp) }
	if bin == "" {
		bin = filepath.Join(tmp, "orders")
		build := exec.Command("go", "build", "-o", bin, "./cmd/orders")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			cleanup()
			return "", nil, fmt.Errorf("go build ./cmd/orders (run loadgen from the module root or pass -orders): %w", err)
		}
	}
	cmd := exec.Command(bin, "local", "serve", "--data-dir", filepath.Join(tmp, "data"), "--addr", "127.0.0.1:0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cleanup()
		return "", nil, err
	}
	logf, _ := os.Create(filepath.Join(tmp, "serve.log"))
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("start orders local serve: %w", err)
	}
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		cleanup()
	}
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "http://") {
		stop()
		return "", nil, errors.New("orders local serve printed no URL")
	}
	return sc.Text(), stop, nil
}

// startMoto runs moto_server on a free loopback port and returns its URL
// once it answers.
func startMoto() (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	cmd := exec.Command("moto_server", "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start moto_server: %w", err)
	}
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	for i := 0; i < 600; i++ {
		if resp, err := http.Get(url + "/moto-api/"); err == nil {
			resp.Body.Close()
			return url, stop, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	return "", nil, errors.New("moto_server did not answer within 30 s")
}
