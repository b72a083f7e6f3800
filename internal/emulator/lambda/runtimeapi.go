package lambda

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
)

var jsonUnmarshal = json.Unmarshal

// Runtime API 2018-06-01 paths.
const (
	runtimePrefix   = "/2018-06-01/runtime/"
	invocationNext  = runtimePrefix + "invocation/next"
	invocationPath  = runtimePrefix + "invocation/"
	initErrorPath   = runtimePrefix + "init/error"
	maxResponseSize = 6291556 // Lambda's synchronous response limit
	errorTypeHeader = "Lambda-Runtime-Function-Error-Type"
	errorBodyHeader = "Lambda-Runtime-Function-Error-Body"
)

var acceptedBody = []byte(`{"status":"OK"}`)

// ServeHTTP is the instance's Runtime API, as Lambda serves it at
// AWS_LAMBDA_RUNTIME_API.
func (in *instance) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p, ok := in.authorized(r.URL.Path)
	if !ok {
		runtimeError(w, http.StatusForbidden, "AccessDenied", "this Runtime API serves its own function's process only")
		return
	}
	switch {
	case p == invocationNext && r.Method == http.MethodGet:
		in.next(w, r)
	case p == initErrorPath && r.Method == http.MethodPost:
		in.postInitError(w, r)
	case strings.HasPrefix(p, invocationPath) && r.Method == http.MethodPost:
		id, kind, ok := strings.Cut(strings.TrimPrefix(p, invocationPath), "/")
		switch {
		case ok && kind == "response":
			in.postResponse(w, r, id)
		case ok && kind == "error":
			in.postError(w, r, id)
		default:
			runtimeError(w, http.StatusNotFound, "InvalidURL", "unknown Runtime API path "+p)
		}
	default:
		runtimeError(w, http.StatusNotFound, "InvalidURL", "unknown Runtime API path "+r.Method+" "+p)
	}
}

// authorized strips the instance's secret prefix from path, reporting
// whether it was there (compared in constant time).
func (in *instance) authorized(path string) (string, bool) {
	n := len(in.apiPrefix)
	if len(path) <= n || path[n] != '/' || subtle.ConstantTimeCompare([]byte(path[:n]), []byte(in.apiPrefix)) != 1 {
		return "", false
	}
	return path[n:], true
}

func runtimeError(w http.ResponseWriter, status int, typ, msg string) {
	b, _ := json.Marshal(map[string]string{"errorMessage": msg, "errorType": typ})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func accepted(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(acceptedBody)))
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write(acceptedBody)
}

// next blocks until the instance is given work.
func (in *instance) next(w http.ResponseWriter, r *http.Request) {
	in.readyOnce.Do(func() { close(in.ready) })
	var inv *invocation
	select {
	case inv = <-in.work:
	case <-r.Context().Done():
		return
	}
	in.mu.Lock()
	in.cur = inv
	in.mu.Unlock()
	h := w.Header()
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", inv.arn)
	h.Set("Lambda-Runtime-Trace-Id", inv.traceID)
	if inv.clientContext != "" {
		h.Set("Lambda-Runtime-Client-Context", inv.clientContext)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(inv.payload)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.payload)
}

// take claims the current invocation if id names it.
func (in *instance) take(id string) *invocation {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.cur == nil || in.cur.id != id {
		return nil
	}
	inv := in.cur
	in.cur = nil
	return inv
}

func (in *instance) postResponse(w http.ResponseWriter, r *http.Request, id string) {
	inv := in.take(id)
	if inv == nil {
		runtimeError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxResponseSize+1))
	switch {
	case err != nil:
		fe := &funcError{Type: "Runtime.Unknown", Message: "reading the function's response: " + err.Error()}
		inv.done <- runtimeResult{body: fe.payload(inv.id), failed: true, errType: fe.Type}
		runtimeError(w, http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	case len(body) > maxResponseSize:
		msg := `{"errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes).","errorType":"Function.ResponseSizeTooLarge"}`
		inv.done <- runtimeResult{body: []byte(msg), failed: true, errType: "Function.ResponseSizeTooLarge"}
		runtimeError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Response payload size exceeded maximum allowed payload size (6291556 bytes).")
		return
	}
	// A streamed response that failed midway says so in trailers.
	if typ := r.Trailer.Get(errorTypeHeader); typ != "" {
		errBody, _ := base64.StdEncoding.DecodeString(r.Trailer.Get(errorBodyHeader))
		inv.done <- runtimeResult{body: errorPayload(errBody, typ), failed: true, errType: typ}
		accepted(w)
		return
	}
	inv.done <- runtimeResult{body: body}
	accepted(w)
}

func (in *instance) postError(w http.ResponseWriter, r *http.Request, id string) {
	inv := in.take(id)
	if inv == nil {
		runtimeError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxResponseSize))
	typ := r.Header.Get(errorTypeHeader)
	payload := errorPayload(body, typ)
	if typ == "" {
		typ = errorTypeOf(payload)
	}
	inv.done <- runtimeResult{body: payload, failed: true, errType: typ}
	accepted(w)
}

func (in *instance) postInitError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxResponseSize))
	typ := r.Header.Get(errorTypeHeader)
	payload := errorPayload(body, typ)
	if typ == "" {
		typ = errorTypeOf(payload)
	}
	select {
	case in.initErr <- runtimeResult{body: payload, failed: true, errType: typ}:
	default:
	}
	accepted(w)
}

// errorPayload passes the runtime's error document through as Lambda
// does, wrapping a body that is not a JSON object.
func errorPayload(body []byte, typ string) []byte {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) == nil && obj != nil {
		return body
	}
	if typ == "" {
		typ = "Runtime.Unknown"
	}
	b, _ := json.Marshal(map[string]string{"errorMessage": string(body), "errorType": typ})
	return b
}

func errorTypeOf(payload []byte) string {
	var e struct {
		ErrorType string `json:"errorType"`
	}
	_ = json.Unmarshal(payload, &e)
	return e.ErrorType
}
