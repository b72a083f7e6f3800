package dynamodb

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestBatchWriteAndGet(t *testing.T) {
	e := newEnv(t)
	e.createTable("BatchA", "pk", "")
	e.createTable("BatchB", "pk", types.ScalarAttributeTypeN)
	e.put("BatchA", map[string]types.AttributeValue{"pk": s("gone"), "v": n("1")})

	var reqsA []types.WriteRequest
	for i := 0; i < 20; i++ {
		reqsA = append(reqsA, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"pk": s(fmt.Sprintf("a%02d", i)), "v": n(fmt.Sprint(i))}}})
	}
	reqsA = append(reqsA, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: map[string]types.AttributeValue{"pk": s("gone")}}})
	reqsB := []types.WriteRequest{
		{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"pk": s("b"), "sk": n("1")}}},
		{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"pk": s("b"), "sk": n("2")}}},
	}
	out, err := e.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
		RequestItems:           map[string][]types.WriteRequest{"BatchA": reqsA, "BatchB": reqsB},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.UnprocessedItems) != 0 || len(out.ConsumedCapacity) != 2 {
		t.Errorf("unprocessed %v, capacity %v", out.UnprocessedItems, out.ConsumedCapacity)
	}
	if e.get("BatchA", map[string]types.AttributeValue{"pk": s("gone")}) != nil {
		t.Error("batch delete left the item")
	}

	keys := []map[string]types.AttributeValue{{"pk": s("a03")}, {"pk": s("a19")}, {"pk": s("nope")}}
	got, err := e.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		"BatchA": {Keys: keys, ProjectionExpression: aws.String("v")},
		"BatchB": {Keys: []map[string]types.AttributeValue{{"pk": s("b"), "sk": n("2")}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var vs []string
	for _, it := range got.Responses["BatchA"] {
		vs = append(vs, renderItem(it))
	}
	sort.Strings(vs)
	if strings.Join(vs, " ") != "{v=N:19} {v=N:3}" || len(got.Responses["BatchB"]) != 1 || len(got.UnprocessedKeys) != 0 {
		t.Errorf("batch get: %v / %v", vs, got.Responses["BatchB"])
	}

	// Limits and duplicates are rejected before anything is written.
	var many []types.WriteRequest
	for i := 0; i < 26; i++ {
		many = append(many, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"pk": s(fmt.Sprintf("m%02d", i))}}})
	}
	_, err = e.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"BatchA": many}})
	apiError(t, err, "ValidationException", "Too many items requested for the BatchWriteItem call")
	dup := []types.WriteRequest{
		{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"pk": s("dup")}}},
		{DeleteRequest: &types.DeleteRequest{Key: map[string]types.AttributeValue{"pk": s("dup")}}},
	}
	_, err = e.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"BatchA": dup}})
	apiError(t, err, "ValidationException", "Provided list of item keys contains duplicates")
	bad := []types.WriteRequest{
		{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"pk": s("ok")}}},
		{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"pk": n("1")}}},
	}
	_, err = e.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"BatchA": bad}})
	apiError(t, err, "ValidationException", "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N")
	if e.get("BatchA", map[string]types.AttributeValue{"pk": s("ok")}) != nil {
		t.Error("a rejected batch wrote its valid part")
	}
	_, err = e.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"Missing": reqsB}})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || nf.ErrorMessage() != "Requested resource not found" {
		t.Fatalf("batch to missing table: %v", err)
	}
	_, err = e.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		"BatchA": {Keys: []map[string]types.AttributeValue{{"pk": s("x")}, {"pk": s("x")}}},
	}})
	apiError(t, err, "ValidationException", "Provided list of item keys contains duplicates")
}
