package cli

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// startMoto runs moto_server on a free loopback port for the test, or
// skips the test where moto_server is not installed.
func startMoto(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server not installed: skipping the end-to-end CLI test against it")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/moto-api/", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return url
		}
		select {
		case <-ctx.Done():
			t.Fatalf("moto_server did not answer on %s", url)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// The commands wired to the real client factory and pipeline, against
// moto: up, up again (nothing changes), status, destroy, destroy again.
func TestCommandsAgainstMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	url := startMoto(t)
	isolate(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("ORDERS_ENDPOINT_URL", url)
	t.Setenv("ORDERS_REGION", "us-east-1")

	run := func(args ...string) (int, string, string) {
		t.Helper()
		ios, _, out, errOut := TestIO()
		code := Run(context.Background(), Options{IO: ios}, args)
		t.Logf("orders %s → exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
		return code, out.String(), errOut.String()
	}

	if code, out, _ := run("up"); code != ExitOK || !strings.Contains(out, "created") {
		t.Fatalf("up: exit %d, %q", code, out)
	}
	if code, out, _ := run("up"); code != ExitOK || strings.Contains(out, "created") || !strings.Contains(out, "unchanged") {
		t.Errorf("second up: exit %d, %q; want everything unchanged", code, out)
	}
	code, out, _ := run("--output", "json", "status")
	var doc statusDoc
	oneJSONDocument(t, []byte(out), &doc)
	if code != ExitOK || len(doc.Resources) == 0 {
		t.Fatalf("status: exit %d, %+v", code, doc)
	}
	for _, r := range doc.Resources {
		if r.State != "present" || r.ARN == "" {
			t.Errorf("after up, %s %s is %s (ARN %q)", r.Kind, r.Name, r.State, r.ARN)
		}
	}
	if code, out, _ := run("destroy", "--yes"); code != ExitOK || !strings.Contains(out, "deleted") {
		t.Errorf("destroy: exit %d, %q", code, out)
	}
	if code, out, _ := run("destroy", "--yes"); code != ExitOK || strings.Contains(out, "deleted") {
		t.Errorf("second destroy: exit %d, %q; want everything already absent", code, out)
	}
	code, out, _ = run("status")
	if code != ExitOK || strings.Contains(out, "present") {
		t.Errorf("status after destroy: exit %d\n%s", code, out)
	}
}
