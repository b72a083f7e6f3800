package emutest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// MotoServer is a moto_server process (an independent AWS emulator) on a
// loopback port.
type MotoServer struct {
	URL    string // http://127.0.0.1:port
	cmd    *exec.Cmd
	exited chan struct{}
	logs   lockedBuffer
}

// Moto starts a fresh moto_server for the test, stopped when it ends, and
// returns its URL once it answers. Where moto_server is not installed the
// test is skipped, or fails when PeersRequired.
func Moto(t testing.TB) string {
	t.Helper()
	Require(t, "moto_server")
	m, err := StartMotoServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	return m.URL
}

// StartMotoServer starts moto_server on a free loopback port and waits until
// it answers; the caller stops it. Its output is kept for the error it
// returns, or goes to stderr with ORDERS_TEST_MOTO_LOG set.
func StartMotoServer() (*MotoServer, error) {
	path, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, fmt.Errorf("start moto_server: %w", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("find a free port for moto_server: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	m := &MotoServer{URL: fmt.Sprintf("http://127.0.0.1:%d", port), exited: make(chan struct{})}
	m.cmd = exec.Command(path, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	// moto_server may run its app under a reloader child: give it its own
	// process group, so that Stop ends both.
	ownProcessGroup(m.cmd)
	var out io.Writer = &m.logs
	if os.Getenv("ORDERS_TEST_MOTO_LOG") != "" {
		out = os.Stderr
	}
	m.cmd.Stdout, m.cmd.Stderr = out, out
	if err := m.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto_server: %w", err)
	}
	go func() { _ = m.cmd.Wait(); close(m.exited) }()
	if err := m.waitUp(time.Minute); err != nil {
		m.Stop()
		return nil, fmt.Errorf("moto_server did not come up on %s: %w\n%s", m.URL, err, m.logs.String())
	}
	return m, nil
}

// waitUp polls moto's API until it answers, the process exits, or the
// generous limit passes (polling, not timing: it ends as soon as moto is up).
func (m *MotoServer) waitUp(limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, m.URL+"/moto-api/", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return nil
		}
		select {
		case <-m.exited:
			return fmt.Errorf("it exited: %v", m.cmd.ProcessState)
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Reset empties moto's state, for a server shared by several tests.
func (m *MotoServer) Reset() error {
	resp, err := http.Post(m.URL+"/moto-api/reset", "application/json", nil)
	if err != nil {
		return fmt.Errorf("reset moto_server: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("reset moto_server: HTTP %d", resp.StatusCode)
	}
	return nil
}

// Stop ends moto_server and every process it started, and waits for it.
func (m *MotoServer) Stop() {
	killProcessGroup(m.cmd)
	<-m.exited
}

// lockedBuffer collects a process's output, written from two pipes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
