// Package emulator is orders' local AWS: the seven services the pipeline
// uses, behind one HTTP endpoint that AWS's own SDKs and CLIs talk to, over
// one durable store. It is an AWS, not a client of one: nothing here imports
// the CLI or the pipeline.
package emulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/dynamodb"
	"github.com/orders-dev/orders/internal/emulator/iam"
	"github.com/orders-dev/orders/internal/emulator/lambda"
	"github.com/orders-dev/orders/internal/emulator/logs"
	"github.com/orders-dev/orders/internal/emulator/realism"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/sns"
	"github.com/orders-dev/orders/internal/emulator/sqs"
	"github.com/orders-dev/orders/internal/emulator/store"
	"github.com/orders-dev/orders/internal/emulator/sts"
)

// DefaultAccount is the account id of a new data dir.
const DefaultAccount = service.DefaultAccount

// snsSigningKeyBits sizes the SNS signing key a new data dir generates.
// AWS's certificates are 2048-bit; signing a notification with such a key
// costs about 1 ms of CPU, a quarter of an order's whole budget and a third
// of its latency on a 2-core machine (the pipeline publishes once per
// high-value order). 1024 bits costs 0.3 ms, and every verifier still
// checks the signature the same way against the certificate at
// SigningCertURL (which, being the emulator's own, no verifier could chain
// to AWS's CA anyway). A data dir keeps the key it was created with.
const snsSigningKeyBits = 1024

// Options configure Open.
type Options struct {
	DataDir  string // where the store lives; required unless InMemory
	InMemory bool   // throwaway store, removed on Close
	// Account fixes the account id of a new data dir; an existing data dir
	// keeps the one it was created with (asking for another is an error).
	Account string
	// MaxConcurrency bounds warm instances per function (default 32).
	MaxConcurrency int
	// Enforce evaluates IAM on every request signed with credentials the
	// emulator issued (role sessions, IAM users' keys). Default on via
	// DefaultOptions; administrators' requests are never checked.
	Enforce bool
	Logger  *slog.Logger
	// SQSDeletedCooldown overrides AWS's 60 s QueueDeletedRecently window (tests).
	SQSDeletedCooldown time.Duration
	// Now is the clock that decides when issued session credentials expire
	// (STS issuing them, the dispatcher checking them); default time.Now.
	// Tests move it forward to prove expired credentials are refused.
	Now func() time.Time
	// SignatureNow is the wall clock request signatures must be dated
	// within 15 minutes of (see dispatch.Options.SignatureNow); default
	// time.Now. Now above moves the services' time, not this one.
	SignatureNow func() time.Time
	// Salvage starts over a damaged store (see store.Options.Salvage)
	// instead of refusing; Salvaged reports what was lost.
	Salvage bool
	// Region answers unsigned requests and is the region the health
	// endpoint recommends to clients; default us-east-1.
	Region string
	// Version is the orders version, reported by the health endpoint.
	Version string
	// Realism is how much of AWS's difficulty the emulator reproduces:
	// documented delays (on the Now clock) and injected throttling and 5xx
	// faults. nil is off: instant, consistent answers.
	Realism *realism.Profile
	// Auth is AuthOpen (default) or AuthStrict: see those.
	Auth string
	// MaxConns caps connections served at once (default: derived from
	// the descriptor limit, see maxConns). ReadTimeout is how long a
	// client may take over its headers (at most 10 s) and, beyond its
	// body's size at 256 KiB/s, over its body (default 30 s). Tests lower
	// both to play slow clients quickly.
	MaxConns    int
	ReadTimeout time.Duration
}

// Emulator is a running local AWS.
type Emulator struct {
	opts    Options
	store   *store.Store
	account string
	handler *dispatch.Server
	iam     *iam.Service
	sts     *sts.Service
	logs    *logs.Service
	sqs     *sqs.Service
	sns     *sns.Service
	ddb     *dynamodb.Service
	lambda  *lambda.Service

	mu        sync.Mutex
	endpoint  string
	servers   []*http.Server
	listeners []*limitListener
	spare     spareConns
	closed    bool

	// instance tells this process's emulator from any other that serves
	// the same data dir or port later; started is when it opened.
	instance string
	started  time.Time
	rootKey  RootKey
}

var accountRE = regexp.MustCompile(`^[0-9]{12}$`)

const metaBucket = "emulator.meta"

// Open opens the store and starts every service over it.
func Open(opts Options) (*Emulator, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Account != "" && !accountRE.MatchString(opts.Account) {
		return nil, fmt.Errorf("--account: must be 12 digits, got %q", opts.Account)
	}
	if !opts.InMemory && opts.DataDir == "" {
		return nil, errors.New("emulator: a data dir is required (or in-memory)")
	}
	st, err := store.Open(opts.DataDir, store.Options{InMemory: opts.InMemory, Salvage: opts.Salvage})
	if err != nil {
		return nil, err
	}
	if opts.Region == "" {
		opts.Region = service.DefaultRegion
	}
	switch opts.Auth {
	case "":
		opts.Auth = AuthOpen
	case AuthOpen, AuthStrict:
	default:
		_ = st.Close()
		return nil, fmt.Errorf("--auth %q: want %s or %s", opts.Auth, AuthOpen, AuthStrict)
	}
	e := &Emulator{opts: opts, store: st, instance: newInstanceID()}
	e.started = e.now()
	if err := e.start(); err != nil {
		_ = e.closeServices()
		_ = st.Close()
		return nil, err
	}
	return e, nil
}

