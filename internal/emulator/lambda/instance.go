package lambda

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// initLimit bounds a cold start (Lambda's Init phase limit).
const initLimit = 10 * time.Second

// invocation is one request handed to an instance.
type invocation struct {
	id            string
	payload       []byte
	arn           string
	traceID       string
	clientContext string
	wantTail      bool
	deadline      time.Time
	done          chan runtimeResult // buffered: the runtime API never blocks on it
}

// runtimeResult is what the runtime posted for an invocation.
type runtimeResult struct {
	body    []byte
	failed  bool   // posted to /error or /init/error
	errType string // the error's type, when failed
}

// instance is one execution environment: a process running the
// function's bootstrap, and the Runtime API it talks to.
type instance struct {
	rec      *record // the configuration it was started with
	gen      uint64
	id       string // 32 hex: the log stream's suffix
	stream   string
	taskRoot string

	// apiPrefix ("/" + 32 random hex) starts every Runtime API path this
	// instance serves: it is handed to the process only, in
	// AWS_LAMBDA_RUNTIME_API, so other local processes that find the port
	// cannot take or answer its invocations.
	apiPrefix string

	cmd *exec.Cmd
	srv *http.Server
	ln  net.Listener

	logs *collector
	mem  *memProbe // used by one invocation at a time

	work      chan *invocation
	ready     chan struct{} // closed at the first /next
	readyOnce sync.Once
	initErr   chan runtimeResult
	exited    chan struct{}
	exitErr   error // valid once exited is closed

	mu  sync.Mutex
	cur *invocation // handed out by /next, not yet answered

	started  time.Time
	initDur  time.Duration
	credsExp time.Time
	coldUsed bool      // the first invoke has reported Init Duration
	lastUsed time.Time // guarded by the pool's mutex

	stopOnce sync.Once
}

// logStreamName is Lambda's stream name for a new execution environment.
func logStreamName(t time.Time, id string) string {
	return t.UTC().Format("2006/01/02") + "/[$LATEST]" + id
}

// startInstance starts a process for rec and waits until its runtime asks
// for work. A failure the caller should report as a function error comes
// back as a *funcError together with the half-started instance (stopped),
// whose logs the caller finishes.
func (s *Service) startInstance(rec *record, gen uint64, endpoint string) (*instance, *funcError, error) {
	entry, err := s.code.ensure(rec.CodeSha256, func() ([]byte, error) { return s.loadZip(rec.CodeSha256) })
	if err != nil {
		s.code.forget(rec.CodeSha256)
		return nil, nil, fmt.Errorf("prepare code of %s: %w", rec.Name, err)
	}
	now := s.now()
	in := &instance{
		rec:      rec,
		gen:      gen,
		id:       service.RandomHex(16),
		taskRoot: entry.dir,
		work:     make(chan *invocation),
		ready:    make(chan struct{}),
		initErr:  make(chan runtimeResult, 1),
		exited:   make(chan struct{}),
		started:  time.Now(),
	}
	in.apiPrefix = "/" + service.RandomHex(16)
	in.stream = logStreamName(now, in.id)
	in.logs = newCollector(nil, s.now, s.shipFunc(rec, in.stream))
	path, ferr := s.resolveEntry(entry, rec)
	if ferr != nil {
		close(in.exited)
		return in, ferr, nil
	}

	env, exp, err := s.instanceEnv(rec, in, endpoint)
	if err != nil {
		close(in.exited)
		return in, &funcError{Type: "Runtime.Unknown", Message: "The role defined for the function cannot be assumed by Lambda: " + err.Error()}, nil
	}
	in.credsExp = exp

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		close(in.exited)
		return nil, nil, fmt.Errorf("listen for the runtime API of %s: %w", rec.Name, err)
	}
	in.ln = ln
	in.srv = &http.Server{Handler: in, ReadHeaderTimeout: 30 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go func() { _ = in.srv.Serve(ln) }()
	// Runtimes build their URLs as "http://" + AWS_LAMBDA_RUNTIME_API +
	// "/2018-06-01/..." (aws-lambda-go's runtime_api_client.go), so a path
	// prefix there reaches every request they make.
	env = append(env, "AWS_LAMBDA_RUNTIME_API="+ln.Addr().String()+in.apiPrefix)

	r, w, err := os.Pipe()
	if err != nil {
		_ = in.srv.Close()
		close(in.exited)
		return nil, nil, fmt.Errorf("create output pipe for %s: %w", rec.Name, err)
	}
	in.logs.f = r
	cmd := exec.Command(path)
	cmd.Dir = in.taskRoot
	cmd.Env = env
	cmd.Stdout = w
	cmd.Stderr = w
	setProcAttrs(cmd)
	in.cmd = cmd
	err = s.spawner.start(cmd)
	_ = w.Close() // the child holds its own copy; EOF comes when it exits
	go in.logs.run()
	if err != nil {
		close(in.exited)
		in.stop()
		return in, &funcError{Type: "Runtime.InvalidEntrypoint", Message: err.Error()}, nil
	}
	in.mem = newMemProbe(cmd.Process.Pid)
	go func() {
		in.exitErr = cmd.Wait()
		close(in.exited)
	}()

	t := time.NewTimer(initLimit)
	defer t.Stop()
	select {
	case <-in.ready:
		in.initDur = time.Since(in.started)
		return in, nil, nil
	case res := <-in.initErr:
		in.stop()
		return in, &funcError{Type: res.errType, Message: initErrorMessage(res.body), Raw: res.body}, nil
	case <-in.exited:
		in.stop()
		return in, exitError(in.exitErr), nil
	case <-t.C:
		in.stop()
		return in, &funcError{Type: "Sandbox.Timedout", Message: fmt.Sprintf("Task timed out after %.2f seconds", initLimit.Seconds())}, nil
	case <-s.ctx.Done():
		in.stop()
		return nil, nil, errors.New("the Lambda service is shutting down")
	}
}

