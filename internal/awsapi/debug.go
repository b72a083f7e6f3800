package awsapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Debug levels of WithDebug.
const (
	DebugCalls = "calls" // one line per call
	DebugWire  = "wire"  // and each attempt's request and response, secrets redacted
)

// WithDebug returns cfg with middleware that traces every call on w: one
// line per call (service, operation, the IAM action it needs, the resource,
// HTTP status, duration, retries, request id), and with DebugWire each
// attempt's headers and bodies with secrets redacted. It uses the SDK's
// middleware stack (aws.Config.APIOptions), so it sees exactly what the
// SDK sends, retries included.
func WithDebug(cfg aws.Config, w io.Writer, level string) aws.Config {
	if level == "" {
		return cfg
	}
	t := &tracer{w: w, wire: level == DebugWire}
	cfg.APIOptions = append(append([]func(*middleware.Stack) error{}, cfg.APIOptions...), t.add)
	return cfg
}

// ValidDebug checks a --debug value.
func ValidDebug(level string) error {
	switch level {
	case "", DebugCalls, DebugWire:
		return nil
	}
	return fmt.Errorf("want --debug (one line per AWS call) or --debug=wire (with headers and bodies), got %q", level)
}

type tracer struct {
	mu   sync.Mutex // one line (or block) at a time: steps call concurrently
	w    io.Writer
	wire bool
}

func (t *tracer) printf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, format, args...)
}

func (t *tracer) add(stack *middleware.Stack) error {
	// Initialize runs first and last: it sees the input (the resource)
	// and the outcome of every attempt (the retry middleware's metadata).
	if err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc("orders-debug",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			start := time.Now()
			out, md, err := next.HandleInitialize(ctx, in)
			t.call(ctx, in.Parameters, md, err, time.Since(start))
			return out, md, err
		}), middleware.Before); err != nil {
		return err
	}
	if !t.wire {
		return nil
	}
	// Innermost in Deserialize: each attempt as it goes on the wire.
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("orders-debug-wire",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			if req, ok := in.Request.(*smithyhttp.Request); ok {
				t.request(ctx, req)
			}
			out, md, err := next.HandleDeserialize(ctx, in)
			if resp, ok := out.RawResponse.(*smithyhttp.Response); ok {
				t.response(resp)
			} else if err != nil {
				t.printf("  ← %v\n", err)
			}
			return out, md, err
		}), middleware.After)
}

// call prints the call's line.
func (t *tracer) call(ctx context.Context, params any, md middleware.Metadata, err error, d time.Duration) {
	service, op := awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)
	status := "-"
	if resp, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok {
		status = fmt.Sprint(resp.StatusCode)
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && re.HTTPStatusCode() != 0 {
		status = fmt.Sprint(re.HTTPStatusCode())
	}
	retries := 0
	if ar, ok := retry.GetAttemptResults(md); ok && len(ar.Results) > 0 {
		retries = len(ar.Results) - 1
	}
	id, _ := awsmiddleware.GetRequestIDMetadata(md)
	var rid interface{ ServiceRequestID() string }
	if id == "" && errors.As(err, &rid) {
		id = rid.ServiceRequestID()
	}
	line := fmt.Sprintf("aws: %s %s  %s  %s  → %s in %s, %d %s, request id %s",
		service, op, debugAction(service, op), orDash(resourceOf(params)), status,
		d.Round(time.Millisecond), retries, pluralize(retries, "retry", "retries"), orDash(id))
	var apiErr smithy.APIError
	switch {
	case errors.As(err, &apiErr):
		line += "  error " + apiErr.ErrorCode()
	case err != nil:
		line += "  error: " + firstLine(err.Error())
	}
	t.printf("%s\n", line)
}

func (t *tracer) request(ctx context.Context, req *smithyhttp.Request) {
	var b strings.Builder
	fmt.Fprintf(&b, "  → %s %s %s\n", awsmiddleware.GetOperationName(ctx), req.Method, req.URL.String())
	writeHeaders(&b, req.Header)
	if s, ok := req.GetStream().(io.ReadSeeker); ok && s != nil {
		if pos, err := s.Seek(0, io.SeekCurrent); err == nil {
			body, _ := io.ReadAll(io.LimitReader(s, maxWireBody+1))
			_, _ = s.Seek(pos, io.SeekStart)
			writeBody(&b, body, req.ContentLength)
		}
	}
	t.printf("%s", b.String())
}

