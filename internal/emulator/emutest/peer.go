package emutest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// PeersRequired is set (ORDERS_TEST_PEERS=1) where the peer tools must be
// present — in CI — so a missing tool fails instead of skipping silently.
func PeersRequired() bool { return os.Getenv("ORDERS_TEST_PEERS") == "1" }

// Require skips the test unless every tool is usable, or fails it when
// PeersRequired. A tool is a command on PATH, or "boto3": python3 that can
// import boto3.
func Require(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		err := usable(tool)
		if err == nil {
			continue
		}
		if PeersRequired() {
			t.Fatalf("ORDERS_TEST_PEERS=1 but %s is unavailable: %v", tool, err)
		}
		t.Skipf("%s not available (%v); ORDERS_TEST_PEERS=1 makes this a failure", tool, err)
	}
}

func usable(tool string) error {
	if tool != "boto3" {
		_, err := exec.LookPath(tool)
		return err
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		return err
	}
	if out, err := exec.Command(py, "-c", "import boto3").CombinedOutput(); err != nil {
		return fmt.Errorf("python3 cannot import boto3: %w: %s", err, out)
	}
	return nil
}

// Python returns python3 when it can import boto3; otherwise it skips the
// test, or fails it when PeersRequired.
func Python(t testing.TB) string {
	t.Helper()
	Require(t, "boto3")
	py, _ := exec.LookPath("python3")
	return py
}

// PeerEnv is the environment of a peer client process: administrator test
// keys, Region, and none of the caller's AWS_ settings, shared config or
// credentials files, pager or instance metadata that could change what it
// does or where it goes.
func PeerEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION="+Region,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true")
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
