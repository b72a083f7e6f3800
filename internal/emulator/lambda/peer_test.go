//go:build linux

package lambda

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBoto3Peer drives the service with boto3, AWS's Python SDK: its own
// parsers must accept every answer. Skipped where python3/boto3 is missing,
// unless ORDERS_TEST_PEERS=1 makes it required.
func TestBoto3Peer(t *testing.T) {
	needExec(t)
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		if os.Getenv("ORDERS_TEST_PEERS") == "1" {
			t.Fatalf("boto3 is required (ORDERS_TEST_PEERS=1): %v", err)
		}
		t.Skipf("python3 with boto3 not available: %v", err)
	}
	e := newTestEnv(t)
	zipPath := filepath.Join(t.TempDir(), "fn.zip")
	if err := os.WriteFile(zipPath, bootstrapZip, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("python3", "testdata/peer/boto3_lambda.py", e.url, zipPath, hostLambdaArch)
	cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "OK") {
		t.Fatalf("boto3: %v\n%s", err, out)
	}
}
