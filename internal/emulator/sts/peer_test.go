package sts

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

// TestPeerBoto3: botocore reads AssumeRole's credentials and signs with
// them; GetCallerIdentity answers as the session.
func TestPeerBoto3(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	runPeer(t, e.url, `
import sys, boto3, datetime
sts = boto3.client("sts", endpoint_url=sys.argv[1])
me = sts.get_caller_identity()
assert me["Arn"] == "arn:aws:iam::000000000000:root" and me["Account"] == "000000000000", me
out = sts.assume_role(RoleArn="arn:aws:iam::000000000000:role/Assumable", RoleSessionName="peer", DurationSeconds=900)
c = out["Credentials"]
assert c["AccessKeyId"].startswith("ASIA") and isinstance(c["Expiration"], datetime.datetime), c
s = boto3.client("sts", endpoint_url=sys.argv[1], aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
who = s.get_caller_identity()
assert who["Arn"] == "arn:aws:sts::000000000000:assumed-role/Assumable/peer", who
assert who["UserId"] == "AROABBBBBBBBBBBBBBBBB:peer", who
try:
    sts.assume_role(RoleArn="arn:aws:iam::000000000000:role/Missing", RoleSessionName="x1")
    raise SystemExit("no error")
except sts.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "AccessDenied", e.response
`)
}