// exitError describes a runtime that exited, as Lambda does.
func exitError(err error) *funcError {
	var ee *exec.ExitError
	if err == nil {
		return &funcError{Type: "Runtime.ExitError", Message: "Runtime exited without providing a reason"}
	}
	if errors.As(err, &ee) {
		return &funcError{Type: "Runtime.ExitError", Message: "Runtime exited with error: " + ee.String()}
	}
	return &funcError{Type: "Runtime.ExitError", Message: "Runtime exited with error: " + err.Error()}
}

// stop kills the instance's process group, waits until it is reaped and
// its output read, and closes its Runtime API.
func (in *instance) stop() {
	in.stopOnce.Do(func() {
		if in.cmd != nil && in.cmd.Process != nil {
			killGroup(in.cmd.Process)
		}
		<-in.exited
		if in.srv != nil {
			_ = in.srv.Close()
		}
		if in.logs != nil {
			in.logs.waitClosed(time.Second)
		}
		in.mem.close()
	})
}

func (in *instance) alive() bool {
	select {
	case <-in.exited:
		return false
	default:
		return true
	}
}

func (in *instance) pid() int {
	if in.cmd == nil || in.cmd.Process == nil {
		return 0
	}
	return in.cmd.Process.Pid
}

// outcome is how one invocation on an instance ended.
type outcome struct {
	payload []byte
	funcErr bool   // X-Amz-Function-Error: Unhandled
	status  string // REPORT Status: "" | "timeout" | "error"
	errType string
	healthy bool // the instance can take the next invocation
}

// run hands inv to the instance's runtime and waits for its answer, the
// process's death, or the function's timeout.
func (in *instance) run(inv *invocation, timeout time.Duration) outcome {
	start := time.Now()
	inv.deadline = start.Add(timeout)
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var flush *time.Timer
	var flushC <-chan time.Time
	if timeout > flushEvery {
		flush = time.NewTimer(flushEvery)
		defer flush.Stop()
		flushC = flush.C
	}

	select {
	case in.work <- inv:
	case <-in.exited:
		return in.died(inv)
	case <-timer.C:
		return in.timedOut(inv, timeout)
	}
	for {
		select {
		case res := <-inv.done:
			return resultOutcome(res)
		case res := <-in.initErr:
			fe := &funcError{Type: res.errType, Message: initErrorMessage(res.body), Raw: res.body}
			return outcome{payload: fe.payload(inv.id), funcErr: true, status: "error", errType: fe.Type}
		case <-in.exited:
			select {
			case res := <-inv.done: // answered, then exited
				o := resultOutcome(res)
				o.healthy = false
				return o
			default:
			}
			return in.died(inv)
		case <-timer.C:
			return in.timedOut(inv, timeout)
		case <-flushC:
			in.logs.periodic()
			flush.Reset(flushEvery)
		}
	}
}

