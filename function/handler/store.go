package handler

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Store is the one DynamoDB call the function makes (its role may do nothing
// else): every state change is a conditional PutItem.
type Store interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// Status values of a stored order.
const (
	StatusPendingNotify = "PENDING_NOTIFY" // stored, notification not yet published
	StatusNotified      = "NOTIFIED"       // stored and published
	StatusComplete      = "COMPLETE"       // stored, at or below the threshold: nothing to publish
)

// Item attribute names.
const (
	attrOrderID    = "OrderId"
	attrAmount     = "Amount"
	attrReceivedAt = "ReceivedAt"
	attrStatus     = "Status"
	attrMessageID  = "MessageId"
)

// Condition expressions. STATUS is a DynamoDB reserved word, hence the
// placeholders; every placeholder defined is used (DynamoDB rejects unused ones).
const (
	condAbsent  = "attribute_not_exists(#id)"
	condPending = "#status = :pending AND #amount = :amount"
)

// storedOrder is the part of an existing item the replay logic looks at.
type storedOrder struct {
	amountText string // N as DynamoDB returned it ("" if missing)
	amount     Amount
	amountOK   bool // amountText parsed as an Amount
	receivedAt string
	status     string
	messageID  string
}

func orderItem(o Order, receivedAt, status, messageID string) map[string]types.AttributeValue {
	item := map[string]types.AttributeValue{
		attrOrderID:    &types.AttributeValueMemberS{Value: o.OrderID},
		attrAmount:     &types.AttributeValueMemberN{Value: o.Amount.String()},
		attrReceivedAt: &types.AttributeValueMemberS{Value: receivedAt},
		attrStatus:     &types.AttributeValueMemberS{Value: status},
	}
	if messageID != "" {
		item[attrMessageID] = &types.AttributeValueMemberS{Value: messageID}
	}
	return item
}

// putNew stores the order only if its OrderId is new. When it is not, it
// returns the existing item (ReturnValuesOnConditionCheckFailure=ALL_OLD),
// which is how a replay learns what happened before without GetItem.
func putNew(ctx context.Context, db Store, table string, o Order, receivedAt, status string) (existing *storedOrder, err error) {
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(table),
		Item:                                orderItem(o, receivedAt, status, ""),
		ConditionExpression:                 aws.String(condAbsent),
		ExpressionAttributeNames:            map[string]string{"#id": attrOrderID},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	return conditionResult(err)
}

// putNotified records the notification: only if the order is still pending
// with the same amount, keeping its original ReceivedAt.
func putNotified(ctx context.Context, db Store, table string, o Order, receivedAt, messageID string) (existing *storedOrder, err error) {
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(table),
		Item:                orderItem(o, receivedAt, StatusNotified, messageID),
		ConditionExpression: aws.String(condPending),
		ExpressionAttributeNames: map[string]string{
			"#status": attrStatus,
			"#amount": attrAmount,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pending": &types.AttributeValueMemberS{Value: StatusPendingNotify},
			":amount":  &types.AttributeValueMemberN{Value: o.Amount.String()},
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	return conditionResult(err)
}

// errNoOldItem: the condition failed but DynamoDB sent no item back.
var errNoOldItem = errors.New("condition check failed but DynamoDB returned no existing item (ReturnValuesOnConditionCheckFailure=ALL_OLD unsupported?)")

// conditionResult splits a PutItem error into "the condition failed, here is
// the item that made it fail" and every other failure.
func conditionResult(err error) (*storedOrder, error) {
	if err == nil {
		return nil, nil
	}
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return nil, err
	}
	if len(ccf.Item) == 0 {
		// The item vanished in between, or the endpoint ignores ALL_OLD.
		return nil, fmt.Errorf("%w: %w", errNoOldItem, err)
	}
	return readStored(ccf.Item), nil
}

func readStored(item map[string]types.AttributeValue) *storedOrder {
	s := &storedOrder{
		receivedAt: stringAttr(item, attrReceivedAt),
		status:     stringAttr(item, attrStatus),
		messageID:  stringAttr(item, attrMessageID),
	}
	if n, ok := item[attrAmount].(*types.AttributeValueMemberN); ok {
		s.amountText = n.Value
		if a, err := ParseAmount(n.Value); err == nil {
			s.amount, s.amountOK = a, true
		}
	}
	return s
}

func stringAttr(item map[string]types.AttributeValue, name string) string {
	if s, ok := item[name].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// sameAmount compares as decimals: 250 == 250.00. A stored amount this
// function could not have written never equals a valid one.
func (s *storedOrder) sameAmount(a Amount) bool {
	return s.amountOK && s.amount.Cmp(a) == 0
}
