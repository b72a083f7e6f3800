package emulator

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/orders-dev/orders/internal/emulator/sns"
)

// FuzzDispatch drives the whole emulator handler — dispatch, SigV4 parsing,
// every protocol's decoding, every service — with arbitrary requests. Its
// seeds (testdata/fuzz/FuzzDispatch) are good and bad requests of every
// protocol; they run as ordinary tests. Whatever arrives, the answer is
// below 500 (a 500 is a recovered panic or an unexpected internal error),
// and an error answer has one of AWS's error shapes.
//
//	go test -run '^$' -fuzz FuzzDispatch ./internal/emulator/
func FuzzDispatch(f *testing.F) {
	e, err := Open(Options{InMemory: true, Enforce: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = e.Close() })
	h := e.Handler()

	f.Fuzz(func(t *testing.T, method, path, target, contentType, authorization string, body []byte) {
		req, ok := fuzzRequest(method, path, target, contentType, authorization, body)
		if !ok {
			return // net/http would refuse it before any handler runs
		}
		// Long polls and invocations end with the request's context.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req.WithContext(ctx))
		if rec.Code >= 500 {
			t.Fatalf("%s %s (target %q): status %d: %s", method, path, target, rec.Code, rec.Body.Bytes())
		}
		// The SNS signing certificate is a static file, not an API: a
		// wrong method gets net/http's plain 405 (reported as a nit).
		if rec.Code >= 400 && !isAWSError(rec) && !strings.HasPrefix(path, sns.CertPath) {
			t.Fatalf("%s %s (target %q): status %d in no AWS error shape: %q", method, path, target, rec.Code, rec.Body.Bytes())
		}
	})
}

// fuzzRequest builds the request net/http would hand to the handler, or
// reports false where net/http itself would refuse the request line or a
// header.
func fuzzRequest(method, path, target, contentType, authorization string, body []byte) (*http.Request, bool) {
	if method == "" || strings.IndexFunc(method, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", r) }) >= 0 {
		return nil, false
	}
	if !strings.HasPrefix(path, "/") {
		return nil, false
	}
	u, err := url.ParseRequestURI(path)
	if err != nil {
		return nil, false
	}
	for _, v := range []string{target, contentType, authorization} {
		if strings.ContainsAny(v, "\r\n\x00") {
			return nil, false
		}
	}
	req := &http.Request{
		Method:        method,
		URL:           u,
		RequestURI:    path,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{},
		Host:          "127.0.0.1:4566",
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		RemoteAddr:    "127.0.0.1:50000",
	}
	set := func(k, v string) {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	set("X-Amz-Target", target)
	set("Content-Type", contentType)
	set("Authorization", authorization)
	set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z")) // current, or refused before anything else
	return req, true
}

// isAWSError reports whether an error answer has one of the protocols'
// shapes: awsJson's __type, awsQuery's <ErrorResponse>, restJson1's
// X-Amzn-ErrorType header.
func isAWSError(rec *httptest.ResponseRecorder) bool {
	b := rec.Body.Bytes()
	return rec.Header().Get("X-Amzn-Errortype") != "" ||
		bytes.Contains(b, []byte(`"__type"`)) ||
		bytes.Contains(b, []byte("<ErrorResponse"))
}
