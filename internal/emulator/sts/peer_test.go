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
