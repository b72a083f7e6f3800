//go:build linux

package lambda

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orders-dev/orders/internal/emulator/emutest"
)

// TestBoto3Peer drives the service with boto3, AWS's Python SDK: its own
// parsers must accept every answer. Skipped where python3/boto3 is missing,
// unless ORDERS_TEST_PEERS=1 makes it required.
func TestBoto3Peer(t *testing.T) {
	needExec(t)
	py := emutest.Python(t)
	e := newTestEnv(t)
	zipPath := filepath.Join(t.TempDir(), "fn.zip")
	if err := os.WriteFile(zipPath, bootstrapZip, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "testdata/peer/boto3_lambda.py", e.url, zipPath, hostLambdaArch)
	cmd.Env = emutest.PeerEnv()
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "OK") {
		t.Fatalf("boto3: %v\n%s", err, out)
	}
}
