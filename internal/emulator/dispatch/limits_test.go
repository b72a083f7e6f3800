package dispatch

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orders-dev/orders/internal/emulator/protocol"
	"github.com/orders-dev/orders/internal/emulator/service"
)

// blockingJSON holds every call until released, so a test can fill the
// body budget with requests that are in flight.
type blockingJSON struct {
	entered chan struct{}
	release chan struct{}
}

func (b *blockingJSON) HandleJSON(call *service.Call, body []byte) (any, error) {
	b.entered <- struct{}{}
	<-b.release
	return map[string]int{"bytes": len(body)}, nil
}

func signedJSON(t *testing.T, base, body string) *http.Request {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.Hold")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	sign(t, req, body, "dynamodb", "AKIDANY", "any", time.Now())
	return req
}

// TestBodyBudget: the bytes of all request bodies in flight together never
// exceed the budget; a request that finds no room waits, then is turned
// away with the service's throttling error (retryable) without its body
// being read, and once the burst is over requests are served again.
func TestBodyBudget(t *testing.T) {
	const budget, each = 100_000, 40_000
	s := New(Options{BodyBudget: budget, BodyWait: 10 * time.Millisecond})
	h := &blockingJSON{entered: make(chan struct{}, 10), release: make(chan struct{})}
	s.JSON("dynamodb", "DynamoDB_20120810", protocol.JSONService{ContentType: "application/x-amz-json-1.0", ErrorNamespace: "com.amazonaws.dynamodb.v20120810#"}, h, []string{"Hold"})
	srv := httptest.NewServer(s)
	defer srv.Close()
	body := `{"pad":"` + strings.Repeat("x", each-10) + `"}`

	var wg sync.WaitGroup
	codes := make(chan int, 2)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, _, _ := send(t, signedJSON(t, srv.URL, body))
			codes <- resp.StatusCode
		}()
	}
	<-h.entered
	<-h.entered // both bodies are admitted and held
	if st := s.BodyStats(); st.InFlight != 2*int64(len(body)) {
		t.Fatalf("in flight %d bytes, want %d", st.InFlight, 2*len(body))
	}
	// A third does not fit: throttled, not read, not served.
	resp, code, msg := send(t, signedJSON(t, srv.URL, body))
	if resp.StatusCode != 400 || code != "ThrottlingException" {
		t.Fatalf("third body over the budget: %d %s %s", resp.StatusCode, code, msg)
	}
	close(h.release)
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 200 {
			t.Errorf("admitted request answered %d", c)
		}
	}
	st := s.BodyStats()
	if st.Peak > budget || st.InFlight != 0 {
		t.Fatalf("budget %d, peak %d, still in flight %d", budget, st.Peak, st.InFlight)
	}
	// After the burst, requests are served again.
	go func() { <-h.entered }()
	if resp, code, msg := send(t, signedJSON(t, srv.URL, body)); resp.StatusCode != 200 {
		t.Fatalf("after the burst: %d %s %s", resp.StatusCode, code, msg)
	}
}

// neverBody is a request body that never sends a byte: a request whose
// declared Content-Length is over the limit must be answered without
// reading it.
type neverBody struct{ done chan struct{} }

func (b neverBody) Read([]byte) (int, error) { <-b.done; return 0, io.EOF }

// TestRequestSizeLimits: each service's front-door limit is AWS's, and a
// larger declared body is refused in the service's words before a byte of
// it is read.
func TestRequestSizeLimits(t *testing.T) {
	s := New(Options{})
	h := &echoJSON{}
	s.JSON("dynamodb", "DynamoDB_20120810", protocol.JSONService{ContentType: "application/x-amz-json-1.0", ErrorNamespace: "com.amazonaws.dynamodb.v20120810#"}, h, []string{"Echo"})
	s.REST("lambda", []string{"/2015-03-31/"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		protocol.WriteRESTJSON(w, 200, "id", nil)
	}))
	s.Query("sns", protocol.QueryService{XMLNamespace: "http://sns.amazonaws.com/doc/2010-03-31/"}, echoQuery{}, []string{"Publish"})
	srv := httptest.NewServer(s)
	defer srv.Close()
	for _, c := range []struct {
		name, method, path, target, svc string
		size                            int64
		status                          int
		code, message                   string
	}{
		{"CreateFunction", "POST", "/2015-03-31/functions", "", "lambda", lambdaCodeRequestLimit + 1, 413, "RequestEntityTooLargeException", "Request must be smaller than 69905067 bytes for the CreateFunction operation"},
		{"UpdateFunctionCode", "PUT", "/2015-03-31/functions/f/code", "", "lambda", lambdaCodeRequestLimit + 1, 413, "RequestEntityTooLargeException", "69905067 bytes for the UpdateFunctionCode operation"},
		{"Invoke", "POST", "/2015-03-31/functions/f/invocations", "", "lambda", lambdaInvokeRequestLimit + 1, 413, "RequestTooLargeException", "Request must be smaller than 6291456 bytes for the InvokeFunction operation"},
		{"BatchWriteItem", "POST", "/", "DynamoDB_20120810.Echo", "dynamodb", 16<<20 + 1, 413, "RequestEntityTooLargeException", "16777216"},
		{"Publish", "POST", "/", "", "sns", 1<<20 + 1, 413, "RequestEntityTooLarge", "1048576"},
	} {
		t.Run(c.name, func(t *testing.T) {
			done := make(chan struct{})
			defer close(done)
			req, _ := http.NewRequest(c.method, srv.URL+c.path, neverBody{done})
			req.ContentLength = c.size
			req.Header.Set("Content-Length", strconv.FormatInt(c.size, 10))
			if c.target != "" {
				req.Header.Set("X-Amz-Target", c.target)
				req.Header.Set("Content-Type", "application/x-amz-json-1.0")
			}
			// Signed with an unsigned payload: the signature cannot cover a
			// body that is never sent.
			req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			sign(t, req, "", c.svc, "AKIDANY", "any", time.Now())
			resp, code, body := send(t, req)
			if resp.StatusCode != c.status || code != c.code || !strings.Contains(body, c.message) {
				t.Fatalf("%d %s %s, want %d %s %q", resp.StatusCode, code, body, c.status, c.code, c.message)
			}
			if st := s.BodyStats(); st.InFlight != 0 || st.Peak != 0 {
				t.Fatalf("a refused body took room: %+v", st)
			}
		})
	}
}