func (t *tracer) response(resp *smithyhttp.Response) {
	var b strings.Builder
	fmt.Fprintf(&b, "  ← %s\n", resp.Status)
	writeHeaders(&b, resp.Header)
	if resp.Body != nil {
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body)) // the deserializer reads it next
		if err == nil {
			writeBody(&b, body, int64(len(body)))
		}
	}
	t.printf("%s", b.String())
}

// maxWireBody is how much of a body --debug=wire shows (a function's zip
// is megabytes of base64).
const maxWireBody = 4 << 10

func writeHeaders(b *strings.Builder, h http.Header) {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range h[k] {
			fmt.Fprintf(b, "    %s: %s\n", k, redactHeader(k, v))
		}
	}
}

func writeBody(b *strings.Builder, body []byte, total int64) {
	if len(body) == 0 {
		return
	}
	more := ""
	if len(body) > maxWireBody {
		body = body[:maxWireBody]
		more = fmt.Sprintf(" … (%d bytes in all)", total)
	}
	fmt.Fprintf(b, "    %s%s\n", RedactBody(string(body)), more)
}

var signatureRE = regexp.MustCompile(`Signature=[0-9a-fA-F]+`)

// redactHeader hides what would let a reader of the trace act as the
// caller: the request signature and a session token. The access key id in
// the credential scope stays: it names who called, and is no secret.
func redactHeader(name, value string) string {
	switch http.CanonicalHeaderKey(name) {
	case "Authorization":
		return signatureRE.ReplaceAllString(value, "Signature=REDACTED")
	case "X-Amz-Security-Token":
		return "REDACTED"
	}
	return value
}

// secretFields are the members of request and response bodies that hold
// secrets: STS's and IAM's keys and tokens (JSON, XML and query forms).
var secretBodyRE = []*regexp.Regexp{
	regexp.MustCompile(`("(?:SecretAccessKey|SessionToken|Password|NewPassword|OldPassword)"\s*:\s*")[^"]*(")`),
	regexp.MustCompile(`(<(?:SecretAccessKey|SessionToken|Password)>)[^<]*(</)`),
	regexp.MustCompile(`((?:^|&)(?:Password|NewPassword|OldPassword|SecretAccessKey)=)[^&]*()`),
}

// RedactBody replaces the secrets of a request or response body.
func RedactBody(s string) string {
	for _, re := range secretBodyRE {
		s = re.ReplaceAllString(s, "${1}REDACTED${2}")
	}
	return s
}

// IAMAction is the IAM action a call of service's operation (the SDK's
// service id and operation name) needs.
func IAMAction(service, op string) string {
	prefix, ok := iamPrefix[service]
	if !ok {
		prefix = strings.ToLower(strings.ReplaceAll(service, " ", ""))
	}
	action := prefix + ":" + op
	if renamed, ok := iamActionName[action]; ok {
		return renamed
	}
	return action
}

// debugAction is IAMAction as the trace shows it.
func debugAction(service, op string) string {
	if service == "STS" && op == "GetCallerIdentity" {
		return "(no permission needed)" // STS API reference: GetCallerIdentity
	}
	return IAMAction(service, op)
}

// resourceFields are the input members that name what a call acts on, in
// the order they are preferred.
var resourceFields = []string{
	"TableName", "TopicArn", "QueueUrl", "QueueName", "FunctionName", "RoleName", "PolicyArn",
	"LogGroupName", "SubscriptionArn", "ResourceArn", "Resource", "Name", "PolicySourceArn",
}

// resourceOf is the resource named by a call's input, "" if none.
func resourceOf(params any) string {
	v := reflect.ValueOf(params)
	for v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return ""
	}
	for _, name := range resourceFields {
		f := v.FieldByName(name)
		if !f.IsValid() {
			continue
		}
		if f.Kind() == reflect.Pointer && !f.IsNil() && f.Elem().Kind() == reflect.String {
			return name + " " + f.Elem().String()
		}
		if f.Kind() == reflect.String && f.String() != "" {
			return name + " " + f.String()
		}
	}
	return ""
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func pluralize(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
