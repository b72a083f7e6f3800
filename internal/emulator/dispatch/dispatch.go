// Package dispatch is the emulator's front door: one HTTP handler that
// recognises each request's protocol the way AWS's endpoints do (X-Amz-Target
// for awsJson, Action= forms for awsQuery, REST paths for Lambda), works out
// region and caller from SigV4, and hands the operation to its service.
package dispatch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/orders-dev/orders/internal/emulator/protocol"
	"github.com/orders-dev/orders/internal/emulator/service"
)

var regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)

// IdentityResolver finds credentials the emulator itself issued (role
// sessions, IAM users' access keys). ok is false for any other key: such
// requests act as the account's administrator.
type IdentityResolver interface {
	Resolve(ctx context.Context, accessKeyID string) (p service.Principal, secret, sessionToken string, expires time.Time, ok bool)
}

// Options configure a Server.
type Options struct {
	Account  string // 12 digits; default service.DefaultAccount
	Identity IdentityResolver
	Authz    service.Authorizer
	Logger   *slog.Logger
	MaxBody  int64 // bytes; default 16 MiB (Lambda gets RESTMaxBody)
	// RESTMaxBody bounds REST bodies (function zips); default 80 MiB.
	RESTMaxBody int64
	// DefaultRegion for unsigned requests; default service.DefaultRegion.
	DefaultRegion string
	// Now is the clock; default time.Now.
	Now func() time.Time
}

type jsonService struct {
	name  string
	proto protocol.JSONService
	h     service.JSONHandler
	ops   map[string]bool
}

type queryService struct {
	name  string
	proto protocol.QueryService
	h     service.QueryHandler
	ops   map[string]bool
}

type restService struct {
	name     string
	prefixes []string
	h        http.Handler
}

// Server dispatches requests to registered services.
type Server struct {
	opts    Options
	targets map[string]*jsonService // X-Amz-Target prefix -> service
	query   []*queryService
	rest    []*restService
}

// New returns an empty Server; register services before serving.
func New(opts Options) *Server {
	if opts.Account == "" {
		opts.Account = service.DefaultAccount
	}
	if opts.MaxBody == 0 {
		opts.MaxBody = 16 << 20
	}
	if opts.RESTMaxBody == 0 {
		opts.RESTMaxBody = 80 << 20
	}
	if opts.DefaultRegion == "" {
		opts.DefaultRegion = service.DefaultRegion
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Server{opts: opts, targets: map[string]*jsonService{}}
}

func opSet(ops []string) map[string]bool {
	m := make(map[string]bool, len(ops))
	for _, o := range ops {
		m[o] = true
	}
	return m
}

// JSON registers an awsJson service under its X-Amz-Target prefix
// (DynamoDB_20120810, AmazonSQS, Logs_20140328).
func (s *Server) JSON(name, targetPrefix string, proto protocol.JSONService, h service.JSONHandler, ops []string) {
	s.targets[targetPrefix] = &jsonService{name: name, proto: proto, h: h, ops: opSet(ops)}
}

// Query registers an awsQuery service (SNS, IAM, STS).
func (s *Server) Query(name string, proto protocol.QueryService, h service.QueryHandler, ops []string) {
	s.query = append(s.query, &queryService{name: name, proto: proto, h: h, ops: opSet(ops)})
}

// REST registers a restJson1 service for the given path prefixes.
func (s *Server) REST(name string, prefixes []string, h http.Handler) {
	s.rest = append(s.rest, &restService{name: name, prefixes: prefixes, h: h})
}

// Account is the account id the server answers as.
func (s *Server) Account() string { return s.opts.Account }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		// A bug in one operation must never take the server down; the client
		// gets a 500 it can retry and the log says what happened.
		if v := recover(); v != nil {
			s.opts.Logger.Error("panic serving request", "path", r.URL.Path, "panic", v)
			protocol.WriteRESTError(w, service.UUID(), &service.Error{Status: 500, Code: "InternalFailure", Message: "internal error"})
		}
	}()
	requestID := service.UUID()

	if target := r.Header.Get("X-Amz-Target"); target != "" {
		prefix, op, _ := strings.Cut(target, ".")
		js := s.targets[prefix]
		if js == nil {
			protocol.JSONService{ContentType: "application/x-amz-json-1.0"}.WriteError(w, requestID,
				service.Errorf(400, "UnknownOperationException", "unknown target %q", target))
			return
		}
		s.serveJSON(w, r, js, op, requestID)
		return
	}
	for _, rs := range s.rest {
		for _, p := range rs.prefixes {
			if strings.HasPrefix(r.URL.Path, p) {
				s.serveREST(w, r, rs, requestID)
				return
			}
		}
	}
	if len(s.query) > 0 && (r.Method == http.MethodPost || r.URL.Query().Get("Action") != "") {
		s.serveQuery(w, r, requestID)
		return
	}
	protocol.WriteRESTError(w, requestID, service.Errorf(404, "UnknownOperationException",
		"no AWS service here answers %s %s", r.Method, r.URL.Path))
}

