package sqs

import (
	"testing"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
)

const boto3SQS = `
import json, sys, boto3
ep = sys.argv[1]
c = boto3.client("sqs", endpoint_url=ep)
url = c.create_queue(QueueName="peer", Attributes={"VisibilityTimeout": "5"}, tags={"orders:stack": "orders"})["QueueUrl"]
assert url == ep + "/000000000000/peer", url
assert c.create_queue(QueueName="peer", Attributes={"VisibilityTimeout": "5"})["QueueUrl"] == url
try:
    c.create_queue(QueueName="peer", Attributes={"VisibilityTimeout": "6"})
    raise SystemExit("QueueNameExists expected")
except c.exceptions.QueueNameExists:
    pass
sent = c.send_message(QueueUrl=url, MessageBody="hello", MessageAttributes={
    "n": {"DataType": "Number", "StringValue": "1"}, "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}})
got = c.receive_message(QueueUrl=url, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"], WaitTimeSeconds=1)["Messages"]
m = got[0]
assert m["Body"] == "hello" and m["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"], m
assert m["MessageAttributes"]["b"]["BinaryValue"] == b"\x00\x01", m
assert m["Attributes"]["ApproximateReceiveCount"] == "1", m
c.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
m = c.receive_message(QueueUrl=url)["Messages"][0]
c.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
try:
    c.delete_message(QueueUrl=url, ReceiptHandle="garbage")
    raise SystemExit("ReceiptHandleIsInvalid expected")
except c.exceptions.ReceiptHandleIsInvalid:
    pass
try:
    c.get_queue_url(QueueName="missing")
    raise SystemExit("QueueDoesNotExist expected")
except c.exceptions.QueueDoesNotExist as e:
    assert e.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue", e.response
try:
    c.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    raise SystemExit("InvalidParameterValue expected")
except c.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "InvalidParameterValue", e.response
attrs = c.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
assert attrs["VisibilityTimeout"] == "5" and attrs["QueueArn"] == "arn:aws:sqs:us-east-1:000000000000:peer", attrs
b = c.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x"}, {"Id": "b", "MessageBody": "y", "DelaySeconds": 1000}])
assert len(b["Successful"]) == 1 and len(b["Failed"]) == 1, b
assert c.list_queues(QueueNamePrefix="pe")["QueueUrls"] == [url]
c.tag_queue(QueueUrl=url, Tags={"a": "b"})
c.untag_queue(QueueUrl=url, TagKeys=["orders:stack"])
assert c.list_queue_tags(QueueUrl=url)["Tags"] == {"a": "b"}
c.add_permission(QueueUrl=url, Label="Cross", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
pol = json.loads(c.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
assert pol["Statement"] == [{"Sid": "Cross", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
    "Action": "SQS:SendMessage", "Resource": "arn:aws:sqs:us-east-1:000000000000:%s" % url.rsplit("/", 1)[1]}], pol
c.remove_permission(QueueUrl=url, Label="Cross")
assert "Policy" not in c.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"]).get("Attributes", {})
b = c.send_message_batch(QueueUrl=url, Entries=[{"Id": "c", "MessageBody": "z"}])
assert "Failed" not in b, b
try:
    c.create_queue(QueueName="std", Attributes={"FifoQueue": "false"})
    raise SystemExit("InvalidAttributeName expected")
except c.exceptions.InvalidAttributeName:
    pass
c.send_message(QueueUrl="peer", MessageBody="by name", MessageAttributes={"amount": {"DataType": "Number", "StringValue": "1"}})
got = c.receive_message(QueueUrl="peer", MessageAttributeNames=["amount.*"], MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
assert any(m.get("MessageAttributes", {}).get("amount", {}).get("StringValue") == "1" for m in got), got
c.purge_queue(QueueUrl=url)
c.delete_queue(QueueUrl=url)
print("ok")
`

func TestBoto3Peer(t *testing.T) {
	e := start(t, openStore(t, ""), Options{}, dispatch.Options{})
	if out := emutest.RunBoto3(t, e.url, boto3SQS); out != "ok\n" {
		t.Fatalf("boto3 against the emulator:\n%s", out)
	}
}

