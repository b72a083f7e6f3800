package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
)

// Direct SDK views of the emulator's state, for checking what the orders
// commands did (and did not do).

// errorCode is the AWS error code the SDK decoded from err ("" if none).
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// assumeRole returns an SDK configuration signed as a fresh one-hour session
// of the role. The pipeline's role trusts only lambda.amazonaws.com, so (as
// on AWS) the administrator cannot AssumeRole it: the session is issued the
// way Lambda gets its function's credentials.
func (m *emu) assumeRole(t *testing.T, roleARN, session string) (aws.Config, *sts.AssumeRoleOutput) {
	t.Helper()
	return m.issueSession(t, roleARN, session, time.Hour)
}

func (m *emu) issueSession(t *testing.T, roleARN, session string, d time.Duration) (aws.Config, *sts.AssumeRoleOutput) {
	t.Helper()
	c, err := m.e.IssueRoleSession(context.Background(), roleARN, session, d)
	if err != nil {
		t.Fatalf("issue a session of role %s: %v", roleARN, err)
	}
	out := &sts.AssumeRoleOutput{
		Credentials: &ststypes.Credentials{AccessKeyId: aws.String(c.AccessKeyID), SecretAccessKey: aws.String(c.SecretAccessKey),
			SessionToken: aws.String(c.SessionToken), Expiration: aws.Time(c.Expiration)},
		AssumedRoleUser: &ststypes.AssumedRoleUser{Arn: aws.String(c.AssumedRoleARN), AssumedRoleId: aws.String(c.AssumedRoleID)},
	}
	return m.config(c.AccessKeyID, c.SecretAccessKey, c.SessionToken), out
}

// item reads one order with a consistent read (nil when absent).
func (m *emu) item(t *testing.T, orderID string) map[string]dtypes.AttributeValue {
	t.Helper()
	out, err := dynamodb.NewFromConfig(m.admin()).GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String("OrdersTable"), ConsistentRead: aws.Bool(true),
		Key: map[string]dtypes.AttributeValue{"OrderId": &dtypes.AttributeValueMemberS{Value: orderID}}})
	if err != nil {
		t.Fatalf("get item %s: %v", orderID, err)
	}
	return out.Item
}

func attr(it map[string]dtypes.AttributeValue, name string) string {
	switch v := it[name].(type) {
	case *dtypes.AttributeValueMemberS:
		return v.Value
	case *dtypes.AttributeValueMemberN:
		return v.Value
	}
	return ""
}

// notification is one message in the queue: SNS's envelope around an order.
type notification struct {
	SQSMessageID, SNSMessageID, OrderID string
}

// drainQueue receives and deletes every message in the queue and returns
// them. Deleting keeps later counts about later sends only.
func (m *emu) drainQueue(t *testing.T) []notification {
	t.Helper()
	ctx := context.Background()
	c := sqs.NewFromConfig(m.admin())
	u, err := c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("HighValueQueue")})
	if err != nil {
		t.Fatalf("get queue url: %v", err)
	}
	var got []notification
	for {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: u.QueueUrl, MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatalf("receive: %v", err)
		}
		if len(out.Messages) == 0 {
			return got
		}
		for _, msg := range out.Messages {
			var env struct{ Type, MessageId, Message string }
			if err := json.Unmarshal([]byte(aws.ToString(msg.Body)), &env); err != nil || env.Type != "Notification" {
				t.Fatalf("queued message is not an SNS notification (%v): %s", err, aws.ToString(msg.Body))
			}
			var order struct{ OrderId string }
			if err := json.Unmarshal([]byte(env.Message), &order); err != nil {
				t.Fatalf("notification does not carry an order (%v): %s", err, env.Message)
			}
			got = append(got, notification{SQSMessageID: aws.ToString(msg.MessageId), SNSMessageID: env.MessageId, OrderID: order.OrderId})
			if _, err := c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: u.QueueUrl, ReceiptHandle: msg.ReceiptHandle}); err != nil {
				t.Fatalf("delete message: %v", err)
			}
		}
	}
}
