package emutest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// PeersRequired is set (ORDERS_TEST_PEERS=1) where the peer tools must be
// present — in CI — so a missing tool fails instead of skipping silently.
func PeersRequired() bool { return os.Getenv("ORDERS_TEST_PEERS") == "1" }

// Python returns python3 when it can import boto3; otherwise it skips the
// test, or fails it when PeersRequired.
func Python(t testing.TB) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(py, "-c", "import boto3").Run()
	}
	if err != nil {
		if PeersRequired() {
			t.Fatalf("python3 with boto3 is required (ORDERS_TEST_PEERS=1): %v", err)
		}
		t.Skipf("python3 with boto3 not available: %v", err)
	}
	return py
}

// PeerEnv is the environment of a peer client: administrator test keys,
// us-east-1, and no user config that could point it elsewhere.
func PeerEnv() []string {
	return append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true")
}

// RunBoto3 runs a boto3 script with the emulator's endpoint as sys.argv[1]
// and returns its combined output; a non-zero exit fails the test.
func RunBoto3(t testing.TB, endpoint, script string) string {
	t.Helper()
	py := Python(t)
	path := filepath.Join(t.TempDir(), "peer.py")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, path, endpoint)
	cmd.Env = PeerEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("boto3 against the emulator: %v\n%s", err, out)
	}
	return string(out)
}
