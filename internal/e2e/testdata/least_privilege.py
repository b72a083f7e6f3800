"""boto3's view of a deployed orders stack in the emulator: least privilege,
as an independent client sees it.

Run by TestBoto3LeastPrivilege with AWS_ENDPOINT_URL, administrator keys,
the region and a session of the function's role (ROLE_ACCESS_KEY_ID,
ROLE_SECRET_ACCESS_KEY, ROLE_SESSION_TOKEN) in the environment, and the
stack's ARNs as arguments. It makes the
calls and prints what AWS answered, one JSON document; the Go test judges it.
"""

import json
import os
import sys

import boto3
from botocore.exceptions import ClientError

role_arn, table_arn, topic_arn, queue_name = sys.argv[1:5]
role_name = role_arn.rsplit("/", 1)[1]
policy_name = role_name[: -len("-role")] + "-policy"
other_table_arn = table_arn.rsplit("/", 1)[0] + "/SomeOtherTable"

iam = boto3.client("iam")
sts = boto3.client("sts")
sns = boto3.client("sns")
sqs = boto3.client("sqs")
out = {}


def error_of(call):
    """Runs call; returns None on success, else AWS's error code and message."""
    try:
        call()
        return None
    except ClientError as e:
        return {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"],
                "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}


def drain(url):
    """Receives and deletes every message in the queue; returns their SNS Message bodies."""
    bodies = []
    while True:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not msgs:
            return bodies
        for m in msgs:
            bodies.append(json.loads(m["Body"]).get("Message"))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


# Simulation of the role's policies, as verify does on any endpoint.
out["simulate"] = []
for action, resource in [("dynamodb:PutItem", table_arn), ("dynamodb:DeleteItem", table_arn),
                         ("dynamodb:PutItem", other_table_arn)]:
    r = iam.simulate_principal_policy(PolicySourceArn=role_arn, ActionNames=[action], ResourceArns=[resource])
    ev = r["EvaluationResults"][0]
    out["simulate"].append({"action": action, "resource": resource, "decision": ev["EvalDecision"],
                            "evaluated_resource": ev.get("EvalResourceName"),
                            "matched": [m.get("SourcePolicyId") for m in ev.get("MatchedStatements", [])]})

# Another topic, wired to another queue exactly as the stack's are.
other_topic = sns.create_topic(Name="SomeOtherTopic")["TopicArn"]
other_queue = sqs.create_queue(QueueName="SomeOtherQueue")["QueueUrl"]
other_queue_arn = sqs.get_queue_attributes(QueueUrl=other_queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
sqs.set_queue_attributes(QueueUrl=other_queue, Attributes={"Policy": json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
                   "Resource": other_queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": other_topic}}}]})})
sns.subscribe(TopicArn=other_topic, Protocol="sqs", Endpoint=other_queue_arn)
queue = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
drain(queue)

# The role trusts only lambda.amazonaws.com: the administrator cannot assume it
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage-assume.html).
out["admin_assume_role"] = error_of(lambda: sts.assume_role(RoleArn=role_arn, RoleSessionName="boto3-peer"))
# A session of the function's role, issued the way Lambda gets it.
session = boto3.session.Session(aws_access_key_id=os.environ["ROLE_ACCESS_KEY_ID"],
                                aws_secret_access_key=os.environ["ROLE_SECRET_ACCESS_KEY"],
                                aws_session_token=os.environ["ROLE_SESSION_TOKEN"])
role_sns = session.client("sns")
out["session_identity"] = session.client("sts").get_caller_identity()["Arn"]


def publish(topic, order_id):
    return error_of(lambda: role_sns.publish(TopicArn=topic, Message=json.dumps({"OrderId": order_id})))


# Allowed by the policy: the publish goes through and is queued.
out["publish_allowed"] = publish(topic_arn, "BOTO3-ALLOWED")
out["queued_after_allowed"] = drain(queue)

# The same session once the role's policy no longer allows sns:Publish.
original = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
narrowed = {"Version": original["Version"],
            "Statement": [s for s in original["Statement"] if "sns:Publish" not in json.dumps(s.get("Action"))]}
iam.put_role_policy(RoleName=role_name, PolicyName=policy_name, PolicyDocument=json.dumps(narrowed))
out["publish_narrowed"] = publish(topic_arn, "BOTO3-NARROWED")
out["queued_after_narrowed"] = drain(queue)
iam.put_role_policy(RoleName=role_name, PolicyName=policy_name, PolicyDocument=json.dumps(original))
out["publish_restored"] = publish(topic_arn, "BOTO3-RESTORED")
out["queued_after_restored"] = drain(queue)

# Another topic is never the role's to publish to; the administrator's
# publish there shows the wiring would have delivered it.
out["publish_other_topic"] = publish(other_topic, "BOTO3-OTHER")
out["queued_other_after_role"] = drain(other_queue)
sns.publish(TopicArn=other_topic, Message=json.dumps({"OrderId": "BOTO3-ADMIN"}))
out["queued_other_after_admin"] = drain(other_queue)

json.dump(out, sys.stdout, indent=2)