func resultOutcome(res runtimeResult) outcome {
	if res.failed {
		return outcome{payload: res.body, funcErr: true, errType: res.errType, healthy: true, status: errStatus(res.errType)}
	}
	return outcome{payload: res.body, healthy: true}
}

// errStatus: REPORT shows Status only for platform-level failures.
func errStatus(errType string) string {
	if errType == "Function.ResponseSizeTooLarge" {
		return "error"
	}
	return ""
}

func (in *instance) died(inv *invocation) outcome {
	fe := exitError(in.exitErr)
	in.logs.add("RequestId: " + inv.id + " Error: " + fe.Message + "\n" + fe.Type + "\n")
	return outcome{payload: fe.payload(inv.id), funcErr: true, status: "error", errType: fe.Type}
}

func (in *instance) timedOut(inv *invocation, timeout time.Duration) outcome {
	killGroup(in.cmd.Process)
	msg := fmt.Sprintf("Task timed out after %.2f seconds", timeout.Seconds())
	in.logs.add(time.Now().UTC().Format("2006-01-02T15:04:05.000Z") + " " + inv.id + " " + msg + "\n")
	fe := &funcError{Type: "Sandbox.Timedout", Message: msg}
	return outcome{payload: fe.payload(inv.id), funcErr: true, status: "timeout"}
}

// initErrorMessage takes the message out of an init error body.
func initErrorMessage(body []byte) string {
	var e struct {
		ErrorMessage string `json:"errorMessage"`
	}
	if err := jsonUnmarshal(body, &e); err == nil && e.ErrorMessage != "" {
		return e.ErrorMessage
	}
	return string(body)
}

// instanceEnv builds the process environment as Lambda sets it. The
// emulator's own environment is not inherited.
func (s *Service) instanceEnv(rec *record, in *instance, endpoint string) ([]string, time.Time, error) {
	env := []string{
		"AWS_LAMBDA_FUNCTION_NAME=" + rec.Name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(int(rec.MemorySize)),
		"AWS_LAMBDA_LOG_GROUP_NAME=" + logGroupOf(rec.Name),
		"AWS_LAMBDA_LOG_STREAM_NAME=" + in.stream,
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_REGION=" + rec.Region,
		"AWS_DEFAULT_REGION=" + rec.Region,
		"_HANDLER=" + rec.Handler,
		"LAMBDA_TASK_ROOT=" + in.taskRoot,
		"LAMBDA_RUNTIME_DIR=" + in.taskRoot,
		"TZ=:UTC",
		"LANG=en_US.UTF-8",
		"PATH=/usr/local/bin:/usr/bin/:/bin:/opt/bin",
		"LD_LIBRARY_PATH=" + in.taskRoot + "/lib:" + in.taskRoot,
	}
	if endpoint != "" {
		env = append(env, "AWS_ENDPOINT_URL="+endpoint)
	}
	var exp time.Time
	if s.opts.Credentials != nil {
		ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
		defer cancel()
		akid, secret, token, e, err := s.opts.Credentials.IssueRoleSession(ctx, rec.Account, rec.Role, rec.Name, credentialLife)
		if err != nil {
			return nil, exp, fmt.Errorf("issue credentials for role %s: %w", rec.Role, err)
		}
		exp = e
		env = append(env, "AWS_ACCESS_KEY_ID="+akid, "AWS_SECRET_ACCESS_KEY="+secret, "AWS_SESSION_TOKEN="+token)
	}
	// The function's own variables last: they may override PATH, TZ or
	// AWS_ENDPOINT_URL (the reserved names were refused at configuration).
	for _, k := range sortedKeys(rec.Env) {
		env = append(env, k+"="+rec.Env[k])
	}
	return env, exp, nil
}

// shipFunc sends an instance's log batches to its stream.
func (s *Service) shipFunc(rec *record, stream string) func([]LogEvent) {
	src := LogSource{FunctionARN: rec.arn(), RoleARN: rec.Role}
	group := logGroupOf(rec.Name)
	return func(events []LogEvent) {
		s.logs.send(&logBatch{region: rec.Region, account: rec.Account, group: group, stream: stream, src: src, events: events})
	}
}
