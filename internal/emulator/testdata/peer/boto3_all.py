"""boto3 (AWS's Python SDK) against the orders emulator, for all seven services.

argv: endpoint, path of the ProcessOrderFunction zip, its Lambda architecture.
Every answer goes through botocore's own parsers, so a shape or error code the
emulator gets wrong fails here the way it would fail for a user. Prints "ok"
as its last line, or raises.
"""
import base64
import hashlib
import json
import sys
import time
import urllib.parse

import boto3
from botocore.exceptions import ClientError

endpoint, zip_path, arch = sys.argv[1], sys.argv[2], sys.argv[3]
REGION = "us-east-1"
ACCOUNT = "000000000000"


def client(name):
    return boto3.client(name, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id="test", aws_secret_access_key="test")


def expect(code, fn, status=None, **kw):
    """Call fn(**kw), which must fail with error code `code` (and HTTP status)."""
    try:
        fn(**kw)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, ("%s: want %s, got %s" % (fn.__name__, code, got), e.response)
        assert e.response["Error"].get("Message"), ("%s: empty message" % fn.__name__, e.response)
        if status is not None:
            got_status = e.response["ResponseMetadata"]["HTTPStatusCode"]
            assert got_status == status, ("%s: want HTTP %d, got %d" % (fn.__name__, status, got_status), e.response)
        return e
    raise AssertionError("%s: no %s" % (fn.__name__, code))


def step(name):
    print("--", name, flush=True)


# ---------------------------------------------------------------- STS
step("sts")
sts = client("sts")
me = sts.get_caller_identity()
assert me["Account"] == ACCOUNT and me["Arn"].startswith("arn:aws:iam::" + ACCOUNT + ":"), me

# ---------------------------------------------------------------- IAM
step("iam")
iam = client("iam")
trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                  "Action": "sts:AssumeRole"}]}
role = iam.create_role(RoleName="ProcessOrderFunction-role", AssumeRolePolicyDocument=json.dumps(trust),
                       Description="peer", Tags=[{"Key": "orders:stack", "Value": "orders"}])["Role"]
role_arn = role["Arn"]
assert role_arn == "arn:aws:iam::%s:role/ProcessOrderFunction-role" % ACCOUNT, role
assert role["RoleId"].startswith("AROA") and len(role["RoleId"]) == 21, role
assert role["Path"] == "/" and role["CreateDate"].year >= 2024, role
expect("EntityAlreadyExists", iam.create_role, status=409, RoleName="ProcessOrderFunction-role",
       AssumeRolePolicyDocument=json.dumps(trust))
expect("MalformedPolicyDocument", iam.create_role, status=400, RoleName="bad", AssumeRolePolicyDocument="{not json")
expect("NoSuchEntity", iam.get_role, status=404, RoleName="missing")
got = iam.get_role(RoleName="ProcessOrderFunction-role")["Role"]
# botocore decodes the URL-encoded document into a dict.
assert got["AssumeRolePolicyDocument"] == trust, got
assert {"Key": "orders:stack", "Value": "orders"} in got.get("Tags", []), got
assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == ["ProcessOrderFunction-role"]

# A condition value with a '%' tells an encoded document from a raw one: if
# IAM sent it raw, botocore's unquote would turn "%41" into "A".
fn_policy = {"Version": "2012-10-17", "Statement": [
    {"Sid": "StoreOrders", "Effect": "Allow", "Action": ["dynamodb:PutItem"],
     "Resource": ["arn:aws:dynamodb:%s:%s:table/OrdersTable" % (REGION, ACCOUNT)]},
    {"Sid": "NotifyHighValueOrders", "Effect": "Allow", "Action": ["sns:Publish"],
     "Resource": ["arn:aws:sns:%s:%s:HighValueOrderTopic" % (REGION, ACCOUNT)]},
    {"Sid": "WriteOwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
     "Resource": ["arn:aws:logs:%s:%s:log-group:/aws/lambda/ProcessOrderFunction:*" % (REGION, ACCOUNT)]},
]}
odd_policy = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
     "Condition": {"StringLike": {"s3:prefix": ["x%41y & z+1 ?=/"]}}}]}
