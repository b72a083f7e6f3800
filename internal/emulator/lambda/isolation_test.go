//go:build linux

package lambda

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orders-dev/orders/internal/emulator/store"
)

// plantBootstrap writes, where the emulator once cached bootstrapZip's
// unpacked code (dir/<hex sha256>/bootstrap), a script that leaves marker
// behind if anything runs it.
func plantBootstrap(t *testing.T, dir, marker string) {
	t.Helper()
	d := filepath.Join(dir, shaDirName(codeSha256(bootstrapZip)))
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho planted > '" + marker + "'\nexit 0\n"
	if err := os.WriteFile(filepath.Join(d, "bootstrap"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

// invokesRealCode invokes fn and checks the answer comes from the uploaded
// bootstrap and that no planted script ran.
func invokesRealCode(t *testing.T, e *testEnv, marker string) {
	t.Helper()
	e.create(t, "fn", bootstrapZip)
	r := ok(t, e.invoke(t, "fn", map[string]any{"echo": "real"}))
	if r.Echo != "real" {
		t.Errorf("echo = %v, want the real function's answer", r.Echo)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a planted bootstrap ran")
	}
}

// TestPlantedCodeNeverRuns: code someone left at the shared cache path of
// earlier versions ($TMPDIR/orders-lambda-code/<sha256>), or in the
// emulator's own code dir, is never run; only what the zip holds is.
func TestPlantedCodeNeverRuns(t *testing.T) {
	needExec(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	marker := filepath.Join(t.TempDir(), "planted-code-ran")
	plantBootstrap(t, filepath.Join(tmp, "orders-lambda-code"), marker)

	t.Run("in-memory", func(t *testing.T) {
		e := newTestEnv(t, func(o *Options) { o.CodeDir = "" })
		invokesRealCode(t, e, marker)
		dir := e.svc.code.dir
		if !strings.HasPrefix(dir, tmp+string(os.PathSeparator)) || filepath.Base(dir) == "orders-lambda-code" {
			t.Errorf("code dir %s: want a private directory of its own under TMPDIR", dir)
		}
		fi, err := os.Lstat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o700 {
			t.Errorf("code dir %s has mode %v, want 0700", dir, fi.Mode().Perm())
		}
		if err := e.svc.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("private code dir %s still there after Close (err %v)", dir, err)
		}
	})

	t.Run("code dir", func(t *testing.T) {
		// The data dir's code dir, holding a tree that does not match
		// the zip (left by an earlier run and tampered with since).
		codeDir := filepath.Join(t.TempDir(), "lambda-code")
		if err := os.Mkdir(codeDir, 0o700); err != nil {
			t.Fatal(err)
		}
		plantBootstrap(t, codeDir, marker)
		e := newTestEnv(t, func(o *Options) { o.CodeDir = codeDir })
		invokesRealCode(t, e, marker)
	})
}

// TestSharedCodeDirRefused: a code dir others may write to, or one inside
// a directory where others could swap it for their own, is refused at
// start, naming the directory and what is wrong.
func TestSharedCodeDirRefused(t *testing.T) {
	shared := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(shared, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o777); err != nil { // past the umask
		t.Fatal(err)
	}
	inShared := filepath.Join(shared, "code")
	if err := os.Mkdir(inShared, 0o700); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.TempDir(), store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, c := range []struct{ codeDir, named string }{{shared, shared}, {inShared, shared}} {
		svc, err := New(st, Options{CodeDir: c.codeDir})
		if err == nil {
			_ = svc.Close()
			t.Errorf("New accepted code dir %s", c.codeDir)
			continue
		}
		if !strings.Contains(err.Error(), c.named+" ") || !strings.Contains(err.Error(), "writable") {
			t.Errorf("code dir %s: error %q, want %s named and why it is refused", c.codeDir, err, c.named)
		}
	}
}

// TestRuntimeAPIRefusesStrangers: another local process polling a warm
// instance's Runtime API (it can find the port) gets nothing: every
// invocation goes to the function, and answers are the function's.
func TestRuntimeAPIRefusesStrangers(t *testing.T) {
	needExec(t)
	e := newTestEnv(t)
	e.create(t, "fn", bootstrapZip)
	ok(t, e.invoke(t, "fn", map[string]any{"echo": "warm"}))
	p := e.svc.functions["us-east-1/fn"].pool
	p.mu.Lock()
	if len(p.idle) != 1 {
		p.mu.Unlock()
		t.Fatalf("%d idle instances, want 1", len(p.idle))
	}
	addr := p.idle[0].ln.Addr().String()
	p.mu.Unlock()

	// The stranger polls for work as a runtime would, under the paths a
	// runtime uses and a few guesses, and answers any event it gets with a
	// forgery. It polls again after each invoke.
	paths := []string{
		"/2018-06-01/runtime/invocation/next",
		"/x/2018-06-01/runtime/invocation/next",
		"//2018-06-01/runtime/invocation/next",
	}
	ctx, cancel := context.WithCancel(context.Background())
	kick := make(chan struct{}, 1)
	done := make(chan struct{})
	var mu sync.Mutex
	var statuses []int
	var stolen []string
	get := func(url string) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		return http.DefaultClient.Do(req)
	}
	go func() {
		defer close(done)
		for {
			for _, path := range paths {
				resp, err := get("http://" + addr + path)
				if err != nil {
					if ctx.Err() == nil {
						t.Errorf("stranger poll %s: %v", path, err)
					}
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				mu.Lock()
				statuses = append(statuses, resp.StatusCode)
				if resp.StatusCode == http.StatusOK {
					stolen = append(stolen, string(b))
				}
				mu.Unlock()
				if resp.StatusCode == http.StatusOK {
					id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
					if r, err := http.Post("http://"+addr+"/2018-06-01/runtime/invocation/"+id+"/response", "application/json",
						strings.NewReader(`{"echo":"FORGED"}`)); err == nil {
						r.Body.Close()
					}
				}
			}
			select {
			case <-kick:
			case <-ctx.Done():
				return
			}
		}
	}()
	for i := 0; i < 5; i++ {
		want := fmt.Sprintf("real-%d", i)
		r := ok(t, e.invoke(t, "fn", map[string]any{"echo": want}))
		if r.Echo != want {
			t.Errorf("invoke %d answered %v, want %s", i, r.Echo, want)
		}
		select {
		case kick <- struct{}{}:
		default:
		}
	}
	// Let the stranger finish the round it is in (refused requests end
	// at once), then stop it.
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(statuses)
		mu.Unlock()
		if n >= len(paths) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(stolen) > 0 {
		t.Errorf("the stranger received %d invocations: %q", len(stolen), stolen)
	}
	if len(statuses) < len(paths) {
		t.Fatalf("the stranger's polls were not answered (%d of %d): they wait for invocations", len(statuses), len(paths))
	}
	for _, st := range statuses {
		if st != http.StatusForbidden && st != http.StatusNotFound {
			t.Errorf("stranger's poll: status %d, want 403 or 404", st)
		}
	}
}
