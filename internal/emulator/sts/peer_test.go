package sts

import (
	"testing"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
)

// TestPeerBoto3: botocore reads AssumeRole's credentials and signs with
// them; GetCallerIdentity answers as the session.
func TestPeerBoto3(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	emutest.RunBoto3(t, e.url, `
import sys, boto3, datetime
sts = boto3.client("sts", endpoint_url=sys.argv[1])
me = sts.get_caller_identity()
assert me["Arn"] == "arn:aws:iam::000000000000:user/admin" and me["Account"] == "000000000000", me
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

// TestPeerBoto3Validation: botocore sees the same ValidationError (400)
// and session-tag refusals as the Go SDK.
func TestPeerBoto3Validation(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	emutest.RunBoto3(t, e.url, `
import sys, boto3
sts = boto3.client("sts", endpoint_url=sys.argv[1])
def refused(code, status, msg, **kw):
    try:
        sts.assume_role(**kw)
        raise SystemExit("accepted %r" % kw)
    except sts.exceptions.ClientError as e:
        err = e.response["Error"]
        assert err["Code"] == code and e.response["ResponseMetadata"]["HTTPStatusCode"] == status, e.response
        assert err["Message"] == msg, err
# botocore checks lengths itself; patterns it leaves to the service.
refused("ValidationError", 400, "1 validation error detected: Value 'has space' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
        RoleArn="arn:aws:iam::000000000000:role/ProcessOrderFunction-role", RoleSessionName="has space")
refused("InvalidParameterValue", 400, "The specified transitive tag key must be included in the requested tags.",
        RoleArn="arn:aws:iam::000000000000:role/Tagging", RoleSessionName="s1", Tags=[{"Key": "team", "Value": "a"}], TransitiveTagKeys=["project"])
refused("InvalidParameterValue", 400, "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
        RoleArn="arn:aws:iam::000000000000:role/Tagging", RoleSessionName="s1", Tags=[{"Key": "team", "Value": "a"}, {"Key": "TEAM", "Value": "b"}])
out = sts.assume_role(RoleArn="arn:aws:iam::000000000000:role/Tagging", RoleSessionName="s1", Tags=[{"Key": "team", "Value": "a"}], TransitiveTagKeys=["team"])
assert out["AssumedRoleUser"]["Arn"] == "arn:aws:sts::000000000000:assumed-role/Tagging/s1", out
`)
}