// boto3QuerySQS drives the emulator with botocore's own awsQuery serializer
// and XML parser: the SQS model is rewritten as it was while SQS spoke
// awsQuery (botocore before 1.34: protocol "query", the locationName and
// flattened traits of its lists and maps), so the client sends what an old
// boto3, aws CLI v1 or Java SDK v1 sends.
const boto3QuerySQS = `
import json, os, sys, tempfile, boto3, botocore.loaders, botocore.session
from botocore.exceptions import ClientError

def query_model(dest):
    m = botocore.loaders.Loader().load_service_model("sqs", "service-2")
    md = m["metadata"]
    md["protocol"] = "query"; md["protocols"] = ["query"]
    for k in ("jsonVersion", "targetPrefix", "awsQueryCompatible"):
        md.pop(k, None)
    md["xmlNamespace"] = "http://queue.amazonaws.com/doc/2012-11-05/"
    for name, op in m["operations"].items():
        if "output" in op:
            op["output"]["resultWrapper"] = name + "Result"
    sh = m["shapes"]
    # The awsQueryError codes (aws-sdk-go-v2/service/sqs/schemas).
    for name, code in {"BatchEntryIdsNotDistinct": "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
                       "BatchRequestTooLong": "AWS.SimpleQueueService.BatchRequestTooLong",
                       "EmptyBatchRequest": "AWS.SimpleQueueService.EmptyBatchRequest",
                       "InvalidBatchEntryId": "AWS.SimpleQueueService.InvalidBatchEntryId",
                       "MessageNotInflight": "AWS.SimpleQueueService.MessageNotInflight",
                       "PurgeQueueInProgress": "AWS.SimpleQueueService.PurgeQueueInProgress",
                       "QueueDeletedRecently": "AWS.SimpleQueueService.QueueDeletedRecently",
                       "QueueDoesNotExist": "AWS.SimpleQueueService.NonExistentQueue",
                       "QueueNameExists": "QueueAlreadyExists",
                       "TooManyEntriesInBatchRequest": "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
                       "UnsupportedOperation": "AWS.SimpleQueueService.UnsupportedOperation"}.items():
        sh[name]["error"] = {"code": code, "httpStatusCode": 400, "senderFault": True}
    names = {"AWSAccountIdList": "AWSAccountId", "ActionNameList": "ActionName", "AttributeNameList": "AttributeName",
             "BinaryList": "BinaryListValue", "StringList": "StringListValue", "MessageSystemAttributeList": "MessageSystemAttributeName",
             "QueueUrlList": "QueueUrl", "TagKeyList": "TagKey"}
    for name, s in sh.items():
        if s["type"] == "list":
            s["member"]["locationName"] = names.get(name, s["member"]["shape"])
    for name in ("QueueAttributeMap", "MessageSystemAttributeMap", "MessageBodyAttributeMap", "MessageBodySystemAttributeMap"):
        sh[name]["key"]["locationName"] = "Name"; sh[name]["value"]["locationName"] = "Value"
    sh["TagMap"]["key"]["locationName"] = "Key"; sh["TagMap"]["value"]["locationName"] = "Value"
    member = {"QueueAttributeMap": "Attribute", "MessageSystemAttributeMap": "Attribute", "MessageBodyAttributeMap": "MessageAttribute",
              "MessageBodySystemAttributeMap": "MessageSystemAttribute", "TagMap": "Tag"}
    for s in sh.values():
        if s["type"] == "structure":
            for mem in s["members"].values():
                if mem["shape"] in member:
                    mem["locationName"] = member[mem["shape"]]
    d = os.path.join(dest, "sqs", "2012-11-05"); os.makedirs(d)
    with open(os.path.join(d, "service-2.json"), "w") as f:
        json.dump(m, f)

ep = sys.argv[1]
data = tempfile.mkdtemp()
query_model(data)
bs = botocore.session.get_session()
bs.get_component("data_loader").search_paths.insert(0, data)
c = boto3.Session(botocore_session=bs).client("sqs", endpoint_url=ep)
assert c.meta.service_model.protocol == "query"
wire = []
c.meta.events.register("before-send.sqs", lambda request, **kw: wire.append(request.body if isinstance(request.body, str) else request.body.decode()))

url = c.create_queue(QueueName="legacy", Attributes={"VisibilityTimeout": "5"}, tags={"orders:stack": "orders"})["QueueUrl"]
assert url == ep + "/000000000000/legacy", url
assert "Action=CreateQueue&Version=2012-11-05" in wire[-1] and "Attribute.1.Name=VisibilityTimeout" in wire[-1], wire[-1]
try:
    c.create_queue(QueueName="legacy", Attributes={"VisibilityTimeout": "6"})
    raise SystemExit("QueueNameExists expected")
except c.exceptions.QueueNameExists as e:
    assert e.response["Error"]["Code"] == "QueueAlreadyExists", e.response
sent = c.send_message(QueueUrl=url, MessageBody="hello", MessageAttributes={
    "amount": {"DataType": "Number", "StringValue": "250"}, "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}},
    MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-5759e988-bd862e3fe1be46a994272793"}})
assert "MessageAttribute.1.Name=" in wire[-1], wire[-1]
got = c.receive_message(QueueUrl=url, MessageAttributeNames=["amount.*", "b"], AttributeNames=["All"], WaitTimeSeconds=1)["Messages"]
m = got[0]
assert m["Body"] == "hello" and m["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"], m
assert m["MessageAttributes"]["b"]["BinaryValue"] == b"\x00\x01" and m["MessageAttributes"]["amount"]["StringValue"] == "250", m
assert m["Attributes"]["ApproximateReceiveCount"] == "1", m
assert m["Attributes"]["AWSTraceHeader"] == "Root=1-5759e988-bd862e3fe1be46a994272793", m
c.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
m = c.receive_message(QueueUrl=url)["Messages"][0]
c.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
try:
    c.get_queue_url(QueueName="missing")
    raise SystemExit("QueueDoesNotExist expected")
except c.exceptions.QueueDoesNotExist as e:
    assert e.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue", e.response
    assert e.response["Error"]["Type"] == "Sender" and e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, e.response
try:
    c.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    raise SystemExit("InvalidParameterValue expected")
except ClientError as e:
    assert e.response["Error"]["Code"] == "InvalidParameterValue", e.response
attrs = c.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
assert attrs["VisibilityTimeout"] == "5" and attrs["QueueArn"] == "arn:aws:sqs:us-east-1:000000000000:legacy", attrs
c.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "0"})
b = c.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x"}, {"Id": "b", "MessageBody": "y", "DelaySeconds": 1000}])
assert len(b["Successful"]) == 1 and len(b["Failed"]) == 1 and b["Failed"][0]["SenderFault"] is True, b
b = c.send_message_batch(QueueUrl=url, Entries=[{"Id": "c", "MessageBody": "z"}])
assert "Failed" not in b, b
got = c.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
while len(got) < 2:
    got += c.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
v = c.change_message_visibility_batch(QueueUrl=url, Entries=[{"Id": "v", "ReceiptHandle": got[0]["ReceiptHandle"], "VisibilityTimeout": 30}])
assert [x["Id"] for x in v["Successful"]] == ["v"] and "Failed" not in v, v
d = c.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": x["ReceiptHandle"]} for i, x in enumerate(got)])
assert len(d["Successful"]) == 2 and "Failed" not in d, d
assert c.receive_message(QueueUrl=url).get("Messages", []) == []
assert c.list_queues(QueueNamePrefix="le")["QueueUrls"] == [url]
assert c.get_queue_url(QueueName="legacy")["QueueUrl"] == url
assert c.list_dead_letter_source_queues(QueueUrl=url).get("queueUrls", []) == []
c.tag_queue(QueueUrl=url, Tags={"a": "b"})
c.untag_queue(QueueUrl=url, TagKeys=["orders:stack"])
assert c.list_queue_tags(QueueUrl=url)["Tags"] == {"a": "b"}
c.add_permission(QueueUrl=url, Label="Cross", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
pol = json.loads(c.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
assert pol["Statement"] == [{"Sid": "Cross", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
    "Action": "SQS:SendMessage", "Resource": "arn:aws:sqs:us-east-1:000000000000:%s" % url.rsplit("/", 1)[1]}], pol
c.remove_permission(QueueUrl=url, Label="Cross")
assert "Policy" not in c.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"]).get("Attributes", {})
c.purge_queue(QueueUrl=url)
c.delete_queue(QueueUrl=url)
print("ok")
`

func TestBoto3QueryProtocolPeer(t *testing.T) {
	e := start(t, openStore(t, ""), Options{}, dispatch.Options{})
	if out := emutest.RunBoto3(t, e.url, boto3QuerySQS); out != "ok\n" {
		t.Fatalf("boto3 (awsQuery) against the emulator:\n%s", out)
	}
}
