package dynamodb

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestHandlerPattern follows the order handler's writes: store an order
// only if new (returning the existing one when not), then advance its
// status only if it is still pending with the same amount.
func TestHandlerPattern(t *testing.T) {
	e := newEnv(t)
	e.createTable("OrdersTable", "OrderId", "")
	order := map[string]types.AttributeValue{
		"OrderId":    s("ORD-1001"),
		"Amount":     n("250.00"),
		"ReceivedAt": s("2025-01-01T00:00:00.123456789Z"),
		"Status":     s("PENDING_NOTIFY"),
	}
	putNew := func(item map[string]types.AttributeValue) error {
		_, err := e.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                           aws.String("OrdersTable"),
			Item:                                item,
			ConditionExpression:                 aws.String("attribute_not_exists(OrderId)"),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		return err
	}
	if err := putNew(order); err != nil {
		t.Fatalf("first put: %v", err)
	}

	// A replay finds the stored order in the error.
	err := putNew(order)
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("replay: want ConditionalCheckFailedException, got %v", err)
	}
	if ccf.ErrorMessage() != "The conditional request failed" {
		t.Errorf("message = %q", ccf.ErrorMessage())
	}
	if got := renderItem(ccf.Item); got != `{Amount=N:250,OrderId=S:"ORD-1001",ReceivedAt=S:"2025-01-01T00:00:00.123456789Z",Status=S:"PENDING_NOTIFY"}` {
		t.Errorf("item in error = %s", got)
	}

	// Without ALL_OLD the error carries no item.
	_, err = e.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String("OrdersTable"), Item: order,
		ConditionExpression: aws.String("attribute_not_exists(OrderId)"),
	})
	if !errors.As(err, &ccf) || ccf.Item != nil {
		t.Fatalf("want ConditionalCheckFailedException without item, got %v (%v)", err, ccf)
	}

	advance := func(amount string) error {
		notified := map[string]types.AttributeValue{
			"OrderId": s("ORD-1001"), "Amount": n(amount), "ReceivedAt": order["ReceivedAt"],
			"Status": s("NOTIFIED"), "MessageId": s("m-1"),
		}
		_, err := e.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName:                 aws.String("OrdersTable"),
			Item:                      notified,
			ConditionExpression:       aws.String("#s = :pending AND Amount = :a"),
			ExpressionAttributeNames:  map[string]string{"#s": "Status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":pending": s("PENDING_NOTIFY"), ":a": n(amount)},
		})
		return err
	}
	// A different amount is a conflict; "250.0" is the same number as "250.00".
	if err := advance("99.99"); !errors.As(err, &ccf) {
		t.Fatalf("advance with other amount: want ConditionalCheckFailedException, got %v", err)
	}
	if err := advance("250.0"); err != nil {
		t.Fatalf("advance: %v", err)
	}
	if err := advance("250"); !errors.As(err, &ccf) {
		t.Fatalf("second advance: want ConditionalCheckFailedException, got %v", err)
	}
	got := e.get("OrdersTable", map[string]types.AttributeValue{"OrderId": s("ORD-1001")})
	if render(got["Status"]) != `S:"NOTIFIED"` || render(got["Amount"]) != "N:250" || render(got["MessageId"]) != `S:"m-1"` {
		t.Errorf("stored = %s", renderItem(got))
	}

	// Status is a reserved word: used bare it is a ValidationException.
	_, err = e.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String("OrdersTable"), Item: order,
		ConditionExpression:       aws.String("Status = :pending"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pending": s("PENDING_NOTIFY")},
	})
	apiError(t, err, "ValidationException", "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: Status")
}