raw_bodies = []
iam.meta.events.register("after-call.iam.GetRolePolicy",
                         lambda http_response, **kw: raw_bodies.append(http_response.text))
iam.put_role_policy(RoleName="ProcessOrderFunction-role", PolicyName="ProcessOrderFunction-policy",
                    PolicyDocument=json.dumps(fn_policy))
iam.put_role_policy(RoleName="ProcessOrderFunction-role", PolicyName="odd", PolicyDocument=json.dumps(odd_policy))
expect("MalformedPolicyDocument", iam.put_role_policy, status=400, RoleName="ProcessOrderFunction-role",
       PolicyName="bad", PolicyDocument=json.dumps({"Statement": [{"Effect": "Maybe"}]}))
got = iam.get_role_policy(RoleName="ProcessOrderFunction-role", PolicyName="odd")
assert got["PolicyDocument"] == odd_policy, got["PolicyDocument"]
raw = raw_bodies[-1]
assert "<PolicyDocument>%7B" in raw, raw  # URL-encoded on the wire, as IAM sends it
doc = raw.split("<PolicyDocument>")[1].split("</PolicyDocument>")[0]
assert json.loads(urllib.parse.unquote(doc)) == odd_policy, doc
assert sorted(iam.list_role_policies(RoleName="ProcessOrderFunction-role")["PolicyNames"]) == \
    ["ProcessOrderFunction-policy", "odd"]
iam.delete_role_policy(RoleName="ProcessOrderFunction-role", PolicyName="odd")
expect("NoSuchEntity", iam.get_role_policy, status=404, RoleName="ProcessOrderFunction-role", PolicyName="odd")
iam.update_assume_role_policy(RoleName="ProcessOrderFunction-role", PolicyDocument=json.dumps(trust))
iam.tag_role(RoleName="ProcessOrderFunction-role", Tags=[{"Key": "k", "Value": "v"}])

pol = iam.create_policy(PolicyName="extra", PolicyDocument=json.dumps(odd_policy))["Policy"]
assert pol["Arn"] == "arn:aws:iam::%s:policy/extra" % ACCOUNT and pol["DefaultVersionId"] == "v1", pol
assert iam.get_policy(PolicyArn=pol["Arn"])["Policy"]["PolicyName"] == "extra"
ver = iam.get_policy_version(PolicyArn=pol["Arn"], VersionId="v1")["PolicyVersion"]
assert ver["Document"] == odd_policy and ver["IsDefaultVersion"], ver
expect("NoSuchEntity", iam.get_policy, status=404, PolicyArn="arn:aws:iam::%s:policy/missing" % ACCOUNT)
iam.attach_role_policy(RoleName="ProcessOrderFunction-role", PolicyArn=pol["Arn"])
att = iam.list_attached_role_policies(RoleName="ProcessOrderFunction-role")["AttachedPolicies"]
assert att == [{"PolicyName": "extra", "PolicyArn": pol["Arn"]}], att
expect("DeleteConflict", iam.delete_policy, status=409, PolicyArn=pol["Arn"])

# A role with policies left cannot be deleted.
iam.create_role(RoleName="scratch", AssumeRolePolicyDocument=json.dumps(trust))
iam.put_role_policy(RoleName="scratch", PolicyName="p", PolicyDocument=json.dumps(odd_policy))
expect("DeleteConflict", iam.delete_role, status=409, RoleName="scratch")
iam.delete_role_policy(RoleName="scratch", PolicyName="p")
iam.delete_role(RoleName="scratch")
expect("NoSuchEntity", iam.delete_role, status=404, RoleName="scratch")
iam.detach_role_policy(RoleName="ProcessOrderFunction-role", PolicyArn=pol["Arn"])
iam.delete_policy(PolicyArn=pol["Arn"])

# STS AssumeRole checks the trust policy for every caller: the pipeline's role
# trusts only lambda.amazonaws.com, so the administrator cannot assume it
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage-assume.html);
# a role trusting the account issues credentials bound to the role.
expect("AccessDenied", sts.assume_role, status=403, RoleArn=role_arn, RoleSessionName="peer")
account_trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
                 "Action": "sts:AssumeRole"}]}
