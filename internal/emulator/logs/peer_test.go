package logs

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
)

// runPeer runs a boto3 script against endpoint; it skips when python3 or
// boto3 is missing unless ORDERS_TEST_PEERS=1 demands the peers.
func runPeer(t *testing.T, endpoint, script string) {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(python, "-c", "import boto3").Run()
	}
	if err != nil {
		if os.Getenv("ORDERS_TEST_PEERS") == "1" {
			t.Fatalf("python3 with boto3 is required (ORDERS_TEST_PEERS=1): %v", err)
		}
		t.Skipf("python3 with boto3 not available: %v", err)
	}
	path := filepath.Join(t.TempDir(), "peer.py")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, path, endpoint)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("boto3 peer failed: %v\n%s", err, out)
	}
}

// TestPeerBoto3: botocore (awsJson 1.1) creates, writes, reads and filters
// logs, and maps the typed errors.
func TestPeerBoto3(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	runPeer(t, e.url, `
import sys, time, boto3
logs = boto3.client("logs", endpoint_url=sys.argv[1])
g = "/aws/lambda/ProcessOrderFunction"
logs.create_log_group(logGroupName=g, tags={"orders:stack": "orders"})
try:
    logs.create_log_group(logGroupName=g)
    raise SystemExit("no error")
except logs.exceptions.ResourceAlreadyExistsException:
    pass
logs.put_retention_policy(logGroupName=g, retentionInDays=14)
logs.create_log_stream(logGroupName=g, logStreamName="s")
now = int(time.time() * 1000)
logs.put_log_events(logGroupName=g, logStreamName="s", logEvents=[{"timestamp": now, "message": "order ORD-1001 stored"}, {"timestamp": now + 1, "message": "order ORD-1002 skipped"}])
grp = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"][0]
assert grp["retentionInDays"] == 14 and grp["arn"].endswith(":*"), grp
ev = logs.get_log_events(logGroupName=g, logStreamName="s", startFromHead=True)
assert [x["message"] for x in ev["events"]] == ["order ORD-1001 stored", "order ORD-1002 skipped"], ev
assert ev["nextForwardToken"].startswith("f/"), ev
hits = logs.filter_log_events(logGroupName=g, filterPattern='"ORD-1001 stored"')["events"]
assert [x["message"] for x in hits] == ["order ORD-1001 stored"], hits
try:
    logs.delete_log_group(logGroupName="/nope")
    raise SystemExit("no error")
except logs.exceptions.ResourceNotFoundException:
    pass
try:
    logs.put_retention_policy(logGroupName=g, retentionInDays=2)
    raise SystemExit("no error")
except logs.exceptions.InvalidParameterException:
    pass
`)
}