// readBody reads at most limit bytes; a larger body is a 413 in the
// protocol's own error shape, never a partial read.
func readBody(r *http.Request, limit int64) ([]byte, *service.Error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, service.Errorf(400, "SerializationException", "reading request body: %v", err)
	}
	if int64(len(body)) > limit {
		return nil, service.Errorf(413, "RequestEntityTooLargeException", "request body is larger than %d bytes", limit)
	}
	return body, nil
}

func (s *Server) newCall(r *http.Request, svc, op, requestID string, body []byte) (*service.Call, *service.Error) {
	call := &service.Call{
		Context:   r.Context(),
		Service:   svc,
		Operation: op,
		Region:    s.opts.DefaultRegion,
		Account:   s.opts.Account,
		RequestID: requestID,
		Endpoint:  endpointOf(r),
		Now:       s.opts.Now(),
		Authz:     s.opts.Authz,
		Principal: service.Principal{ARN: "arn:aws:iam::" + s.opts.Account + ":user/admin", Admin: true},
	}
	cred, signed := parseAuthorization(r)
	if !signed {
		return call, nil
	}
	// The region ends up in every ARN the call creates: take only what is
	// shaped like a region, as AWS's front door does.
	if !regionRE.MatchString(cred.Region) {
		return nil, signatureMismatch(svc, fmt.Errorf("credential should be scoped to a valid region, not %q", cred.Region))
	}
	call.Region = cred.Region
	call.Principal.AccessKeyID = cred.AccessKeyID
	if s.opts.Identity == nil {
		return call, nil
	}
	p, secret, token, expires, ok := s.opts.Identity.Resolve(r.Context(), cred.AccessKeyID)
	if !ok {
		return call, nil
	}
	// Credentials the emulator issued are held to AWS's rules: the signature
	// must verify with the issued secret and session credentials expire.
	if !expires.IsZero() && !call.Now.Before(expires) {
		return nil, expiredToken(svc)
	}
	if token != "" && r.Header.Get("X-Amz-Security-Token") != token {
		return nil, invalidToken(svc)
	}
	// A signature is only good for the service it was made for: a request
	// signed for sqs does not open dynamodb.
	if cred.Service != svc {
		return nil, signatureMismatch(svc, fmt.Errorf("credential scope names service %q, request is for %q", cred.Service, svc))
	}
	if err := verifySignature(r, body, cred, secret); err != nil {
		return nil, signatureMismatch(svc, err)
	}
	call.Principal = p
	return call, nil
}

func endpointOf(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) serveJSON(w http.ResponseWriter, r *http.Request, js *jsonService, op, requestID string) {
	body, berr := readBody(r, s.opts.MaxBody)
	if berr != nil {
		js.proto.WriteError(w, requestID, berr)
		return
	}
	if !js.ops[op] {
		code := "UnknownOperationException"
		if js.proto.QueryCompatible {
			code = "InvalidAction"
		}
		js.proto.WriteError(w, requestID, service.Errorf(400, code, "operation %s is not supported by %s", op, js.name))
		return
	}
	call, cerr := s.newCall(r, js.name, op, requestID, body)
	if cerr != nil {
		js.proto.WriteError(w, requestID, cerr)
		return
	}
	out, err := js.h.HandleJSON(call, body)
	if err != nil {
		s.logError(call, err)
		js.proto.WriteError(w, requestID, service.AsError(err))
		return
	}
	js.proto.WriteJSON(w, requestID, out)
}

