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
	// MaxBody, when set, lowers every service's request size limit
	// (requestLimit) to it.
	MaxBody int64
	// BodyBudget bounds the bytes of all request bodies in flight
	// together; default 256 MiB (three maximal function uploads and room
	// for everything else). BodyWait is how long a request waits for room
	// before it is turned away with its service's throttling error;
	// default 5 s.
	BodyBudget int64
	BodyWait   time.Duration
	// DefaultRegion for unsigned requests; default service.DefaultRegion.
	DefaultRegion string
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Fault, when set, may fail a call before its handler runs (the
	// realism profile's throttling and 5xx): it returns the error, in the
	// service's own code and status, or nil to serve the call.
	Fault func(service, operation string) *service.Error
	// Auth is who may call: AuthOpen (default) serves any well-formed
	// signature, keys the emulator did not issue as the account's
	// administrator; AuthStrict accepts only RootKey and issued keys.
	Auth AuthMode
	// RootKey is the account's administrator key: its signatures are
	// verified in both modes, and in strict mode it is the one key the
	// emulator accepts besides those it issued.
	RootKey Key
	// MaxSkew is how far a signature's X-Amz-Date may be from SignatureNow;
	// default 15 minutes, as on AWS.
	MaxSkew time.Duration
	// SignatureNow is the wall clock signatures are dated against (and the
	// Date of every answer, which SDKs correct their skew by); default
	// time.Now. It is apart from Now, the clock of the emulated services,
	// which tests move forward to make time pass (a session expire, a
	// realism delay elapse) while clients keep signing with the real time.
	SignatureNow func() time.Time
}

// AuthMode is Options.Auth.
type AuthMode string

// The auth modes.
const (
	AuthOpen   AuthMode = "open"
	AuthStrict AuthMode = "strict"
)

// Key is an access key pair.
type Key struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
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
	public  []publicRoute
	bodies  *bodyBudget
}

// publicRoute is a kind of request served without a signature (Public).
type publicRoute struct {
	match    func(*http.Request) bool
	inStrict bool
}

// Public serves the requests match accepts without a signature, as the
// account's administrator. On AWS that is only a URL a service hands out to
// be fetched by whoever holds it (SNS's SigningCertURL and UnsubscribeURL);
// every other unsigned request is refused with MissingAuthenticationToken.
// inStrict false keeps a route signed under AuthStrict: for URLs that are
// presigned on AWS (a function's Code.Location), which the emulator does
// not presign.
func (s *Server) Public(match func(*http.Request) bool, inStrict bool) {
	s.public = append(s.public, publicRoute{match: match, inStrict: inStrict})
}

func (s *Server) isPublic(r *http.Request) bool {
	for _, p := range s.public {
		if (p.inStrict || s.opts.Auth != AuthStrict) && p.match(r) {
			return true
		}
	}
	return false
}

