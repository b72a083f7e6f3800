"""boto3 against the emulator's Lambda: argv = endpoint, path of a zip whose
bootstrap is the test function. Prints OK or raises."""
import base64
import json
import sys

import boto3
from botocore.exceptions import ClientError

endpoint, zip_path = sys.argv[1], sys.argv[2]
zip_bytes = open(zip_path, "rb").read()
c = boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test")
role = "arn:aws:iam::000000000000:role/fn-role"
arch = sys.argv[3]


def expect_error(code, fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, (got, e.response)
        assert e.response["Error"]["Message"], e.response
        return e
    raise AssertionError("no %s from %s" % (code, fn.__name__))


cfg = c.create_function(FunctionName="peer", Runtime="provided.al2023", Role=role, Handler="bootstrap",
                        Code={"ZipFile": zip_bytes}, Architectures=[arch], Tags={"orders:stack": "orders"},
                        Environment={"Variables": {"TABLE_NAME": "OrdersTable"}})
# CreateFunction answers Pending; the waiter then sees Active
# (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html).
assert cfg["State"] == "Pending" and cfg["StateReasonCode"] == "Creating" and cfg["Version"] == "$LATEST", cfg
assert cfg["LastModified"].endswith("+0000"), cfg["LastModified"]
c.get_waiter("function_active_v2").wait(FunctionName="peer")
c.get_waiter("function_updated_v2").wait(FunctionName="peer")
got = c.get_function(FunctionName="peer")
assert got["Tags"] == {"orders:stack": "orders"}, got
assert got["Configuration"]["Environment"]["Variables"]["TABLE_NAME"] == "OrdersTable"
names = [f["FunctionName"] for p in c.get_paginator("list_functions").paginate() for f in p["Functions"]]
assert names == ["peer"], names

e = expect_error("ResourceConflictException", c.create_function, FunctionName="peer", Runtime="provided.al2023",
                 Role=role, Handler="bootstrap", Code={"ZipFile": zip_bytes})
e = expect_error("ResourceNotFoundException", c.get_function, FunctionName="missing")
assert "Function not found: arn:aws:lambda:us-east-1:000000000000:function:missing" in e.response["Error"]["Message"]
expect_error("InvalidParameterValueException", c.create_function, FunctionName="bad", Runtime="provided.al2023",
             Role=role, Handler="bootstrap", Code={"ZipFile": b"not a zip"})

out = c.invoke(FunctionName="peer", Payload=json.dumps({"echo": {"OrderId": "ORD-1001", "Amount": 250}}), LogType="Tail")
assert out["StatusCode"] == 200 and "FunctionError" not in out, out
body = json.loads(out["Payload"].read())
assert body["echo"] == {"OrderId": "ORD-1001", "Amount": 250}, body
tail = base64.b64decode(out["LogResult"]).decode()
assert tail.startswith("START RequestId: ") and "REPORT RequestId: " in tail, tail

out = c.invoke(FunctionName="peer", Payload=json.dumps({"action": "error", "message": "bad amount"}))
assert out["FunctionError"] == "Unhandled", out
err = json.loads(out["Payload"].read())
assert err["errorType"] == "OrderError" and err["errorMessage"] == "bad amount", err

assert c.invoke(FunctionName="peer", InvocationType="DryRun")["StatusCode"] == 204
assert c.invoke(FunctionName="peer", InvocationType="Event", Payload=b"{}")["StatusCode"] == 202

arn = cfg["FunctionArn"]
c.tag_resource(Resource=arn, Tags={"a": "1"})
c.untag_resource(Resource=arn, TagKeys=["orders:stack"])
assert c.list_tags(Resource=arn)["Tags"] == {"a": "1"}
up = c.update_function_configuration(FunctionName="peer", Timeout=20, MemorySize=256)
assert up["Timeout"] == 20 and up["RevisionId"] != cfg["RevisionId"]
assert up["State"] == "Active" and up["LastUpdateStatus"] == "InProgress", up
c.get_waiter("function_updated_v2").wait(FunctionName="peer")
up = c.update_function_code(FunctionName="peer", ZipFile=zip_bytes)
assert up["CodeSha256"] == cfg["CodeSha256"]
c.delete_function(FunctionName="peer")
expect_error("ResourceNotFoundException", c.delete_function, FunctionName="peer")
print("OK")