func (s *Server) serveQuery(w http.ResponseWriter, r *http.Request, requestID string) {
	proto := s.query[0].proto
	body, berr := readBody(r, s.opts.MaxBody)
	if berr != nil {
		proto.WriteError(w, requestID, berr)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		proto.WriteError(w, requestID, service.Errorf(400, "MalformedQueryString", "request body is not a valid form: %v", err))
		return
	}
	for k, v := range r.URL.Query() {
		if _, dup := form[k]; !dup {
			form[k] = v
		}
	}
	action := form.Get("Action")
	if action == "" {
		proto.WriteError(w, requestID, service.Errorf(400, "MissingAction", "the request has no Action parameter"))
		return
	}
	qs := s.pickQuery(r, action)
	if qs == nil {
		proto.WriteError(w, requestID, service.Errorf(400, "InvalidAction", "the action %s is not valid for this web service", action))
		return
	}
	call, cerr := s.newCall(r, qs.name, action, requestID, body)
	if cerr != nil {
		qs.proto.WriteError(w, requestID, cerr)
		return
	}
	out, herr := qs.h.HandleQuery(call, form)
	if herr != nil {
		s.logError(call, herr)
		qs.proto.WriteError(w, requestID, service.AsError(herr))
		return
	}
	qs.proto.WriteResult(w, action, requestID, out)
}

// pickQuery routes an awsQuery request: the signing scope names the service
// (its action names overlap across services); unsigned requests go to the
// one service that has the action.
func (s *Server) pickQuery(r *http.Request, action string) *queryService {
	if cred, ok := parseAuthorization(r); ok {
		for _, qs := range s.query {
			if qs.name == cred.Service {
				if qs.ops[action] {
					return qs
				}
				return nil
			}
		}
	}
	for _, qs := range s.query {
		if qs.ops[action] {
			return qs
		}
	}
	return nil
}

func (s *Server) serveREST(w http.ResponseWriter, r *http.Request, rs *restService, requestID string) {
	body, berr := readBody(r, s.opts.RESTMaxBody)
	if berr != nil {
		protocol.WriteRESTError(w, requestID, berr)
		return
	}
	call, cerr := s.newCall(r, rs.name, "", requestID, body)
	if cerr != nil {
		protocol.WriteRESTError(w, requestID, cerr)
		return
	}
	r2 := r.WithContext(service.WithCall(r.Context(), call))
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	rs.h.ServeHTTP(w, r2)
}

func (s *Server) logError(call *service.Call, err error) {
	var se *service.Error
	if errors.As(err, &se) && se.HTTPStatus() < 500 {
		s.opts.Logger.Debug("request failed", "service", call.Service, "op", call.Operation, "code", se.Code, "message", se.Message)
		return
	}
	s.opts.Logger.Error("request failed", "service", call.Service, "op", call.Operation, "err", err)
}

func expiredToken(svc string) *service.Error {
	code := "ExpiredTokenException"
	if svc == "sns" || svc == "iam" || svc == "sts" || svc == "sqs" {
		code = "ExpiredToken"
	}
	return service.Errorf(403, code, "The security token included in the request is expired")
}

func invalidToken(svc string) *service.Error {
	code := "UnrecognizedClientException"
	if svc == "sns" || svc == "iam" || svc == "sts" || svc == "sqs" {
		code = "InvalidClientTokenId"
	}
	return service.Errorf(403, code, "The security token included in the request is invalid.")
}

func signatureMismatch(svc string, err error) *service.Error {
	code := "InvalidSignatureException"
	if svc == "sns" || svc == "iam" || svc == "sts" || svc == "sqs" {
		code = "SignatureDoesNotMatch"
	}
	return service.Errorf(403, code, "The request signature we calculated does not match the signature you provided. (%v)", err)
}