peer_role = iam.create_role(RoleName="peer-assumable", AssumeRolePolicyDocument=json.dumps(account_trust))["Role"]
creds = sts.assume_role(RoleArn=peer_role["Arn"], RoleSessionName="peer")
assert creds["AssumedRoleUser"]["Arn"] == "arn:aws:sts::%s:assumed-role/peer-assumable/peer" % ACCOUNT, creds
c = creds["Credentials"]
assert c["AccessKeyId"].startswith("ASIA") and c["SessionToken"], c
as_role = boto3.client("sts", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=c["AccessKeyId"],
                       aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
assert as_role.get_caller_identity()["Arn"] == creds["AssumedRoleUser"]["Arn"]

# ---------------------------------------------------------------- DynamoDB
step("dynamodb")
ddb = client("dynamodb")
table = ddb.create_table(TableName="OrdersTable", BillingMode="PAY_PER_REQUEST",
                         AttributeDefinitions=[{"AttributeName": "OrderId", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "OrderId", "KeyType": "HASH"}],
                         Tags=[{"Key": "orders:stack", "Value": "orders"}])["TableDescription"]
table_arn = table["TableArn"]
assert table_arn == "arn:aws:dynamodb:%s:%s:table/OrdersTable" % (REGION, ACCOUNT), table
ddb.get_waiter("table_exists").wait(TableName="OrdersTable", WaiterConfig={"Delay": 1, "MaxAttempts": 3})
desc = ddb.describe_table(TableName="OrdersTable")["Table"]
assert desc["TableStatus"] == "ACTIVE" and desc["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST", desc
expect("ResourceInUseException", ddb.create_table, status=400, TableName="OrdersTable", BillingMode="PAY_PER_REQUEST",
       AttributeDefinitions=[{"AttributeName": "OrderId", "AttributeType": "S"}],
       KeySchema=[{"AttributeName": "OrderId", "KeyType": "HASH"}])
expect("ResourceNotFoundException", ddb.describe_table, status=400, TableName="Missing")
assert ddb.list_tables()["TableNames"] == ["OrdersTable"]
ddb.update_table(TableName="OrdersTable", BillingMode="PAY_PER_REQUEST")
ddb.tag_resource(ResourceArn=table_arn, Tags=[{"Key": "a", "Value": "1"}])
ddb.untag_resource(ResourceArn=table_arn, TagKeys=["a"])
assert ddb.list_tags_of_resource(ResourceArn=table_arn)["Tags"] == [{"Key": "orders:stack", "Value": "orders"}]

every_type = {
    "OrderId": {"S": "types"}, "n": {"N": "12345678901234567890.123456789"}, "b": {"B": b"\x00\xff"},
    "t": {"BOOL": True}, "z": {"NULL": True}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]},
    "bs": {"BS": [b"\x01", b"\x02"]}, "l": {"L": [{"S": "x"}, {"N": "1"}]}, "m": {"M": {"k": {"S": "v"}}},
}
ddb.put_item(TableName="OrdersTable", Item=every_type)
got = ddb.get_item(TableName="OrdersTable", Key={"OrderId": {"S": "types"}}, ConsistentRead=True)["Item"]
assert got["n"] == {"N": "12345678901234567890.123456789"}, got  # exact decimal, no float
assert got["b"] == {"B": b"\x00\xff"} and sorted(got["ss"]["SS"]) == ["a", "b"], got
assert sorted(got["bs"]["BS"]) == [b"\x01", b"\x02"] and got["m"] == every_type["m"], got
assert got["l"] == every_type["l"] and got["z"] == {"NULL": True} and got["t"] == {"BOOL": True}, got

