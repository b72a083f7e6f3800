package invoke

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/orders-dev/orders/internal/awsapi"
)

// LoadOptions describe a load run.
type LoadOptions struct {
	Count       int    // invocations, >= 1
	Concurrency int    // invocations in flight at once; 0 means 1; capped at Count
	Amount      string // every order's amount, checked as Event checks it
	// Progress, when set, is called after each invocation completes, with
	// done counting up from 1 to total, one call at a time.
	Progress func(done, total int)
	// RoleSettle, when set, sends an order again while the function is
	// refused a permission soon after its role changed (see SendSettled).
	RoleSettle *RoleSettle
}

// LoadReport is the result of a load run. Latency percentiles are exact
// (nearest rank over every successful invocation's round trip); durations
// appear in JSON as milliseconds.
type LoadReport struct {
	Requested   int `json:"requested"`   // LoadOptions.Count
	Concurrency int `json:"concurrency"` // workers used
	// Count is the invocations that completed (succeeded or failed); less
	// than Requested only when the run was cancelled.
	Count        int            `json:"count"`
	Errors       int            `json:"errors"`       // completed invocations that failed
	ErrorsByType map[string]int `json:"errorsByType"` // errorType of function errors, AWS error code of failed calls
	// ErrorSamples holds the first message seen for each error type, so a
	// report says why, not only how often.
	ErrorSamples map[string]string `json:"errorSamples,omitempty"`
	Notified     int               `json:"notified"` // invocations that published a notification
	// Acknowledged is the invocations that succeeded: orders the function
	// took (stored, or recognised as duplicates).
	Acknowledged int `json:"acknowledged"`
	// StoppedEarly says why the run stopped before Requested, when it gave
	// up on an unreachable endpoint ("" otherwise).
	StoppedEarly string        `json:"stoppedEarly,omitempty"`
	Duration     time.Duration `json:"durationMs"`
	Throughput   float64       `json:"throughput"` // completed invocations per second of Duration
	P50          time.Duration `json:"p50Ms"`
	P95          time.Duration `json:"p95Ms"`
	P99          time.Duration `json:"p99Ms"`
	Max          time.Duration `json:"maxMs"`
}

// MarshalJSON writes the durations as milliseconds (fractional), under the
// field tags above.
func (r LoadReport) MarshalJSON() ([]byte, error) {
	type plain LoadReport // no methods: no recursion
	type ms struct {
		plain
		Duration float64 `json:"durationMs"`
		P50      float64 `json:"p50Ms"`
		P95      float64 `json:"p95Ms"`
		P99      float64 `json:"p99Ms"`
		Max      float64 `json:"maxMs"`
	}
	// The outer fields shadow the embedded ones with the same JSON names.
	return json.Marshal(ms{plain: plain(r), Duration: millis(r.Duration),
		P50: millis(r.P50), P95: millis(r.P95), P99: millis(r.P99), Max: millis(r.Max)})
}

// maxConnFailures is how many invocations in a row may fail to reach the
// endpoint at all (connection refused or reset, after the SDK's own
// retries) before a load run stops: by then the endpoint is down — a
// killed emulator, a wrong URL — and every remaining order would only
// spend its retries and backoff the same way (126 s for a run against a
// killed emulator). A few in a row can still be a blip (a restart, a full
// accept queue); eight is well past that and still quick.
const maxConnFailures = 8

// ErrEndpointUnreachable is the error of a load run stopped early because
// the endpoint refused or dropped maxConnFailures invocations in a row.
var ErrEndpointUnreachable = errors.New("the endpoint is unreachable")

