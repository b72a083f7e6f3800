package sqs

import (
	"testing"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
)

const boto3SQS = `
import sys, boto3
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