// New returns an empty Server; register services before serving.
func New(opts Options) *Server {
	if opts.Account == "" {
		opts.Account = service.DefaultAccount
	}
	if opts.BodyBudget == 0 {
		opts.BodyBudget = 256 << 20
	}
	if opts.BodyWait == 0 {
		opts.BodyWait = 5 * time.Second
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
	if opts.Auth == "" {
		opts.Auth = AuthOpen
	}
	if opts.SignatureNow == nil {
		opts.SignatureNow = time.Now
	}
	if opts.MaxSkew == 0 {
		opts.MaxSkew = 15 * time.Minute
	}
	return &Server{opts: opts, targets: map[string]*jsonService{}, bodies: newBodyBudget(opts.BodyBudget, opts.BodyWait)}
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
	// The Date of every answer is the signature clock: it is what SDKs
	// measure their clock skew against before they re-sign a request that
	// failed as expired.
	w.Header().Set("Date", s.opts.SignatureNow().UTC().Format(http.TimeFormat))

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
	// For SQS: the X-Ray header a message keeps as AWSTraceHeader, and the
	// queue URL an awsQuery request was posted to.
	call.TraceHeader = r.Header.Get("X-Amzn-Trace-Id")
	call.Path = r.URL.Path
	cred, signed, aerr := s.preAuth(r, svc)
	if aerr != nil {
		return nil, aerr
	}
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
	p, secret, token, expires, ok := s.resolve(r.Context(), cred.AccessKeyID)
	if !ok {
		return call, nil // preAuth refused it already under AuthStrict
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
	if p.ARN != "" { // an issued key; the root key stays the administrator
		call.Principal = p
	}
	return call, nil
}

// preAuth is what can be decided about a request's caller before its
// body is read, so a request that will be refused costs no memory: it
// must be signed (unless public), completely, recently, and under
// AuthStrict by a key the emulator knows. signed is false for a public
// request served unsigned.
func (s *Server) preAuth(r *http.Request, svc string) (cred credential, signed bool, _ *service.Error) {
	cred, perr := parseAuthorization(r)
	switch {
	case errors.Is(perr, errUnsigned):
		// AWS serves nothing unsigned but what is meant to be fetched
		// by anyone holding the URL (see Public).
		if s.isPublic(r) {
			return cred, false, nil
		}
		return cred, false, authError(svc, missingAuth, "")
	case perr != nil:
		return cred, false, authError(svc, incompleteSignature, perr.Error())
	}
	if err := s.checkDate(r, svc, s.opts.SignatureNow()); err != nil {
		return cred, false, err
	}
	if s.opts.Auth == AuthStrict {
		if _, _, _, _, ok := s.resolve(r.Context(), cred.AccessKeyID); !ok {
			return cred, false, authError(svc, unrecognizedKey, "")
		}
	}
	return cred, true, nil
}

// resolve finds the secret of a key the emulator knows: its root key, or
// credentials it issued. ok is false for any other key.
func (s *Server) resolve(ctx context.Context, akid string) (p service.Principal, secret, token string, expires time.Time, ok bool) {
	if s.opts.RootKey.AccessKeyID != "" && akid == s.opts.RootKey.AccessKeyID {
		return service.Principal{}, s.opts.RootKey.SecretAccessKey, "", time.Time{}, true
	}
	if s.opts.Identity == nil {
		return p, "", "", time.Time{}, false
	}
	return s.opts.Identity.Resolve(ctx, akid)
}

// amzDateFormat is SigV4's X-Amz-Date (ISO 8601 basic, UTC).
const amzDateFormat = "20060102T150405Z"

// checkDate refuses a signature without a date, or one made more than
// MaxSkew away from the signature clock: AWS's defence against a captured
// request replayed later ("Signature expired: ... is now earlier than ...
// (... - 15 min.)"; SigV4 "Elements of an AWS API request signature":
// a request is refused more than 15 minutes from its time stamp).
func (s *Server) checkDate(r *http.Request, svc string, now time.Time) *service.Error {
	var signed time.Time
	if v := r.Header.Get("X-Amz-Date"); v != "" {
		t, err := time.Parse(amzDateFormat, v)
		if err != nil {
			return signatureMismatch(svc, fmt.Errorf("X-Amz-Date must be in ISO-8601 'basic format' (20240101T120000Z), got %q", v))
		}
		signed = t
	} else if v := r.Header.Get("Date"); v != "" {
		t, err := http.ParseTime(v)
		if err != nil {
			return signatureMismatch(svc, fmt.Errorf("Date %q is not an HTTP date", v))
		}
		signed = t
	} else {
		return authError(svc, incompleteSignature, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization="+sigv4Algorithm)
	}
	now = now.UTC()
	f := func(t time.Time) string { return t.UTC().Format(amzDateFormat) }
	switch {
	case signed.Before(now.Add(-s.opts.MaxSkew)):
		return authError(svc, signatureExpired, fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %d min.)",
			f(signed), f(now.Add(-s.opts.MaxSkew)), f(now), int(s.opts.MaxSkew.Minutes())))
	case signed.After(now.Add(s.opts.MaxSkew)):
		return authError(svc, signatureExpired, fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %d min.)",
			f(signed), f(now.Add(s.opts.MaxSkew)), f(now), int(s.opts.MaxSkew.Minutes())))
	}
	return nil
}