// isConnFailure says whether err is a failure to reach the endpoint at
// all, as opposed to an answer (even an error answer) from it.
func isConnFailure(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

// loadIDPrefix starts every load order id; with the run's own random part
// and a sequence number, ids are unique within and across runs.
const loadIDPrefix = "LOAD"

// Load sends opts.Count orders of opts.Amount, each with a unique id, from
// opts.Concurrency workers, and measures them. Function errors and failed
// calls are counted, not fatal. Cancelling ctx stops the run: invocations in
// flight are abandoned, the report covers the ones that completed, and the
// error is ctx's. Bad options are *UsageError.
func Load(ctx context.Context, client awsapi.Lambda, functionName string, opts LoadOptions) (LoadReport, error) {
	if opts.Count < 1 {
		return LoadReport{}, &UsageError{Flag: "--count", Problem: fmt.Sprintf("must be at least 1, got %d", opts.Count)}
	}
	if opts.Concurrency < 0 {
		return LoadReport{}, &UsageError{Flag: "--concurrency", Problem: fmt.Sprintf("must be at least 1, got %d", opts.Concurrency)}
	}
	workers := max(opts.Concurrency, 1)
	workers = min(workers, opts.Count)
	run := newID(loadIDPrefix)
	// Check the amount (and the id shape) once, up front.
	if _, err := Event(run+"-1", opts.Amount); err != nil {
		return LoadReport{}, err
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var (
		mu        sync.Mutex
		latencies = make([]time.Duration, 0, opts.Count)
		rep       = LoadReport{Requested: opts.Count, Concurrency: workers, ErrorsByType: map[string]int{}}
		connFails int   // consecutive invocations that could not reach the endpoint
		lastConn  error // the last of them
	)
	record := func(o Outcome, err error) {
		mu.Lock()
		defer mu.Unlock()
		if rep.StoppedEarly != "" {
			return // finished after the run gave up: not counted
		}
		rep.Count++
		if err != nil && isConnFailure(err) {
			connFails++
			lastConn = err
			if connFails >= maxConnFailures {
				rep.StoppedEarly = fmt.Sprintf("%d invocations in a row could not reach the endpoint", connFails)
				stop()
			}
		} else {
			connFails = 0
		}
		if err == nil {
			rep.Acknowledged++
		}
		if err != nil {
			kind, msg := errorKind(err)
			rep.Errors++
			rep.ErrorsByType[kind]++
			if rep.ErrorSamples == nil {
				rep.ErrorSamples = map[string]string{}
			}
			if _, ok := rep.ErrorSamples[kind]; !ok {
				rep.ErrorSamples[kind] = msg
			}
		} else {
			latencies = append(latencies, o.Duration)
			if o.Notified {
				rep.Notified++
			}
		}
		if opts.Progress != nil {
			opts.Progress(rep.Count, opts.Count)
		}
	}

	jobs := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range jobs {
				ev, err := Event(fmt.Sprintf("%s-%d", run, n), opts.Amount)
				if err != nil { // cannot happen: checked above with the same shape
					record(Outcome{}, err)
					continue
				}
				o, err := SendSettled(runCtx, client, functionName, ev, false, opts.RoleSettle)
				if runCtx.Err() != nil {
					return // abandoned by cancellation: neither success nor failure
				}
				record(o, err)
			}
		}()
	}
feed:
	for n := 1; n <= opts.Count; n++ {
		select {
		case jobs <- n:
		case <-runCtx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	rep.Duration = time.Since(start)

	if rep.Duration > 0 {
		rep.Throughput = float64(rep.Count) / rep.Duration.Seconds()
	}
	slices.Sort(latencies)
	rep.P50 = Percentile(latencies, 50)
	rep.P95 = Percentile(latencies, 95)
	rep.P99 = Percentile(latencies, 99)
	if len(latencies) > 0 {
		rep.Max = latencies[len(latencies)-1]
	}
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("load run stopped after %d of %d invocations: %w", rep.Count, opts.Count, err)
	}
	if rep.StoppedEarly != "" {
		return rep, fmt.Errorf("load run stopped after %d of %d invocations (%d acknowledged): %w: %s; the last: %v",
			rep.Count, opts.Count, rep.Acknowledged, ErrEndpointUnreachable, rep.StoppedEarly, lastConn)
	}
	return rep, nil
}

// Percentile is the nearest-rank p-th percentile (0 < p <= 100) of sorted
// (ascending): the smallest value with at least p% of the values at or
// below it. It is 0 for no values.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	// p·n/100 may land a hair above an integer in floating point
	// (2.2·1500/100 is 33.00000000000001); the epsilon keeps exact ranks exact.
	rank := int(math.Ceil(p*float64(len(sorted))/100 - 1e-9))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// errorKind names a failure for ErrorsByType: the function's errorType, or
// the AWS error code of a failed Invoke call.
func errorKind(err error) (kind, message string) {
	var fe *FunctionError
	if errors.As(err, &fe) {
		return fe.Type, fe.Message
	}
	if code := awsapi.ErrorCode(err); code != "" {
		return code, awsapi.Describe(err)
	}
	return "InvokeError", err.Error()
}
