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

// boto3FidelityScript pins through botocore the validation, qualifier and
// account-settings answers the SDK tests pin.
const boto3FidelityScript = `
import sys, boto3
c = boto3.client("lambda", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test")
s = c.get_account_settings()
assert s["AccountLimit"] == {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000, "CodeSizeZipped": 52428800,
    "ConcurrentExecutions": 1000, "UnreservedConcurrentExecutions": 1000}, s
assert s["AccountUsage"] == {"TotalCodeSize": 0, "FunctionCount": 0}, s
try:
    c.get_function(FunctionName="bad name!")
    raise SystemExit("bad name accepted")
except c.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "ValidationException", e.response
    assert e.response["Error"]["Message"].startswith("1 validation error detected: Value 'bad name!' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?"), e.response
try:
    c.get_function(FunctionName="fn:1", Qualifier="2")
    raise SystemExit("mismatched qualifier accepted")
except c.exceptions.InvalidParameterValueException as e:
    assert e.response["Error"]["Message"] == "The derived qualifier from the function name does not match the specified qualifier.", e.response
print("OK")
`

func TestBoto3PeerFidelity(t *testing.T) {
	e := newTestEnv(t)
	if out := emutest.RunBoto3(t, e.url, boto3FidelityScript); !strings.HasSuffix(strings.TrimSpace(out), "OK") {
		t.Fatalf("boto3: %s", out)
	}
}
