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
