package iampolicy

import "testing"

// The pipeline's own names, as the policies package renders them.
const (
	acct      = "000000000000"
	tableARN  = "arn:aws:dynamodb:us-east-1:000000000000:table/OrdersTable"
	topicARN  = "arn:aws:sns:us-east-1:000000000000:HighValueOrderTopic"
	queueARN  = "arn:aws:sqs:us-east-1:000000000000:HighValueQueue"
	groupARN  = "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/ProcessOrderFunction"
	roleARN   = "arn:aws:iam::000000000000:role/ProcessOrderFunction-role"
	session   = "arn:aws:sts::000000000000:assumed-role/ProcessOrderFunction-role/ProcessOrderFunction"
	otherUser = "arn:aws:iam::000000000000:user/alice"
)

const functionPolicyDoc = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "PutOrders", "Effect": "Allow", "Action": "dynamodb:PutItem",
     "Resource": "arn:aws:dynamodb:us-east-1:000000000000:table/OrdersTable"},
    {"Sid": "PublishHighValue", "Effect": "Allow", "Action": "sns:Publish",
     "Resource": "arn:aws:sns:us-east-1:000000000000:HighValueOrderTopic"},
    {"Sid": "WriteOwnLogs", "Effect": "Allow",
     "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
     "Resource": "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/ProcessOrderFunction:*"}
  ]
}`

const queuePolicyDoc = `{
  "Version": "2012-10-17",
  "Id": "HighValueQueuePolicy",
  "Statement": [{
    "Sid": "AllowTopicOnly",
    "Effect": "Allow",
    "Principal": {"Service": "sns.amazonaws.com"},
    "Action": "sqs:SendMessage",
    "Resource": "arn:aws:sqs:us-east-1:000000000000:HighValueQueue",
    "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:000000000000:HighValueOrderTopic"}}
  }]
}`

const trustPolicyDoc = `{
  "Version": "2012-10-17",
  "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
}`

func mustParse(t testing.TB, doc string) *Policy {
	t.Helper()
	p, err := Parse(doc)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, doc)
	}
	return p
}

func named(t testing.TB, id, doc string) NamedPolicy {
	t.Helper()
	return NamedPolicy{ID: id, Policy: mustParse(t, doc)}
}

func namedPtr(t testing.TB, id, doc string) *NamedPolicy {
	np := named(t, id, doc)
	return &np
}