# The cases AWS rejects: wrong key type, missing key, empty key, 400 KB.
e = expect("ValidationException", ddb.put_item, status=400, TableName="OrdersTable", Item={"OrderId": {"N": "1"}})
assert "Type mismatch" in e.response["Error"]["Message"], e.response
expect("ValidationException", ddb.get_item, status=400, TableName="OrdersTable", Key={"OrderId": {"N": "1"}})
expect("ValidationException", ddb.put_item, status=400, TableName="OrdersTable", Item={"Amount": {"N": "1"}})
expect("ValidationException", ddb.put_item, status=400, TableName="OrdersTable", Item={"OrderId": {"S": ""}})
expect("ValidationException", ddb.put_item, status=400, TableName="OrdersTable",
       Item={"OrderId": {"S": "big"}, "blob": {"S": "x" * (400 * 1024)}})
expect("ResourceNotFoundException", ddb.put_item, status=400, TableName="Missing", Item={"OrderId": {"S": "x"}})

# Conditional writes, as the function does them.
ddb.put_item(TableName="OrdersTable", Item={"OrderId": {"S": "ORD-1"}, "Amount": {"N": "250"}, "Status": {"S": "NEW"}},
             ConditionExpression="attribute_not_exists(OrderId)")
e = expect("ConditionalCheckFailedException", ddb.put_item, status=400, TableName="OrdersTable",
           Item={"OrderId": {"S": "ORD-1"}, "Amount": {"N": "1"}}, ConditionExpression="attribute_not_exists(OrderId)",
           ReturnValuesOnConditionCheckFailure="ALL_OLD")
assert e.response["Item"]["Amount"] == {"N": "250"}, e.response
old = ddb.put_item(TableName="OrdersTable", ReturnValues="ALL_OLD",
                   Item={"OrderId": {"S": "ORD-1"}, "Amount": {"N": "250"}, "Status": {"S": "DONE"}},
                   ConditionExpression="(#s = :new OR #s = :pending) AND NOT (Amount <> :a) AND attribute_exists(OrderId)",
                   ExpressionAttributeNames={"#s": "Status"},
                   ExpressionAttributeValues={":new": {"S": "NEW"}, ":pending": {"S": "PENDING"}, ":a": {"N": "250.00"}})
assert old["Attributes"]["Status"] == {"S": "NEW"}, old
up = ddb.update_item(TableName="OrdersTable", Key={"OrderId": {"S": "ORD-1"}},
                     UpdateExpression="SET Note = :n ADD Hits :one, Tags :t REMOVE #s",
                     ExpressionAttributeNames={"#s": "Status"},
                     ExpressionAttributeValues={":n": {"S": "hi"}, ":one": {"N": "1"}, ":t": {"SS": ["x"]}},
                     ReturnValues="ALL_NEW")["Attributes"]
assert up["Note"] == {"S": "hi"} and up["Hits"] == {"N": "1"} and "Status" not in up and up["Tags"] == {"SS": ["x"]}, up
deleted = ddb.delete_item(TableName="OrdersTable", Key={"OrderId": {"S": "ORD-1"}}, ReturnValues="ALL_OLD")
assert deleted["Attributes"]["Note"] == {"S": "hi"}, deleted
assert "Item" not in ddb.get_item(TableName="OrdersTable", Key={"OrderId": {"S": "ORD-1"}})

ddb.batch_write_item(RequestItems={"OrdersTable": [
    {"PutRequest": {"Item": {"OrderId": {"S": "B-%02d" % i}, "Amount": {"N": str(i)}}}} for i in range(25)]})
ddb.batch_write_item(RequestItems={"OrdersTable": [{"DeleteRequest": {"Key": {"OrderId": {"S": "types"}}}}]})
q = ddb.query(TableName="OrdersTable", KeyConditionExpression="OrderId = :id",
              ExpressionAttributeValues={":id": {"S": "B-07"}})
assert q["Count"] == 1 and q["Items"][0]["Amount"] == {"N": "7"}, q
seen, start = [], None
while True:
    kw = {"TableName": "OrdersTable", "Limit": 10}
    if start:
        kw["ExclusiveStartKey"] = start
    page = ddb.scan(**kw)
    assert page["Count"] <= 10, page
    seen += [it["OrderId"]["S"] for it in page["Items"]]
    start = page.get("LastEvaluatedKey")
    if not start:
        break
