package iam

import (
	"testing"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
)

// TestPeerBoto3 checks that botocore, an independent client, parses IAM's
// answers: it decodes URL-encoded documents into dicts, maps error codes,
// reads empty lists and timestamps.
func TestPeerBoto3(t *testing.T) {
	e := newEnv(t, dispatch.Options{})
	emutest.RunBoto3(t, e.url, `
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

// TestPeerBoto3Fidelity: botocore sees CreateRole without
// MaxSessionDuration/RoleLastUsed, the invalid-JSON message and
// InvalidInput for a malformed policy ARN, as the Go SDK tests pin.
func TestPeerBoto3Fidelity(t *testing.T) {
	e := newEnv(t, dispatch.Options{})
	emutest.RunBoto3(t, e.url, `
import sys, json, boto3
iam = boto3.client("iam", endpoint_url=sys.argv[1])
trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
role = iam.create_role(RoleName="R", AssumeRolePolicyDocument=trust)["Role"]
assert sorted(role) == ["Arn", "AssumeRolePolicyDocument", "CreateDate", "Path", "RoleId", "RoleName"], role
got = iam.get_role(RoleName="R")["Role"]
assert got["MaxSessionDuration"] == 3600 and got["RoleLastUsed"] == {}, got
try:
    iam.put_role_policy(RoleName="R", PolicyName="p", PolicyDocument='{"Version": "2012-10-17", "Statement": [')
    raise SystemExit("invalid JSON accepted")
except iam.exceptions.MalformedPolicyDocumentException as e:
    assert e.response["Error"]["Message"] == "This policy contains invalid Json", e.response
try:
    iam.attach_role_policy(RoleName="R", PolicyArn="not-an-arn-but-long-enough")
    raise SystemExit("malformed ARN accepted")
except iam.exceptions.InvalidInputException as e:
    assert e.response["Error"]["Message"] == "ARN not-an-arn-but-long-enough is not valid.", e.response
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, e.response
`)
}
