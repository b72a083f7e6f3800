package emulator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/orders-dev/orders/internal/emulator/realism"
)

// HealthPath is where an emulator introduces itself. It answers unsigned
// GETs (an AWS client never calls it; a health check has no credentials),
// in front of the dispatcher, so no service and no IAM check sees it.
const HealthPath = "/_orders/health"

// HealthService is Health.Service: how a client tells an orders emulator
// from any other server that happens to answer on the port.
const HealthService = "orders-emulator"

// Health is what GET /_orders/health answers.
type Health struct {
	Service  string `json:"service"`
	Version  string `json:"version,omitempty"`
	Instance string `json:"instance"` // random per process: tells this server from a later one on the same port
	PID      int    `json:"pid"`
	Account  string `json:"account"`
	Region   string `json:"region"`
	// Auth is the auth mode: AuthOpen or AuthStrict.
	Auth     string    `json:"auth"`
	DataDir  string    `json:"dataDir,omitempty"` // "" in memory
	InMemory bool      `json:"inMemory,omitempty"`
	Services []string  `json:"services"`
	Started  time.Time `json:"started"`
	Uptime   float64   `json:"uptimeSeconds"`
	// Realism is the active realism profile (Options.Realism; mode off
	// when none was given).
	Realism *realism.Summary `json:"realism,omitempty"`
}

// services are the AWS services the emulator answers, by signing name.
var services = []string{"dynamodb", "iam", "lambda", "logs", "sns", "sqs", "sts"}

func newInstanceID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// Region is the region the emulator answers unsigned requests in, and the
// one clients that do not pick their own should use.
func (e *Emulator) Region() string { return e.opts.Region }

// Instance is this emulator's id, unique to the process that opened it.
func (e *Emulator) Instance() string { return e.instance }

// Health describes the emulator now.
func (e *Emulator) Health() Health {
	h := Health{
		Service: HealthService, Version: e.opts.Version, Instance: e.instance, PID: os.Getpid(),
		Account: e.account, Region: e.opts.Region, Auth: e.opts.Auth, InMemory: e.opts.InMemory,
		Services: services, Started: e.started,
		Uptime: e.now().Sub(e.started).Round(time.Millisecond).Seconds(),
	}
	if !e.opts.InMemory {
		h.DataDir = absDir(e.opts.DataDir)
	}
	r := e.opts.Realism.Summary()
	h.Realism = &r
	return h
}

func (e *Emulator) now() time.Time {
	if e.opts.Now != nil {
		return e.opts.Now()
	}
	return time.Now()
}

// Advertised is the record a serving emulator writes into its data dir
// (WriteEndpoint) for other processes: where it answers and who it is.
func (e *Emulator) Advertised() Endpoint {
	h := e.Health()
	return Endpoint{URL: e.Endpoint(), PID: h.PID, Account: h.Account, Started: h.Started.UTC(),
		Instance: h.Instance, DataDir: h.DataDir, Region: h.Region, Auth: h.Auth}
}

// withHealth answers HealthPath and passes everything else to next.
func (e *Emulator) withHealth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != HealthPath {
			next.ServeHTTP(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(e.Health())
	})
}

// healthTimeout bounds one health probe: the server is on this machine.
const healthTimeout = 2 * time.Second

// FetchHealth asks the server at url who it is. An error means it is not
// an orders emulator (or nothing answers).
func FetchHealth(ctx context.Context, url string) (Health, error) {
	var h Health
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, trimSlash(url)+HealthPath, nil)
	if err != nil {
		return h, err
	}
	resp, err := healthClient.Do(req)
	if err != nil {
		return h, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return h, fmt.Errorf("%s%s answered %s: not an orders emulator", trimSlash(url), HealthPath, resp.Status)
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<16)).Decode(&h); err != nil || h.Service != HealthService {
		return Health{}, fmt.Errorf("%s%s: not an orders emulator's answer", trimSlash(url), HealthPath)
	}
	return h, nil
}

// healthClient never reuses a connection: a probe is one request, and a
// stale kept-alive one could reach the previous server on the port.
var healthClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}}

// Check confirms that the server at ep.URL is the emulator ep describes,
// serving dataDir: the same instance (so not a later process that reused
// the port), the same data dir and account. An endpoint file that fails
// this is stale and must not be used.
func (ep Endpoint) Check(ctx context.Context, dataDir string) error {
	if ep.Instance == "" {
		return fmt.Errorf("%s names no emulator instance (written by an older orders)", EndpointFile)
	}
	h, err := FetchHealth(ctx, ep.URL)
	if err != nil {
		return fmt.Errorf("no emulator answers at %s: %w", ep.URL, err)
	}
	want := absDir(dataDir)
	switch {
	case h.DataDir != want:
		where := h.DataDir
		if h.InMemory {
			where = "memory"
		}
		return fmt.Errorf("%s is served by another emulator (pid %d, state in %s), not the one for %s", ep.URL, h.PID, where, want)
	case h.Instance != ep.Instance:
		return fmt.Errorf("%s is served by another emulator process (pid %d) than the one that wrote %s (pid %d)", ep.URL, h.PID, EndpointFile, ep.PID)
	case ep.Account != "" && h.Account != ep.Account:
		return fmt.Errorf("%s serves account %s, not %s", ep.URL, h.Account, ep.Account)
	}
	return nil
}

// absDir is dir made absolute and clean, so two spellings of one data dir
// compare equal.
func absDir(dir string) string {
	if dir == "" {
		return ""
	}
	if a, err := filepath.Abs(dir); err == nil {
		dir = a
	}
	if r, err := filepath.EvalSymlinks(dir); err == nil {
		dir = r
	}
	return filepath.Clean(dir)
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}
