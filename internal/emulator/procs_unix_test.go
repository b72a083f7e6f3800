//go:build unix

package emulator

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// server is an `orders local serve` process.
type server struct {
	cmd    *exec.Cmd
	url    string
	stderr *syncWriter
	buf    *strings.Builder
	exited chan struct{}
	err    error // Wait's result, once exited is closed
}

// serve starts `orders local serve --data-dir dataDir --addr 127.0.0.1:0`
// and waits for the URL it prints on stdout. The process is killed at the
// end of the test if it still runs.
func serve(t testing.TB, dataDir string) *server {
	t.Helper()
	s, err := startServe(t, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func startServe(t testing.TB, dataDir string, flags ...string) (*server, error) {
	t.Helper()
	bin := ordersBinary(t)
	cmd := exec.Command(bin, append([]string{"local", "serve", "--data-dir", dataDir, "--addr", "127.0.0.1:0"}, flags...)...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	buf := &strings.Builder{}
	s := &server{cmd: cmd, buf: buf, stderr: &syncWriter{w: buf}, exited: make(chan struct{})}
	cmd.Stderr = s.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start orders local serve: %w", err)
	}
	go func() { s.err = cmd.Wait(); close(s.exited) }()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = cmd.Process.Kill()
			<-s.exited
		}
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case line, ok := <-lines:
		if !ok || !strings.HasPrefix(line, "http://") {
			<-s.exited
			return s, fmt.Errorf("orders local serve printed no URL (%q), exit %v; stderr:\n%s", line, s.err, s.stderrText())
		}
		s.url = line
		return s, nil
	case <-time.After(time.Minute):
		return s, fmt.Errorf("orders local serve printed no URL within a minute; stderr:\n%s", s.stderrText())
	}
}

func (s *server) stderrText() string {
	s.stderr.mu.Lock()
	defer s.stderr.mu.Unlock()
	return s.buf.String()
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill(t testing.TB) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 orders local serve: %v", err)
	}
	<-s.exited
}