func endpointOf(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) serveJSON(w http.ResponseWriter, r *http.Request, js *jsonService, op, requestID string) {
	if _, _, aerr := s.preAuth(r, js.name); aerr != nil {
		js.proto.WriteError(w, requestID, aerr)
		return
	}
	if cerr := checkContentType(r, js.proto.ContentType); cerr != nil {
		js.proto.WriteError(w, requestID, cerr)
		return
	}
	body, release, berr := s.readBody(r, js.name)
	if berr != nil {
		js.proto.WriteError(w, requestID, berr)
		return
	}
	defer release()
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
	if ferr := s.fault(js.name, op); ferr != nil {
		js.proto.WriteError(w, requestID, ferr)
		return
	}
	if uerr := checkUTF8Body(js.name, body); uerr != nil {
		js.proto.WriteError(w, requestID, uerr)
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
	svc := "sns" // which awsQuery service is known once the body is read; its scope may say
	if cred, err := parseAuthorization(r); err == nil && cred.Service != "" {
		svc = cred.Service
	}
	if _, _, aerr := s.preAuth(r, svc); aerr != nil {
		proto.WriteError(w, requestID, aerr)
		return
	}
	body, release, berr := s.readBody(r, svc)
	if berr != nil {
		proto.WriteError(w, requestID, berr)
		return
	}
	defer release()
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
	qs := s.pickQuery(r, action, form)
	if qs == nil {
		proto.WriteError(w, requestID, service.Errorf(400, "InvalidAction", "the action %s is not valid for this web service", action))
		return
	}
	call, cerr := s.newCall(r, qs.name, action, requestID, body)
	if cerr != nil {
		qs.proto.WriteError(w, requestID, cerr)
		return
	}
	if ferr := s.fault(qs.name, action); ferr != nil {
		qs.proto.WriteError(w, requestID, ferr)
		return
	}
	if uerr := checkUTF8Form(qs.name, form); uerr != nil {
		qs.proto.WriteError(w, requestID, uerr)
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
func (s *Server) pickQuery(r *http.Request, action string, form url.Values) *queryService {
	if cred, err := parseAuthorization(r); err == nil {
		for _, qs := range s.query {
			if qs.name == cred.Service {
				if qs.ops[action] {
					return qs
				}
				return nil
			}
		}
	}
	var found []*queryService
	for _, qs := range s.query {
		if qs.ops[action] {
			found = append(found, qs)
		}
	}
	if len(found) > 1 {
		// SQS and SNS share AddPermission and RemovePermission: a request
		// naming a queue (QueueUrl, or posted to a queue URL) is SQS's.
		toQueue := form.Get("QueueUrl") != "" || strings.Trim(r.URL.Path, "/") != ""
		for _, qs := range found {
			if (qs.name == "sqs") == toQueue {
				return qs
			}
		}
	}
	if len(found) > 0 {
		return found[0]
	}
	return nil
}

func (s *Server) serveREST(w http.ResponseWriter, r *http.Request, rs *restService, requestID string) {
	if _, _, aerr := s.preAuth(r, rs.name); aerr != nil {
		protocol.WriteRESTError(w, requestID, aerr)
		return
	}
	body, release, berr := s.readBody(r, rs.name)
	if berr != nil {
		protocol.WriteRESTError(w, requestID, berr)
		return
	}
	defer release()
	call, cerr := s.newCall(r, rs.name, "", requestID, body)
	if cerr != nil {
		protocol.WriteRESTError(w, requestID, cerr)
		return
	}
	if ferr := s.fault(rs.name, restOperation(r)); ferr != nil {
		protocol.WriteRESTError(w, requestID, ferr)
		return
	}
	if uerr := checkUTF8Body(rs.name, body); uerr != nil {
		protocol.WriteRESTError(w, requestID, uerr)
		return
	}
	r2 := r.WithContext(service.WithCall(r.Context(), call))
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	rs.h.ServeHTTP(w, r2)
}

// fault asks Options.Fault about a call that has been identified and
// authenticated, just before its handler would run.
func (s *Server) fault(svc, op string) *service.Error {
	if s.opts.Fault == nil {
		return nil
	}
	return s.opts.Fault(svc, op)
}

// restOperation names a REST call by method and path with the resource
// name left out (GET /2015-03-31/functions/*/configuration), so every call
// of one operation counts as the same operation whatever it names.
func restOperation(r *http.Request) string {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) > 2 {
		parts[2] = "*"
	}
	return r.Method + " /" + strings.Join(parts, "/")
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
