package lambda

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// Lambda's payload limits for Invoke.
const (
	maxSyncPayload  = 6291456
	maxAsyncPayload = 1 << 20
)

func (s *Service) invoke(w http.ResponseWriter, r *http.Request, call *service.Call, name string) (int, any, error) {
	fn, rec, err := s.lookup(call, name)
	if err != nil {
		return 0, nil, err
	}
	if err := checkQualifier(rec.arn(), r.URL.Query().Get("Qualifier")); err != nil {
		return 0, nil, err
	}
	// "Lambda does not invoke a function during pending state"; during an
	// update it runs the previous code and configuration (fn.settle).
	if pending, _ := fn.settle(call.Now); pending {
		return 0, nil, fn.busy(call.Now, rec.arn())
	}
	invType := r.Header.Get("X-Amz-Invocation-Type")
	if invType == "" {
		invType = "RequestResponse"
	}
	logType := r.Header.Get("X-Amz-Log-Type")
	var v violations
	if invType != "RequestResponse" && invType != "Event" && invType != "DryRun" {
		v.add("Value '%s' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]", invType)
	}
	if logType != "" && logType != "None" && logType != "Tail" {
		v.add("Value '%s' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]", logType)
	}
	if err := v.err(); err != nil {
		return 0, nil, err
	}
	payload, err := io.ReadAll(r.Body)
	if err != nil {
		return 0, nil, service.Errorf(400, "InvalidRequestContentException", "reading request body: %v", err)
	}
	limit := maxSyncPayload
	if invType == "Event" {
		limit = maxAsyncPayload
	}
	if len(payload) > limit {
		return 0, nil, service.Errorf(413, "RequestTooLargeException", "Request must be smaller than %d bytes for the InvokeFunction operation", limit)
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	} else if !json.Valid(payload) {
		return 0, nil, service.Errorf(400, "InvalidRequestContentException", "Could not parse request body into json: Could not parse payload into json: Unexpected character")
	}
	clientContext := ""
	if cc := r.Header.Get("X-Amz-Client-Context"); cc != "" {
		b, err := base64.StdEncoding.DecodeString(cc)
		if err != nil || !json.Valid(b) {
			return 0, nil, service.Errorf(400, "InvalidRequestContentException", "Client context must be a valid Base64-encoded JSON object.")
		}
		clientContext = string(b)
	}
	h := w.Header()
	h.Set("X-Amzn-Requestid", call.RequestID)

	switch invType {
	case "DryRun":
		w.WriteHeader(http.StatusNoContent)
		return 0, nil, nil
	case "Event":
		s.reached.Store(call.Endpoint)
		if err := s.async.enqueue(rec, call.RequestID, payload); err != nil {
			return 0, nil, service.Internal(err)
		}
		h.Set("Content-Length", "0")
		w.WriteHeader(http.StatusAccepted)
		return 0, nil, nil
	}

	res, err := s.execute(r.Context(), fn, rec, &invocation{
		id:            call.RequestID,
		payload:       payload,
		arn:           rec.arn(),
		traceID:       traceID(call.Now),
		clientContext: clientContext,
		wantTail:      logType == "Tail",
	}, s.endpoint(call.Endpoint), s.queueWait)
	if err != nil {
		return 0, nil, err
	}
	h.Set("Content-Type", "application/json")
	h.Set("X-Amz-Executed-Version", "$LATEST")
	if res.funcErr {
		h.Set("X-Amz-Function-Error", "Unhandled")
	}
	if logType == "Tail" {
		h.Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString(res.tail))
	}
	h.Set("Content-Length", strconv.Itoa(len(res.payload)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(res.payload)
	return 0, nil, nil
}

// endpoint is the URL functions reach the emulator at: Options.Endpoint,
// else fallback, else the URL the latest Event invoke reached.
func (s *Service) endpoint(fallback string) string {
	if s.opts.Endpoint != nil {
		if e := s.opts.Endpoint(); e != "" {
			return e
		}
	}
	if fallback != "" {
		return fallback
	}
	e, _ := s.reached.Load().(string)
	return e
}

// traceID makes an X-Ray trace header value as Lambda hands runtimes.
func traceID(now time.Time) string {
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", now.Unix(), service.RandomHex(12), service.RandomHex(8))
}

// executed is an invocation's result as the Invoke caller sees it.
type executed struct {
	payload []byte
	funcErr bool
	tail    []byte
}

// execute runs one invocation on a warm or new instance of fn and writes
// its log. wait bounds the wait for a free instance (0: no bound).
func (s *Service) execute(ctx context.Context, fn *function, rec *record, inv *invocation, endpoint string, wait time.Duration) (executed, error) {
	inv.done = make(chan runtimeResult, 1)
	got, err := fn.pool.acquire(ctx, wait, endpoint)
	if err != nil {
		if errors.Is(err, errPoolClosed) {
			return executed{}, notFound(rec.arn())
		}
		return executed{}, service.AsError(err)
	}
	in := got.inst
	if got.ferr != nil {
		return s.failedStart(in, inv, got.ferr), nil
	}
	cur := in.rec // the configuration this instance runs
	if got.cold {
		in.logs.sync() // init output goes before START
	}
	in.logs.begin(inv.id, inv.wantTail)
	start := time.Now()
	out := in.run(inv, time.Duration(cur.Timeout)*time.Second)
	dur := time.Since(start)
	maxMem := 0
	if out.healthy {
		maxMem = in.mem.sample()
	} else if in.mem != nil {
		maxMem = in.mem.peakMB
	}
	if out.healthy {
		in.logs.sync()
	} else {
		killGroup(in.cmd.Process)
		<-in.exited
		in.logs.waitClosed(time.Second)
	}
	var initDur time.Duration
	if got.cold && !in.coldUsed {
		initDur = in.initDur
	}
	in.coldUsed = true
	tail := in.logs.end(inv.id, reportLine(inv.id, dur, cur.MemorySize, maxMem, initDur, out.status, out.errType))
	fn.pool.release(in, out.healthy)
	return executed{payload: out.payload, funcErr: out.funcErr, tail: tail}, nil
}

// failedStart finishes the log of an invocation whose instance never came
// up, and answers with the function error.
func (s *Service) failedStart(in *instance, inv *invocation, fe *funcError) executed {
	res := executed{payload: fe.payload(inv.id), funcErr: true}
	if in == nil || in.logs == nil {
		return res
	}
	in.logs.begin(inv.id, inv.wantTail)
	in.logs.add("RequestId: " + inv.id + " Error: " + fe.Message + "\n" + fe.Type + "\n")
	status := "error"
	if fe.Type == "Sandbox.Timedout" {
		status = "timeout"
	}
	res.tail = in.logs.end(inv.id, reportLine(inv.id, time.Since(in.started), in.rec.MemorySize, 0, 0, status, fe.Type))
	return res
}
