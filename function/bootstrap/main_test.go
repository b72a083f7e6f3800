package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/smithy-go"
)

// The Lambda binary may import neither package function (it embeds this very
// binary) nor anything under internal/, and of the AWS service clients only
// DynamoDB and SNS (the binary's size budget).
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-tags", "lambda.norpc", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		switch {
		case pkg == "github.com/orders-dev/orders/function",
			strings.HasPrefix(pkg, "github.com/orders-dev/orders/internal"):
			t.Errorf("bootstrap imports %s", pkg)
		case strings.HasPrefix(pkg, "github.com/aws/aws-sdk-go-v2/service/"):
			svc := strings.Split(strings.TrimPrefix(pkg, "github.com/aws/aws-sdk-go-v2/service/"), "/")[0]
			switch svc {
			case "dynamodb", "sns", "internal",
				"sts", "sso", "ssooidc", "signin": // pulled in by config's credential chain
			default:
				t.Errorf("bootstrap links the %s client (%s)", svc, pkg)
			}
		}
	}
}

// runtimeAPI is a minimal Lambda Runtime API (2018-06-01): it hands out the
// queued events one per /next and records each /response or /error.
type runtimeAPI struct {
	mu      sync.Mutex
	events  []string
	next    int
	results map[string]string // request id → "response: body" or "error: body"
	done    chan struct{}     // closed when every event has a result
}

func (r *runtimeAPI) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	const prefix = "/2018-06-01/runtime/invocation/"
	path := strings.TrimPrefix(req.URL.Path, prefix)
	switch {
	case path == "next":
		r.mu.Lock()
		if r.next >= len(r.events) {
			r.mu.Unlock()
			<-req.Context().Done() // no more work: block like Lambda does
			return
		}
		id := fmt.Sprintf("req-%d", r.next)
		ev := r.events[r.next]
		r.next++
		r.mu.Unlock()
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", id)
		w.Header().Set("Lambda-Runtime-Deadline-Ms", "99999999999999")
		w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:ProcessOrderFunction")
		io.WriteString(w, ev)
	case strings.HasSuffix(path, "/response"), strings.HasSuffix(path, "/error"):
		id, kind, _ := strings.Cut(path, "/")
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.results[id] = kind + ": " + string(body)
		if len(r.results) == len(r.events) {
			close(r.done)
		}
		r.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	default:
		http.NotFound(w, req)
	}
}

// awsEndpoint answers DynamoDB PutItem and SNS Publish, recording the calls.
type awsEndpoint struct {
	mu    sync.Mutex
	calls []string
}

func (a *awsEndpoint) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	call := req.Header.Get("X-Amz-Target")
	if call == "" {
		form, _ := url.ParseQuery(string(body))
		call = form.Get("Action")
	}
	a.mu.Lock()
	a.calls = append(a.calls, call)
	a.mu.Unlock()
	if call == "Publish" {
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>`)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	io.WriteString(w, `{}`)
}

// The real binary, run under a Runtime API, reports results and typed errors
// the way callers will see them, and sends its AWS calls to AWS_ENDPOINT_URL.
func TestBinaryUnderRuntimeAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "bootstrap")
	if out, err := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}

	tests := []struct {
		name   string
		env    []string
		events []string
		want   []string // per event: prefix of the recorded result
		calls  string
	}{
		{
			name: "configured",
			env:  []string{"TABLE_NAME=OrdersTable", "TOPIC_ARN=arn:aws:sns:us-east-1:123456789012:HighValueOrderTopic"},
			events: []string{
				`{"OrderId":"ORD-1001","Amount":250}`,
				`{"OrderId":"","Amount":-3}`,
			},
			want: []string{
				`response: {"OrderId":"ORD-1001","Stored":true,"Notified":true,"MessageId":"m-1","Duplicate":false}`,
				`error: {"errorMessage":"invalid order event: OrderId: must not be empty; Amount: must be \u003e= 0, got -3 (nothing stored)","errorType":"ValidationError"}`,
			},
			calls: "[DynamoDB_20120810.PutItem Publish DynamoDB_20120810.PutItem]",
		},
		{
			name:   "misconfigured",
			env:    []string{"THRESHOLD=lots"},
			events: []string{`{"OrderId":"ORD-1","Amount":1}`},
			want:   []string{`error: {"errorMessage":"function misconfigured: TABLE_NAME: not set; TOPIC_ARN: not set; THRESHOLD: not a decimal number: \"lots\"","errorType":"ConfigError"}`},
			calls:  "[]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := &runtimeAPI{events: tt.events, results: map[string]string{}, done: make(chan struct{})}
			rtSrv := httptest.NewServer(rt)
			defer rtSrv.Close()
			awsSrv := &awsEndpoint{}
			ep := httptest.NewServer(awsSrv)
			defer ep.Close()

			home := t.TempDir()
			cmd := exec.Command(bin)
			cmd.Env = append([]string{
				"PATH=" + os.Getenv("PATH"),
				"HOME=" + home,
				"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(rtSrv.URL, "http://"),
				"AWS_REGION=us-east-1",
				"AWS_ACCESS_KEY_ID=AKIDEXAMPLE",
				"AWS_SECRET_ACCESS_KEY=secret",
				"AWS_SESSION_TOKEN=token",
				"AWS_EC2_METADATA_DISABLED=true",
				"AWS_ENDPOINT_URL=" + ep.URL,
			}, tt.env...)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case <-rt.done:
			case err := <-exited:
				t.Fatalf("bootstrap exited early: %v\nstderr: %s", err, stderr.String())
			}
			cmd.Process.Kill()
			<-exited

			for i, want := range tt.want {
				got := strings.TrimSpace(rt.results[fmt.Sprintf("req-%d", i)])
				if got != want {
					t.Errorf("event %d: got  %s\nwant %s", i, got, want)
				}
			}
			awsSrv.mu.Lock()
			if calls := fmt.Sprint(awsSrv.calls); calls != tt.calls {
				t.Errorf("AWS calls at AWS_ENDPOINT_URL: %s, want %s", calls, tt.calls)
			}
			awsSrv.mu.Unlock()
			if tt.name == "configured" {
				// One JSON log line per order on stdout.
				lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
				if len(lines) != 2 {
					t.Fatalf("stdout lines %q", lines)
				}
				for i, outcome := range []string{"notified", "rejected"} {
					var m map[string]any
					if err := json.Unmarshal([]byte(lines[i]), &m); err != nil || m["outcome"] != outcome {
						t.Errorf("log line %q (%v), want outcome %s", lines[i], err, outcome)
					}
				}
			}
		})
	}
}

// SNS's throttling answer is retried by the function's clients, as every
// service's other throttling codes are by the SDK's defaults.
func TestRetryerRetriesSNSThrottled(t *testing.T) {
	r := newRetryer()
	for _, code := range []string{"Throttled", "ThrottlingException", "ProvisionedThroughputExceededException"} {
		if !r.IsErrorRetryable(&smithy.GenericAPIError{Code: code}) {
			t.Errorf("%s is not retried", code)
		}
	}
}
