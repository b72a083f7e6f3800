// Package lambda emulates AWS Lambda: the control plane (functions, code,
// configuration, tags) over restJson1, and execution — each function's
// bootstrap run as a real process speaking the Lambda Runtime API
// 2018-06-01, which this package serves on a loopback port per instance.
package lambda

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/realism"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// Roles tells whether Lambda may assume a role. The emulator adapts its IAM
// service to it.
type Roles interface {
	// LambdaCanAssume reports whether roleARN names an existing role of
	// account whose trust policy lets lambda.amazonaws.com call
	// sts:AssumeRole. A missing role is (false, nil); err is for failures.
	LambdaCanAssume(ctx context.Context, account, roleARN string) (bool, error)
}

// Credentials issues the temporary credentials a function's process gets
// in its environment: a session of the function's role. The emulator adapts
// its STS service to it.
type Credentials interface {
	IssueRoleSession(ctx context.Context, account, roleARN, sessionName string, d time.Duration) (akid, secret, token string, exp time.Time, err error)
}

// LogEvent is one line of a function's log.
type LogEvent struct {
	Timestamp time.Time
	Message   string
}

// Logs receives a function's log lines (its stdout/stderr and the platform's
// START/END/REPORT lines). The emulator adapts its CloudWatch Logs service
// to it; Append creates the group and stream when they are missing, as
// Lambda does. The context carries the LogSource.
type Logs interface {
	Append(ctx context.Context, region, account, group, stream string, events []LogEvent) error
}

// LogSource says which function wrote a batch of log events, so the Logs
// adapter can hold the write to the function role's logs permissions.
type LogSource struct {
	FunctionARN string
	RoleARN     string
}

type logSourceKey struct{}

// LogSourceFrom returns the function a Logs.Append context writes for.
func LogSourceFrom(ctx context.Context) (LogSource, bool) {
	src, ok := ctx.Value(logSourceKey{}).(LogSource)
	return src, ok
}

// Options configure the service. Every field is optional.
type Options struct {
	Roles       Roles       // nil: any well-formed role ARN is accepted
	Credentials Credentials // nil: functions get no AWS credentials
	Logs        Logs        // nil: function logs are discarded (Tail still works)
	// Endpoint is the emulator's own base URL, handed to functions as
	// AWS_ENDPOINT_URL. Nil or "" falls back to the URL the Invoke reached.
	// Queued Event invocations ask it at each attempt (the emulator may
	// have restarted on another port) and wait while it returns "".
	Endpoint func() string
	// CodeDir holds unpacked code, one directory per CodeSha256 (the data
	// dir's lambda-code); it must not be writable by others. Default: a
	// private temporary directory, removed on Close.
	CodeDir string
	// MaxConcurrency bounds the instances of one function; default 32.
	MaxConcurrency int
	Logger         *slog.Logger
	Now            func() time.Time
	// Realism is the realism profile: AWS's documented delays (nil: none).
	Realism *realism.Profile
}

const (
	// defaultMaxConcurrency: Lambda runs concurrent invocations side by side
	// up to the account's concurrency (1000 by default); the emulator stops
	// at what a laptop holds (an instance is a process of ~15 MB) while
	// still covering `send --concurrency 32` without queueing invokes
	// behind busy instances — which, measured at concurrency 32 on 2 cores,
	// also lets more writes share each store commit: +5% orders/s over 10.
	defaultMaxConcurrency = 32
	// queueWait bounds how long a synchronous invoke waits for a free
	// instance once MaxConcurrency are busy, before TooManyRequests.
	queueWait = 10 * time.Second
	// idleLimit is how long a warm instance may sit unused before it is
	// stopped, as Lambda reclaims idle execution environments.
	idleLimit = 10 * time.Minute
	// credentialLife is the duration of a function instance's role session;
	// instances are replaced before their credentials run out.
	credentialLife = time.Hour
)