assert sorted(seen) == ["B-%02d" % i for i in range(25)], seen

# ---------------------------------------------------------------- SQS
step("sqs")
sqs = client("sqs")
dlq_url = sqs.create_queue(QueueName="dlq")["QueueUrl"]
dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
url = sqs.create_queue(QueueName="HighValueQueue", Attributes={"SqsManagedSseEnabled": "true"},
                       tags={"orders:stack": "orders"})["QueueUrl"]
assert url == "%s/%s/HighValueQueue" % (endpoint, ACCOUNT), url
assert sqs.create_queue(QueueName="HighValueQueue", Attributes={"SqsManagedSseEnabled": "true"})["QueueUrl"] == url
expect("QueueAlreadyExists", sqs.create_queue, status=400, QueueName="HighValueQueue",
       Attributes={"VisibilityTimeout": "7"})
e = expect("AWS.SimpleQueueService.NonExistentQueue", sqs.get_queue_url, status=400, QueueName="missing")
assert isinstance(e, sqs.exceptions.QueueDoesNotExist), type(e)
assert sqs.get_queue_url(QueueName="HighValueQueue")["QueueUrl"] == url
queue_arn = "arn:aws:sqs:%s:%s:HighValueQueue" % (REGION, ACCOUNT)
topic_arn = "arn:aws:sns:%s:%s:HighValueOrderTopic" % (REGION, ACCOUNT)
queue_policy = {"Version": "2012-10-17", "Statement": [{
    "Sid": "TopicSendsToQueue", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
    "Action": "sqs:SendMessage", "Resource": queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}}]}
sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(queue_policy), "VisibilityTimeout": "30",
                                                   "MessageRetentionPeriod": "86400"})
attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
assert attrs["QueueArn"] == queue_arn and attrs["SqsManagedSseEnabled"] == "true", attrs
assert json.loads(attrs["Policy"]) == queue_policy and attrs["MessageRetentionPeriod"] == "86400", attrs
for k in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "CreatedTimestamp"):
    assert k in attrs, (k, attrs)

sent = sqs.send_message(QueueUrl=url, MessageBody="héllo ✓", MessageAttributes={
    "amount": {"DataType": "Number", "StringValue": "250"},
    "raw": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}})
# botocore already checked MD5OfMessageBody and MD5OfMessageAttributes; check again by hand.
assert sent["MD5OfMessageBody"] == hashlib.md5("héllo ✓".encode()).hexdigest(), sent
got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"],
                          WaitTimeSeconds=1, VisibilityTimeout=5)["Messages"]
assert len(got) == 1, got
m = got[0]
assert m["Body"] == "héllo ✓" and m["MD5OfBody"] == sent["MD5OfMessageBody"], m
assert m["MessageId"] == sent["MessageId"] and m["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"], m
assert m["MessageAttributes"]["amount"] == {"DataType": "Number", "StringValue": "250"}, m
assert m["Attributes"]["ApproximateReceiveCount"] == "1" and int(m["Attributes"]["SentTimestamp"]) > 0, m
t0 = time.time()
assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []) == []  # in flight
assert time.time() - t0 >= 0.9, "long poll returned at once"
sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
m = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["ApproximateReceiveCount"])["Messages"][0]
assert m["Attributes"]["ApproximateReceiveCount"] == "2", m
sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
expect("ReceiptHandleIsInvalid", sqs.delete_message, QueueUrl=url, ReceiptHandle="garbage")
expect("InvalidParameterValue", sqs.receive_message, status=400, QueueUrl=url, MaxNumberOfMessages=11)
b = sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x"}, {"Id": "b", "MessageBody": "y"}])
assert sorted(s["Id"] for s in b["Successful"]) == ["a", "b"] and not b.get("Failed"), b
msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
while len(msgs) < 2:
    msgs += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
d = sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": x["ReceiptHandle"]}
                                                   for i, x in enumerate(msgs)])
assert len(d["Successful"]) == 2 and not d.get("Failed"), d