func (e *Emulator) start() error {
	account, err := e.fixAccount()
	if err != nil {
		return err
	}
	e.account = account
	if e.rootKey, err = rootKey(e.opts.DataDir, e.opts.InMemory); err != nil {
		return err
	}
	log := e.opts.Logger
	st := e.store

	// The services holding the bulk of the data (log events, queued
	// messages, items) decode it concurrently: after a load run that is
	// tens of thousands of records, which every `orders --local` command
	// would otherwise load one service after the other.
	var wg sync.WaitGroup
	var logsErr, queuesErr, ddbErr error
	wg.Add(3)
	go func() {
		defer wg.Done()
		if e.logs, logsErr = logs.New(st, logs.Options{Now: e.opts.Now, Realism: e.opts.Realism, Logger: log}); logsErr != nil {
			logsErr = fmt.Errorf("start logs: %w", logsErr)
		}
	}()
	go func() {
		defer wg.Done()
		eval := policyEvaluator{parsed: newPolicyCache()}
		if e.sqs, queuesErr = sqs.New(st, sqs.Options{PolicyEvaluator: eval, Logger: log, DeletedCooldown: e.opts.SQSDeletedCooldown, Now: e.opts.Now, Realism: e.opts.Realism}); queuesErr != nil {
			queuesErr = fmt.Errorf("start sqs: %w", queuesErr)
			return
		}
		if e.sns, queuesErr = sns.New(st, sns.Options{Queues: e.sqs, Logger: log, SigningKeyBits: snsSigningKeyBits, Now: e.opts.Now, Realism: e.opts.Realism}); queuesErr != nil {
			queuesErr = fmt.Errorf("start sns: %w", queuesErr)
		}
	}()
	go func() {
		defer wg.Done()
		if e.ddb, ddbErr = dynamodb.New(st, dynamodb.Options{Logger: log, Realism: e.opts.Realism}); ddbErr != nil {
			ddbErr = fmt.Errorf("start dynamodb: %w", ddbErr)
		}
	}()
	if e.iam, err = iam.New(st, iam.Options{Now: e.opts.Now, Realism: e.opts.Realism}); err == nil {
		if e.sts, err = sts.New(st, sts.Options{Roles: stsRoles{e.iam}, Users: e.iam, Now: e.opts.Now}); err != nil {
			err = fmt.Errorf("start sts: %w", err)
		}
	} else {
		err = fmt.Errorf("start iam: %w", err)
	}
	wg.Wait()
	if err := errors.Join(err, logsErr, queuesErr, ddbErr); err != nil {
		return err
	}
	authz := &authorizer{iam: e.iam, sts: e.sts, logger: log}
	// Unpacked function code lives in the data dir (0700, locked to this
	// process); an in-memory emulator gets a private temporary one.
	codeDir := ""
	if !e.opts.InMemory {
		codeDir = filepath.Join(e.opts.DataDir, "lambda-code")
	}
	if e.lambda, err = lambda.New(st, lambda.Options{
		CodeDir:        codeDir,
		Roles:          lambdaRoles{e.iam},
		Credentials:    lambdaCredentials{e.sts},
		Logs:           functionLogs{logs: e.logs, authz: authz, enforce: e.opts.Enforce, logger: log},
		Endpoint:       e.Endpoint,
		MaxConcurrency: e.opts.MaxConcurrency,
		Logger:         log,
		Now:            e.opts.Now,
		Realism:        e.opts.Realism,
	}); err != nil {
		return fmt.Errorf("start lambda: %w", err)
	}

	dopts := dispatch.Options{Account: account, Identity: identities{e.sts, e.iam}, Logger: log, Now: e.opts.Now, DefaultRegion: e.opts.Region,
		Auth: dispatch.AuthMode(e.opts.Auth), RootKey: e.rootKey, SignatureNow: e.opts.SignatureNow}
	if e.opts.Enforce {
		dopts.Authz = authz
	}
	if p := e.opts.Realism; p.Faulting() {
		dopts.Fault = func(svc, op string) *service.Error {
			// The SNS signing certificate is a file download, not an
			// API call AWS throttles.
			if svc == "sns" && strings.HasPrefix(op, "GET /") {
				return nil
			}
			return p.Fault(svc, op)
		}
	}
	d := dispatch.New(dopts)
	e.iam.Register(d)
	e.sts.Register(d)
	e.logs.Register(d)
	e.sqs.Register(d)
	e.sns.Register(d)
	e.ddb.Register(d)
	e.lambda.Register(d)
	e.handler = d
	return nil
}

