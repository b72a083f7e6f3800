package dispatch

import (
	"context"
	"errors"
	"io"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// Request size limits at the front door, before a body is read. Each
// service still checks its own finer limits (a message, an item, a
// payload) and answers them in its own words; these bound what is read
// into memory at all.
const (
	// lambdaCodeRequestLimit is Lambda's limit for a CreateFunction or
	// UpdateFunctionCode request that carries the zip: the 50 MB direct
	// upload quota ("Lambda quotas": deployment package, zipped, uploaded
	// through the API) base64-encoded, as AWS states it in the error:
	// "Request must be smaller than 69905067 bytes for the CreateFunction
	// operation".
	lambdaCodeRequestLimit = 69905067
	// lambdaInvokeRequestLimit is the synchronous invocation payload quota
	// (6 MB), what Invoke's RequestTooLargeException names.
	lambdaInvokeRequestLimit = 6291456
	// lambdaOtherRequestLimit bounds Lambda's other operations (small JSON).
	lambdaOtherRequestLimit = 6291456
	// dynamoDBRequestLimit is BatchWriteItem's "total request size" limit,
	// the largest DynamoDB request (BatchWriteItem API reference).
	dynamoDBRequestLimit = 16 << 20
	// jsonEscapedPayloadLimit bounds SQS and CloudWatch Logs requests:
	// their largest payload is 1 MiB (an SQS message or batch, a
	// PutLogEvents batch), which JSON escaping can grow to 6 bytes per byte
	// (\u0000).
	jsonEscapedPayloadLimit = 6<<20 + 64<<10
	// queryRequestLimit bounds awsQuery requests (SNS, IAM, STS): SNS's
	// largest payload is 256 KiB (a message or a batch), which form
	// encoding grows to at most 3 bytes per byte (%XX).
	queryRequestLimit = 1 << 20
)

// requestLimit is the largest request body svc takes for the request r.
func requestLimit(svc string, r *http.Request) (limit int64, op string) {
	switch svc {
	case "lambda":
		p := strings.TrimSuffix(r.URL.Path, "/")
		switch {
		case r.Method == http.MethodPost && strings.HasSuffix(p, "/functions"):
			return lambdaCodeRequestLimit, "CreateFunction"
		case r.Method == http.MethodPut && strings.HasSuffix(p, "/code"):
			return lambdaCodeRequestLimit, "UpdateFunctionCode"
		case r.Method == http.MethodPost && strings.HasSuffix(p, "/invocations"):
			return lambdaInvokeRequestLimit, "InvokeFunction"
		}
		return lambdaOtherRequestLimit, ""
	case "dynamodb":
		return dynamoDBRequestLimit, ""
	case "sqs", "logs":
		return jsonEscapedPayloadLimit, ""
	default:
		return queryRequestLimit, ""
	}
}

// tooLarge is the answer for a body over limit, in svc's words.
func tooLarge(svc, op string, limit int64) *service.Error {
	switch {
	case svc == "lambda" && op == "InvokeFunction":
		return service.Errorf(413, "RequestTooLargeException", "Request must be smaller than %d bytes for the %s operation", limit, op)
	case svc == "lambda" && op != "":
		return service.Errorf(413, "RequestEntityTooLargeException", "Request must be smaller than %d bytes for the %s operation", limit, op)
	case protocolFamily(svc) == "query":
		return service.Errorf(413, "RequestEntityTooLarge", "request body must be at most %d bytes", limit)
	}
	return service.Errorf(413, "RequestEntityTooLargeException", "request body must be at most %d bytes", limit)
}

// busy is the answer when the memory for request bodies is taken: each
// service's throttling error, which every SDK retries with backoff
// (aws-sdk-go-v2 aws/retry throttle codes; ServiceUnavailable by status).
func busy(svc string) *service.Error {
	const msg = "too many large requests in flight; retry with backoff"
	var e *service.Error
	switch svc {
	case "lambda":
		e = service.Errorf(429, "TooManyRequestsException", msg)
	case "dynamodb", "logs":
		e = service.Errorf(400, "ThrottlingException", msg)
	default: // SQS and the awsQuery services: the Common Errors' 503
		e = service.Errorf(503, "ServiceUnavailable", msg)
	}
	e.Sender = false
	return e
}

// bodyBudget bounds the bytes of every request body in flight together:
// eight clients each sending an 80 MB CreateFunction otherwise take 640 MB
// at once (and the runtime keeps it). A request reserves its declared
// Content-Length before its body is read, waits up to wait for room, and
// is turned away with the service's throttling error past that.
type bodyBudget struct {
	sem      *semaphore.Weighted
	size     int64
	wait     time.Duration
	inFlight atomic.Int64
	peak     atomic.Int64

	// freeMu rate-limits handing memory back to the OS after large bodies.
	freeMu   sync.Mutex
	lastFree time.Time
	freeing  atomic.Bool
}

// largeBody is the size past which releasing a body hands memory back to
// the OS (rate-limited by freeEvery): a burst of uploads must not leave
// the process holding its peak for good.
const (
	largeBody = 8 << 20
	freeEvery = 5 * time.Second
)

func newBodyBudget(size int64, wait time.Duration) *bodyBudget {
	return &bodyBudget{sem: semaphore.NewWeighted(size), size: size, wait: wait}
}

// BodyStats is what the body budget holds now and has held at most.
type BodyStats struct {
	Budget, InFlight, Peak int64
}

// BodyStats reports the memory budget for request bodies.
func (s *Server) BodyStats() BodyStats {
	b := s.bodies
	return BodyStats{Budget: b.size, InFlight: b.inFlight.Load(), Peak: b.peak.Load()}
}

var errBusy = errors.New("no room for the body")

// acquire reserves n bytes, waiting up to b.wait.
func (b *bodyBudget) acquire(ctx context.Context, n int64) error {
	if n == 0 {
		return nil
	}
	if !b.sem.TryAcquire(n) {
		ctx, cancel := context.WithTimeout(ctx, b.wait)
		defer cancel()
		if err := b.sem.Acquire(ctx, n); err != nil {
			return errBusy
		}
	}
	v := b.inFlight.Add(n)
	for {
		p := b.peak.Load()
		if v <= p || b.peak.CompareAndSwap(p, v) {
			break
		}
	}
	return nil
}

func (b *bodyBudget) release(n int64) {
	if n == 0 {
		return
	}
	b.inFlight.Add(-n)
	b.sem.Release(n)
	if n >= largeBody {
		b.freeOSMemory()
	}
}

// freeOSMemory returns freed heap to the OS, at most once per freeEvery,
// off the request's path.
func (b *bodyBudget) freeOSMemory() {
	b.freeMu.Lock()
	due := time.Since(b.lastFree) >= freeEvery
	if due {
		b.lastFree = time.Now()
	}
	b.freeMu.Unlock()
	if due && b.freeing.CompareAndSwap(false, true) {
		go func() {
			defer b.freeing.Store(false)
			debug.FreeOSMemory()
		}()
	}
}

// readBody reads r's body within svc's size limit and the memory budget.
// The returned release gives the body's room back: call it once the body
// is no longer needed (after the operation). A larger body is a 413 in the
// service's own words, answered before reading it when Content-Length
// already says so, never a partial read.
func (s *Server) readBody(r *http.Request, svc string) (body []byte, release func(), _ *service.Error) {
	limit, op := requestLimit(svc, r)
	if s.opts.MaxBody > 0 && s.opts.MaxBody < limit {
		limit = s.opts.MaxBody
	}
	nop := func() {}
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return nil, nop, nil
	}
	if r.ContentLength > limit {
		return nil, nop, tooLarge(svc, op, limit)
	}
	// A body of unknown length (chunked) reserves the most it may be,
	// and gives back what it did not use.
	reserve := r.ContentLength
	if reserve < 0 {
		reserve = limit
	}
	if reserve > s.bodies.size {
		return nil, nop, tooLarge(svc, op, s.bodies.size)
	}
	if err := s.bodies.acquire(r.Context(), reserve); err != nil {
		return nil, nop, busy(svc)
	}
	var once sync.Once
	release = func() { once.Do(func() { s.bodies.release(reserve) }) }
	buf := make([]byte, 0, min(reserve, limit)+1)
	w := bytesWriter{buf}
	_, err := io.Copy(&w, io.LimitReader(r.Body, limit+1))
	body = w.b
	if err != nil {
		release()
		return nil, nop, service.Errorf(400, "SerializationException", "reading request body: %v", err)
	}
	if int64(len(body)) > limit {
		release()
		return nil, nop, tooLarge(svc, op, limit)
	}
	if r.ContentLength < 0 && int64(len(body)) < reserve {
		// Keep room for what was read only.
		s.bodies.release(reserve - int64(len(body)))
		reserve = int64(len(body))
	}
	return body, release, nil
}

// bytesWriter appends to a slice sized in advance, so reading a body of
// known length allocates it once.
type bytesWriter struct{ b []byte }

func (w *bytesWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}