# Redrive: after maxReceiveCount receives the message moves to the DLQ.
work = sqs.create_queue(QueueName="work", Attributes={"RedrivePolicy": json.dumps(
    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "1"})})["QueueUrl"]
sqs.send_message(QueueUrl=work, MessageBody="poison")
m = sqs.receive_message(QueueUrl=work, WaitTimeSeconds=1)["Messages"][0]
sqs.change_message_visibility(QueueUrl=work, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
assert sqs.receive_message(QueueUrl=work, WaitTimeSeconds=1).get("Messages", []) == []
dead = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1)["Messages"]
assert [x["Body"] for x in dead] == ["poison"], dead
sqs.purge_queue(QueueUrl=work)
sqs.delete_queue(QueueUrl=work)
sqs.tag_queue(QueueUrl=url, Tags={"a": "1"})
sqs.untag_queue(QueueUrl=url, TagKeys=["a"])
assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"orders:stack": "orders"}
assert sorted(sqs.list_queues()["QueueUrls"]) == sorted([url, dlq_url]), sqs.list_queues()

# ---------------------------------------------------------------- SNS
step("sns")
sns = client("sns")
arn = sns.create_topic(Name="HighValueOrderTopic", Tags=[{"Key": "orders:stack", "Value": "orders"}])["TopicArn"]
assert arn == topic_arn, arn
assert sns.create_topic(Name="HighValueOrderTopic")["TopicArn"] == arn
assert topic_arn in [t["TopicArn"] for t in sns.list_topics()["Topics"]]
tattrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
assert tattrs["TopicArn"] == arn and tattrs["Owner"] == ACCOUNT and json.loads(tattrs["Policy"]), tattrs
sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="orders")
assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["DisplayName"] == "orders"
expect("NotFound", sns.get_topic_attributes, status=404, TopicArn=topic_arn + "-missing")
expect("InvalidParameter", sns.create_topic, status=400, Name="bad name!")
sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"}])
assert {"Key": "a", "Value": "1"} in sns.list_tags_for_resource(ResourceArn=arn)["Tags"]

sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True)["SubscriptionArn"]
assert sub.startswith(arn + ":"), sub
assert sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue_arn,
                     ReturnSubscriptionArn=True)["SubscriptionArn"] == sub  # not duplicated
subs = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
assert [(s["SubscriptionArn"], s["Protocol"], s["Endpoint"]) for s in subs] == [(sub, "sqs", queue_arn)], subs
sattrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
assert sattrs["RawMessageDelivery"] == "false" and sattrs["Endpoint"] == queue_arn, sattrs

pub = sns.publish(TopicArn=arn, Message='{"OrderId":"ORD-9"}', Subject="High-value order",
                  MessageAttributes={"amount": {"DataType": "Number", "StringValue": "250"}})
m = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)["Messages"][0]
env = json.loads(m["Body"])
for k in ("Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion", "Signature",
          "SigningCertURL", "UnsubscribeURL", "MessageAttributes"):
    assert k in env, (k, env)
assert env["Type"] == "Notification" and env["MessageId"] == pub["MessageId"] and env["TopicArn"] == arn, env
assert env["Message"] == '{"OrderId":"ORD-9"}' and env["Subject"] == "High-value order", env
assert env["MessageAttributes"] == {"amount": {"Type": "Number", "Value": "250"}}, env
assert env["Timestamp"].endswith("Z") and env["SignatureVersion"] == "1", env
assert base64.b64decode(env["Signature"]), env
sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])

# No Subject, no attributes: neither key is in the envelope.
sns.publish(TopicArn=arn, Message="plain")
m = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)["Messages"][0]
env = json.loads(m["Body"])
assert "Subject" not in env and "MessageAttributes" not in env and env["Message"] == "plain", env
sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])

# Raw delivery with a filter policy on message attributes.
raw_url = sqs.create_queue(QueueName="raw")["QueueUrl"]
raw_arn = "arn:aws:sqs:%s:%s:raw" % (REGION, ACCOUNT)
sqs.set_queue_attributes(QueueUrl=raw_url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
    "Resource": raw_arn, "Condition": {"ArnEquals": {"aws:SourceArn": arn}}}]})})