// fixAccount reads the data dir's account id, recording the requested (or
// default) one on first use.
func (e *Emulator) fixAccount() (string, error) {
	b, err := e.store.Get(metaBucket, "account")
	if err != nil {
		return "", fmt.Errorf("read account id: %w", err)
	}
	if b != nil {
		if e.opts.Account != "" && e.opts.Account != string(b) {
			return "", fmt.Errorf("--account %s: this data dir belongs to account %s (use another --data-dir)", e.opts.Account, b)
		}
		return string(b), nil
	}
	account := e.opts.Account
	if account == "" {
		account = DefaultAccount
	}
	if err := e.store.Write(store.Put(metaBucket, "account", []byte(account))); err != nil {
		return "", fmt.Errorf("record account id: %w", err)
	}
	return account, nil
}

// Salvaged is what opening with Options.Salvage recovered and lost.
func (e *Emulator) Salvaged() store.SalvageReport { return e.store.Salvaged() }

// RootKey is the account administrator's key (see RootKeyFile).
func (e *Emulator) RootKey() RootKey { return e.rootKey }

// Auth is the auth mode: AuthOpen or AuthStrict.
func (e *Emulator) Auth() string { return e.opts.Auth }

// Account is the emulator's account id.
func (e *Emulator) Account() string { return e.account }

// Handler serves every AWS API the emulator has, and its health endpoint.
func (e *Emulator) Handler() http.Handler { return e.withHealth(e.handler) }

// Endpoint is the base URL the emulator serves on ("" before Serve).
func (e *Emulator) Endpoint() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.endpoint
}

// Listen binds addr (127.0.0.1:0 picks a free port) and serves on it in
// the background; the returned URL is where clients reach it.
func (e *Emulator) Listen(addr string) (string, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("listen on %s: %w", addr, err)
	}
	url := "http://" + l.Addr().String()
	e.Serve(l, url)
	return url, nil
}

// Serve answers on l in the background; url is how clients address it.
func (e *Emulator) Serve(l net.Listener, url string) {
	limit := e.opts.MaxConns
	if limit == 0 {
		limit = maxConns()
	}
	grace := e.opts.ReadTimeout
	if grace == 0 {
		grace = bodyTimeout
	}
	headers := min(grace, headerTimeout)
	ll := newLimitListener(l, limit)
	l = ll
	srv := &http.Server{
		Handler:           withDeadlines(e.Handler(), grace),
		ReadHeaderTimeout: headers,
		IdleTimeout:       idleTimeout,
		// No server-wide ReadTimeout or WriteTimeout: withDeadlines sets
		// them per request, since a 70 MB upload, a 20 s long poll and a
		// 15-minute Invoke need different ones.
		ConnState: e.spare.track,
	}
	e.mu.Lock()
	e.listeners = append(e.listeners, ll)
	if e.endpoint == "" {
		e.endpoint = url
	}
	e.servers = append(e.servers, srv)
	e.mu.Unlock()
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.opts.Logger.Error("emulator server stopped", "err", err)
		}
	}()
}

// connStats sums the connections of every listener served.
func (e *Emulator) connStats() connStats {
	e.mu.Lock()
	defer e.mu.Unlock()
	var s connStats
	for _, l := range e.listeners {
		s.Open += l.open.Load()
		s.Peak += l.peak.Load()
		s.Limit += int64(cap(l.sem))
	}
	return s
}

// Shutdown stops accepting requests, lets in-flight ones finish (until ctx
// ends), stops every function instance and closes the store cleanly.
func (e *Emulator) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	servers := e.servers
	e.mu.Unlock()
	if e.lambda != nil {
		e.lambda.StopEvents() // before the endpoint goes, so no event attempt fails for want of it
	}
	var errs []error
	stopCutting := make(chan struct{})
	go e.spare.cutUntil(stopCutting)
	defer close(stopCutting)
	for _, s := range servers {
		if err := s.Shutdown(ctx); err != nil {
			// Past the grace period (or for connections a client opened
			// and never used), cut what is left: the store still closes
			// cleanly below, and nothing unacknowledged was promised.
			_ = s.Close()
		}
	}
	errs = append(errs, e.closeServices())
	if err := e.store.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close store: %w", err))
	}
	return errors.Join(errs...)
}

// Close stops at once: for an in-process emulator whose only client (the
// command that started it) has finished. Use Shutdown to let others finish.
func (e *Emulator) Close() error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return e.Shutdown(ctx)
}

func (e *Emulator) closeServices() error {
	var errs []error
	if e.lambda != nil {
		if err := e.lambda.Close(); err != nil {
			errs = append(errs, fmt.Errorf("stop functions: %w", err))
		}
	}
	if e.sqs != nil {
		if err := e.sqs.Close(); err != nil {
			errs = append(errs, fmt.Errorf("stop sqs: %w", err))
		}
	}
	if e.logs != nil {
		if err := e.logs.Close(); err != nil {
			errs = append(errs, fmt.Errorf("stop logs: %w", err))
		}
	}
	return errors.Join(errs...)
}