// Service is the Lambda emulator. It is safe for concurrent use.
type Service struct {
	st   *store.Store
	opts Options
	log  *slog.Logger

	mu        sync.RWMutex
	functions map[string]*function // key: region + "/" + name
	// ctl serialises control-plane changes, so the code blobs' reference
	// counting never races a create or an update. Invokes never take it.
	ctl sync.Mutex

	// queueWait is how long a synchronous invoke waits for a free
	// instance (tests shorten it).
	queueWait time.Duration

	code    *codeCache
	ownCode bool // code.dir is this Service's own temporary directory
	logs    *shipper
	spawner *spawner
	async   *asyncRunner
	reached atomic.Value // string: the URL the latest Event invoke reached

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	bg     *tracker // background stops, unpacks, async invokes, janitor

	closeOnce sync.Once
	closeErr  error
}

// New loads every function from st and returns the service.
func New(st *store.Store, opts Options) (*Service, error) {
	if opts.MaxConcurrency <= 0 {
		opts.MaxConcurrency = defaultMaxConcurrency
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	codeDir, ownCodeDir, err := openCodeDir(opts.CodeDir)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Service{
		st:        st,
		opts:      opts,
		log:       opts.Logger,
		functions: map[string]*function{},
		code:      newCodeCache(codeDir),
		ownCode:   ownCodeDir,
		logs:      newShipper(opts.Logs, opts.Logger),
		spawner:   newSpawner(),
		ctx:       ctx,
		cancel:    cancel,
		bg:        newTracker(),
		queueWait: queueWait,
	}
	s.async = newAsyncRunner(s)
	if err := s.load(); err != nil {
		cancel()
		s.spawner.close()
		s.logs.close()
		s.removeCodeDir()
		return nil, err
	}
	s.bg.goRun(s.janitor)
	if err := s.async.resume(); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// Register mounts the service on the dispatcher under Lambda's API
// versions' path prefixes.
func (s *Service) Register(d *dispatch.Server) {
	d.REST("lambda", []string{"/2015-03-31/", "/2016-08-19/", "/2017-03-31/", "/2018-10-31/", "/2019-09-25/", "/2020-06-30/", "/2021-10-31/"}, s)
	// GetFunction's Code.Location is a presigned S3 URL on AWS, fetched
	// with no credentials; the emulator's is not presigned, so it is public
	// only where any key is the administrator anyway (not in strict mode).
	d.Public(func(r *http.Request) bool {
		return r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/2015-03-31/functions/") && strings.HasSuffix(r.URL.Path, "/code")
	}, false)
}

// Operations lists the operations served.
func (s *Service) Operations() []string {
	return []string{
		"CreateFunction", "GetFunction", "GetFunctionConfiguration", "ListFunctions", "DeleteFunction",
		"UpdateFunctionCode", "UpdateFunctionConfiguration", "TagResource", "UntagResource", "ListTags", "Invoke",
		"GetAccountSettings",
	}
}

// FlushLogs returns once every log batch produced so far has been handed
// to Logs.Append.
func (s *Service) FlushLogs(ctx context.Context) error { return s.logs.flush(ctx) }

// Close stops every function process (and waits until each is reaped),
// stops background work and flushes pending logs. Event invocations not yet
// run stay in the store and run after the next New.
func (s *Service) Close() error {
	s.closeOnce.Do(func() {
		s.cancel()
		s.mu.RLock()
		fns := make([]*function, 0, len(s.functions))
		for _, fn := range s.functions {
			fns = append(fns, fn)
		}
		s.mu.RUnlock()
		for _, fn := range fns {
			fn.pool.close()
		}
		s.bg.wait()
		s.spawner.close()
		s.logs.close()
		s.removeCodeDir()
	})
	return s.closeErr
}

// removeCodeDir removes the private temporary code dir, once no process
// runs from it.
func (s *Service) removeCodeDir() {
	if s.ownCode {
		if err := os.RemoveAll(s.code.dir); err != nil {
			s.log.Warn("remove lambda code dir", "dir", s.code.dir, "err", err)
		}
	}
}

func (s *Service) now() time.Time { return s.opts.Now() }

// janitor stops instances that have been idle for idleLimit.
func (s *Service) janitor() {
	t := time.NewTicker(idleLimit / 10)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
			s.mu.RLock()
			fns := make([]*function, 0, len(s.functions))
			for _, fn := range s.functions {
				fns = append(fns, fn)
			}
			s.mu.RUnlock()
			for _, fn := range fns {
				fn.pool.reapIdle(time.Now().Add(-idleLimit))
			}
		}
	}
}