raw_sub = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=raw_arn, ReturnSubscriptionArn=True,
                        Attributes={"RawMessageDelivery": "true"})["SubscriptionArn"]
sns.set_subscription_attributes(SubscriptionArn=raw_sub, AttributeName="FilterPolicy",
                                AttributeValue=json.dumps({"amount": [{"numeric": [">", 100]}]}))
r = sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[
    {"Id": "low", "Message": "low", "MessageAttributes": {"amount": {"DataType": "Number", "StringValue": "5"}}},
    {"Id": "high", "Message": "high", "MessageAttributes": {"amount": {"DataType": "Number", "StringValue": "500"}}}])
assert sorted(s["Id"] for s in r["Successful"]) == ["high", "low"] and not r.get("Failed"), r
got = sqs.receive_message(QueueUrl=raw_url, WaitTimeSeconds=2, MaxNumberOfMessages=10,
                          MessageAttributeNames=["All"])["Messages"]
assert [x["Body"] for x in got] == ["high"], got
assert got[0]["MessageAttributes"]["amount"] == {"DataType": "Number", "StringValue": "500"}, got
sns.unsubscribe(SubscriptionArn=raw_sub)
expect("NotFound", sns.get_subscription_attributes, status=404, SubscriptionArn=raw_sub)
sqs.delete_queue(QueueUrl=raw_url)
# Drain the two envelopes the batch put on HighValueQueue.
drained = 0
while drained < 2:
    for x in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, MaxNumberOfMessages=10).get("Messages", []):
        sqs.delete_message(QueueUrl=url, ReceiptHandle=x["ReceiptHandle"])
        drained += 1

# ---------------------------------------------------------------- CloudWatch Logs
step("logs")
logs = client("logs")
group = "/aws/lambda/ProcessOrderFunction"
logs.create_log_group(logGroupName=group, tags={"orders:stack": "orders"})
expect("ResourceAlreadyExistsException", logs.create_log_group, status=400, logGroupName=group)
logs.put_retention_policy(logGroupName=group, retentionInDays=14)
expect("InvalidParameterException", logs.put_retention_policy, status=400, logGroupName=group, retentionInDays=15)
g = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
assert len(g) == 1 and g[0]["retentionInDays"] == 14 and g[0]["arn"].endswith(":log-group:%s:*" % group), g
assert logs.list_tags_log_group(logGroupName=group)["tags"] == {"orders:stack": "orders"}
logs.create_log_stream(logGroupName=group, logStreamName="manual")
expect("ResourceNotFoundException", logs.create_log_stream, status=400, logGroupName="/missing", logStreamName="s")
now = int(time.time() * 1000)
logs.put_log_events(logGroupName=group, logStreamName="manual", logEvents=[
    {"timestamp": now, "message": "order ORD-1 stored"},
    {"timestamp": now + 1, "message": "order ORD-2 notified high value"}])
ev = logs.get_log_events(logGroupName=group, logStreamName="manual", startFromHead=True)["events"]
assert [e["message"] for e in ev] == ["order ORD-1 stored", "order ORD-2 notified high value"], ev
f = logs.filter_log_events(logGroupName=group, filterPattern='"notified high"')["events"]
assert [e["message"] for e in f] == ["order ORD-2 notified high value"], f
f = logs.filter_log_events(logGroupName=group, filterPattern="order stored")["events"]
assert [e["message"] for e in f] == ["order ORD-1 stored"], f
streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
assert [s["logStreamName"] for s in streams] == ["manual"], streams

# ---------------------------------------------------------------- Lambda, the real function
step("lambda")
lam = client("lambda")
zip_bytes = open(zip_path, "rb").read()
fn = lam.create_function(FunctionName="ProcessOrderFunction", Runtime="provided.al2023", Role=role_arn,
                         Handler="bootstrap", Code={"ZipFile": zip_bytes}, Architectures=[arch], Timeout=10,
                         MemorySize=128, Tags={"orders:stack": "orders"},
                         Environment={"Variables": {"TABLE_NAME": "OrdersTable", "TOPIC_ARN": topic_arn,
                                                    "THRESHOLD": "100"}})
