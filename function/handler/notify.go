package handler

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// Notifier is the one SNS call the function makes.
type Notifier interface {
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// Notification is the JSON body published for a high-value order.
type Notification struct {
	OrderID    string `json:"OrderId"`
	Amount     Amount `json:"Amount"` // a JSON number, in canonical decimal form
	ReceivedAt string `json:"ReceivedAt"`
}

// SubjectPrefix starts every notification's Subject: "High-value order ORD-1001".
const SubjectPrefix = "High-value order "

// AmountAttribute is the message attribute (DataType Number) carrying the
// amount, so subscribers can filter on it.
const AmountAttribute = "amount"

// OrderIDAttribute is the message attribute (DataType String) carrying the
// OrderId, so a subscriber can take one order's notification only: verify's
// probe subscribes its own queue with a filter policy on it, and never
// touches the stack's queue.
const OrderIDAttribute = "order_id"

func publishInput(topicARN string, o Order, receivedAt string) (*sns.PublishInput, error) {
	body, err := json.Marshal(Notification{OrderID: o.OrderID, Amount: o.Amount, ReceivedAt: receivedAt})
	if err != nil {
		return nil, err
	}
	return &sns.PublishInput{
		TopicArn: aws.String(topicARN),
		Message:  aws.String(string(body)),
		// OrderId is at most 64 characters of [A-Za-z0-9_.:-], so the
		// subject stays within SNS's 100 printable ASCII characters.
		Subject: aws.String(SubjectPrefix + o.OrderID),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			AmountAttribute:  {DataType: aws.String("Number"), StringValue: aws.String(o.Amount.String())},
			OrderIDAttribute: {DataType: aws.String("String"), StringValue: aws.String(o.OrderID)},
		},
	}, nil
}
