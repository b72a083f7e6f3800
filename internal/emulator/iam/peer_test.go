package iam

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

// TestPeerBoto3 checks that botocore, an independent client, parses IAM's
// answers: it decodes URL-encoded documents into dicts, maps error codes,
// reads empty lists and timestamps.
func TestPeerBoto3(t *testing.T) {
	e := newEnv(t, dispatch.Options{})
	runPeer(t, e.url, `
import sys, json, boto3, datetime
iam = boto3.client("iam", endpoint_url=sys.argv[1])
assert iam.list_roles()["Roles"] == []
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
role = iam.create_role(RoleName="R", AssumeRolePolicyDocument=json.dumps(trust, indent=2), Tags=[{"Key": "k", "Value": "v"}])["Role"]
assert role["AssumeRolePolicyDocument"] == trust, role["AssumeRolePolicyDocument"]
assert isinstance(role["CreateDate"], datetime.datetime)
doc = {"Version": "2012-10-17", "Statement": [{"Sid": "Put", "Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": "arn:aws:dynamodb:us-east-1:000000000000:table/OrdersTable"}]}
iam.put_role_policy(RoleName="R", PolicyName="fn", PolicyDocument=json.dumps(doc))
assert iam.get_role_policy(RoleName="R", PolicyName="fn")["PolicyDocument"] == doc
try:
    iam.get_role(RoleName="nope")
    raise SystemExit("no error")
except iam.exceptions.NoSuchEntityException as e:
    assert e.response["Error"]["Message"] == "The role with name nope cannot be found.", e.response
try:
    iam.delete_role(RoleName="R")
    raise SystemExit("no error")
except iam.exceptions.DeleteConflictException:
    pass
res = iam.simulate_principal_policy(PolicySourceArn=role["Arn"], ActionNames=["dynamodb:PutItem", "dynamodb:DeleteItem"],
    ResourceArns=["arn:aws:dynamodb:us-east-1:000000000000:table/OrdersTable"])["EvaluationResults"]
assert [r["EvalDecision"] for r in res] == ["allowed", "implicitDeny"], res
assert res[0]["MatchedStatements"][0]["SourcePolicyId"] == "fn", res[0]
pol = iam.create_policy(PolicyName="P", PolicyDocument=json.dumps(doc))["Policy"]
v = iam.get_policy_version(PolicyArn=pol["Arn"], VersionId="v1")["PolicyVersion"]
assert v["Document"] == doc and v["IsDefaultVersion"] is True, v
`)
}