assert fn["CodeSha256"] == base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode(), fn
# Lambda answers CreateFunction with the function Pending; the waiter sees
# it Active (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html).
assert fn["State"] == "Pending" and fn["FunctionArn"] == "arn:aws:lambda:%s:%s:function:ProcessOrderFunction" % (
    REGION, ACCOUNT), fn
lam.get_waiter("function_active_v2").wait(FunctionName="ProcessOrderFunction")
got = lam.get_function(FunctionName="ProcessOrderFunction")
assert got["Configuration"]["State"] == "Active", got
assert got["Configuration"]["Environment"]["Variables"]["TOPIC_ARN"] == topic_arn, got
assert got["Tags"] == {"orders:stack": "orders"}, got
expect("ResourceNotFoundException", lam.get_function, status=404, FunctionName="Missing")

out = lam.invoke(FunctionName="ProcessOrderFunction", Payload=json.dumps({"OrderId": "ORD-1001", "Amount": 250}),
                 LogType="Tail")
body = json.loads(out["Payload"].read())
assert out["StatusCode"] == 200 and "FunctionError" not in out, (out, body)
assert body["OrderId"] == "ORD-1001" and body["Stored"] and body["Notified"] and body["MessageId"], body
tail = base64.b64decode(out["LogResult"]).decode()
assert "START RequestId:" in tail and "REPORT RequestId:" in tail, tail
item = ddb.get_item(TableName="OrdersTable", Key={"OrderId": {"S": "ORD-1001"}})["Item"]
assert item["Amount"] == {"N": "250"} and item["Status"]["S"] == "NOTIFIED", item
m = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2)["Messages"][0]
env = json.loads(m["Body"])
assert env["MessageId"] == body["MessageId"] and json.loads(env["Message"])["OrderId"] == "ORD-1001", env

out = lam.invoke(FunctionName="ProcessOrderFunction", Payload=json.dumps({"OrderId": "", "Amount": -3}))
err = json.loads(out["Payload"].read())
assert out["StatusCode"] == 200 and out["FunctionError"] == "Unhandled", (out, err)
assert err["errorType"] == "ValidationError" and err["errorMessage"], err
assert lam.invoke(FunctionName="ProcessOrderFunction", InvocationType="DryRun")["StatusCode"] == 204

# The function's own lines reached CloudWatch Logs with Lambda's START/END/REPORT.
msgs = []
for _ in range(50):
    msgs = [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]]
    if any("ORD-1001" in x for x in msgs) and any(x.startswith("REPORT RequestId:") for x in msgs):
        break
    time.sleep(0.1)
assert any("ORD-1001" in x for x in msgs) and any(x.startswith("END RequestId:") for x in msgs), msgs

lam.delete_function(FunctionName="ProcessOrderFunction")
expect("ResourceNotFoundException", lam.delete_function, status=404, FunctionName="ProcessOrderFunction")

# ---------------------------------------------------------------- teardown, in destroy's order
step("teardown")
sns.unsubscribe(SubscriptionArn=sub)
sns.delete_topic(TopicArn=arn)
expect("NotFound", sns.get_topic_attributes, status=404, TopicArn=arn)
logs.delete_log_group(logGroupName=group)
expect("ResourceNotFoundException", logs.delete_log_group, status=400, logGroupName=group)
iam.delete_role_policy(RoleName="ProcessOrderFunction-role", PolicyName="ProcessOrderFunction-policy")
iam.delete_role(RoleName="ProcessOrderFunction-role")
sqs.delete_queue(QueueUrl=url)
sqs.delete_queue(QueueUrl=dlq_url)
expect("AWS.SimpleQueueService.NonExistentQueue", sqs.get_queue_attributes, QueueUrl=url)
ddb.delete_table(TableName="OrdersTable")
ddb.get_waiter("table_not_exists").wait(TableName="OrdersTable", WaiterConfig={"Delay": 1, "MaxAttempts": 3})
assert ddb.list_tables()["TableNames"] == []
print("ok")
