package sns

import (
	"testing"

	"github.com/orders-dev/orders/internal/emulator/emutest"
)

const boto3SNS = `
import sys, json, boto3
ep = sys.argv[1]
sns = boto3.client("sns", endpoint_url=ep)
sqs = boto3.client("sqs", endpoint_url=ep)
t = sns.create_topic(Name="peer", Attributes={"DisplayName": "Peer"}, Tags=[{"Key": "orders:stack", "Value": "orders"}])["TopicArn"]
assert t == "arn:aws:sns:us-east-1:000000000000:peer", t
assert sns.create_topic(Name="peer")["TopicArn"] == t
q = sqs.create_queue(QueueName="peer-q")["QueueUrl"]
qarn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
    "Action": "sqs:SendMessage", "Resource": qarn, "Condition": {"ArnEquals": {"aws:SourceArn": t}}}]}
sqs.set_queue_attributes(QueueUrl=q, Attributes={"Policy": json.dumps(policy)})
s = sns.subscribe(TopicArn=t, Protocol="sqs", Endpoint=qarn, ReturnSubscriptionArn=True)["SubscriptionArn"]
assert s.startswith(t + ":"), s
attrs = sns.get_topic_attributes(TopicArn=t)["Attributes"]
assert attrs["SubscriptionsConfirmed"] == "1" and attrs["DisplayName"] == "Peer" and json.loads(attrs["Policy"])["Id"] == "__default_policy_ID", attrs
mid = sns.publish(TopicArn=t, Message="hi", Subject="s", MessageAttributes={"amount": {"DataType": "Number", "StringValue": "250"}})["MessageId"]
m = sqs.receive_message(QueueUrl=q)["Messages"][0]
env = json.loads(m["Body"])
assert env["MessageId"] == mid and env["Message"] == "hi" and env["Subject"] == "s", env
assert env["MessageAttributes"] == {"amount": {"Type": "Number", "Value": "250"}}, env
try:
    sns.get_topic_attributes(TopicArn=t + "x")
    raise SystemExit("NotFound expected")
except sns.exceptions.NotFoundException as e:
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 404, e.response
try:
    sns.publish(TopicArn=t, Message="x", MessageAttributes={"a": {"DataType": "Date", "StringValue": "x"}})
    raise SystemExit("ParameterValueInvalid expected")
except sns.exceptions.InvalidParameterValueException:
    pass
try:
    sns.publish(TopicArn=t, Message="")
    raise SystemExit("InvalidParameter expected")
except sns.exceptions.InvalidParameterException:
    pass
assert [x["TopicArn"] for x in sns.list_topics()["Topics"]] == [t]
assert sns.list_subscriptions()["Subscriptions"][0]["SubscriptionArn"] == s
assert sns.list_subscriptions_by_topic(TopicArn=t)["Subscriptions"][0]["Endpoint"] == qarn
sns.set_subscription_attributes(SubscriptionArn=s, AttributeName="RawMessageDelivery", AttributeValue="true")
assert sns.get_subscription_attributes(SubscriptionArn=s)["Attributes"]["RawMessageDelivery"] == "true"
b = sns.publish_batch(TopicArn=t, PublishBatchRequestEntries=[{"Id": "a", "Message": "one"}, {"Id": "b", "Message": "two", "Subject": "bad\nsubject"}])
assert len(b["Successful"]) == 1 and b["Failed"][0]["Code"] == "InvalidParameter", b
sns.tag_resource(ResourceArn=t, Tags=[{"Key": "a", "Value": "b"}])
sns.untag_resource(ResourceArn=t, TagKeys=["orders:stack"])
assert sns.list_tags_for_resource(ResourceArn=t)["Tags"] == [{"Key": "a", "Value": "b"}]
b = sns.publish_batch(TopicArn=t, PublishBatchRequestEntries=[{"Id": "c", "Message": "three"}])
assert "Failed" not in b and len(b["Successful"]) == 1, b
try:
    sns.publish_batch(TopicArn=t, PublishBatchRequestEntries=[{"Id": "message.id", "Message": "x"}])
    raise SystemExit("InvalidBatchEntryId expected")
except sns.exceptions.InvalidBatchEntryIdException as e:
    assert e.response["Error"]["Message"] == "The Id of a batch entry in the batch request contains an impermissible character: message.id", e.response
# Repeating CreateTopic with a tag the topic carries is the same topic; another value is not.
assert sns.create_topic(Name="peer", Tags=[{"Key": "a", "Value": "b"}])["TopicArn"] == t
try:
    sns.create_topic(Name="peer", Tags=[{"Key": "a", "Value": "c"}])
    raise SystemExit("InvalidParameter expected")
except sns.exceptions.InvalidParameterException as e:
    assert e.response["Error"]["Message"] == "Invalid parameter: Tags Reason: Topic already exists with different tags", e.response
try:
    sns.tag_resource(ResourceArn=t, Tags=[{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}])
    raise SystemExit("InvalidParameter expected")
except sns.exceptions.InvalidParameterException:
    pass
assert sns.subscribe(TopicArn=t, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"}, ReturnSubscriptionArn=True)["SubscriptionArn"] == s
sns.add_permission(TopicArn=t, Label="Cross", AWSAccountId=["111122223333"], ActionName=["Publish"])
st = json.loads(sns.get_topic_attributes(TopicArn=t)["Attributes"]["Policy"])["Statement"]
assert st[-1] == {"Sid": "Cross", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "SNS:Publish", "Resource": t}, st
sns.remove_permission(TopicArn=t, Label="Cross")
assert [x["Sid"] for x in json.loads(sns.get_topic_attributes(TopicArn=t)["Attributes"]["Policy"])["Statement"]] == ["__default_statement_ID"]
pending = sns.subscribe(TopicArn=t, Protocol="email", Endpoint="ops@example.com")["SubscriptionArn"]
assert pending == "pending confirmation", pending
try:
    sns.confirm_subscription(TopicArn=t, Token="not-a-token")
    raise SystemExit("InvalidParameter expected")
except sns.exceptions.InvalidParameterException:
    pass
import threading, http.server
got, arrived = [], threading.Event()
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        got.append((self.headers["x-amz-sns-message-type"], json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
        self.send_response(200); self.end_headers(); arrived.set()
    def log_message(self, *a): pass
hook = http.server.HTTPServer(("127.0.0.1", 0), Hook)
threading.Thread(target=hook.serve_forever, daemon=True).start()
sns.subscribe(TopicArn=t, Protocol="http", Endpoint="http://127.0.0.1:%d/hook" % hook.server_port)
assert arrived.wait(30), "no SubscriptionConfirmation arrived"
kind, conf = got[0]
assert kind == "SubscriptionConfirmation" and conf["Type"] == kind and conf["TopicArn"] == t, got
web = sns.confirm_subscription(TopicArn=t, Token=conf["Token"])["SubscriptionArn"]
assert web.startswith(t + ":") and sns.get_subscription_attributes(SubscriptionArn=web)["Attributes"]["PendingConfirmation"] == "false", web
hook.shutdown()
sns.set_topic_attributes(TopicArn=t, AttributeName="DisplayName", AttributeValue="Other")
sns.unsubscribe(SubscriptionArn=s)
sns.delete_topic(TopicArn=t)
assert sns.list_topics()["Topics"] == []
print("ok")
`

func TestBoto3Peer(t *testing.T) {
	e := newEnv(t)
	if out := emutest.RunBoto3(t, e.url, boto3SNS); out != "ok\n" {
		t.Fatalf("boto3 against the emulator:\n%s", out)
	}
}
