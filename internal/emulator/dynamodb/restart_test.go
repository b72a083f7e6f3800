package dynamodb

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestRestart(t *testing.T) {
	dir := t.TempDir()
	e := newDiskEnv(t, dir)
	d := e.createTable("Kept", "pk", types.ScalarAttributeTypeN)
	e.createTable("Dropped", "pk", "")
	e.put("Dropped", map[string]types.AttributeValue{"pk": s("x")})
	for i := 0; i < 600; i++ { // enough items for several index blocks
		e.put("Kept", map[string]types.AttributeValue{"pk": s(fmt.Sprintf("p%d", i%3)), "sk": n(fmt.Sprint(i)), "amount": n("12345678901234567890.12")})
	}
	e.put("Kept", map[string]types.AttributeValue{"pk": s("gone"), "sk": n("1")})
	if _, err := e.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("Kept"), Key: map[string]types.AttributeValue{"pk": s("gone"), "sk": n("1")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String("Kept"), Key: map[string]types.AttributeValue{"pk": s("p0"), "sk": n("0")},
		UpdateExpression: aws.String("ADD amount :c"), ExpressionAttributeValues: map[string]types.AttributeValue{":c": n("0.01")},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: d.TableArn, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("Dropped")}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}

	e2 := newDiskEnv(t, dir)
	list, err := e2.client.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil || len(list.TableNames) != 1 || list.TableNames[0] != "Kept" {
		t.Fatalf("tables after restart: %v %v", list, err)
	}
	desc, err := e2.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Kept")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(desc.Table.TableId) != aws.ToString(d.TableId) || aws.ToInt64(desc.Table.ItemCount) != 600 ||
		!desc.Table.CreationDateTime.Equal(*d.CreationDateTime) {
		t.Errorf("after restart: id %s count %d created %v", aws.ToString(desc.Table.TableId), aws.ToInt64(desc.Table.ItemCount), desc.Table.CreationDateTime)
	}
	_, err = e2.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Dropped")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("deleted table after restart: %v", err)
	}
	if got := renderItem(e2.get("Kept", map[string]types.AttributeValue{"pk": s("p0"), "sk": n("0")})); got != `{amount=N:12345678901234567890.13,pk=S:"p0",sk=N:0}` {
		t.Errorf("updated item after restart: %s", got)
	}
	if e2.get("Kept", map[string]types.AttributeValue{"pk": s("gone"), "sk": n("1")}) != nil {
		t.Error("deleted item came back")
	}
	out, err := e2.client.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String("Kept"), KeyConditionExpression: aws.String("pk = :p AND sk BETWEEN :a AND :b"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("p1"), ":a": n("100"), ":b": n("112")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := sortKeys(out.Items); got != "100 103 106 109 112" {
		t.Errorf("query after restart: %s", got)
	}
	tags, err := e2.client.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: d.TableArn})
	if err != nil || len(tags.Tags) != 1 {
		t.Errorf("tags after restart: %v %v", tags, err)
	}
	// Writes keep working on the reloaded index.
	e2.put("Kept", map[string]types.AttributeValue{"pk": s("p1"), "sk": n("100.5")})
	out, _ = e2.client.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String("Kept"), KeyConditionExpression: aws.String("pk = :p AND sk BETWEEN :a AND :b"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("p1"), ":a": n("100"), ":b": n("103")},
	})
	if got := sortKeys(out.Items); got != "100 100.5 103" {
		t.Errorf("query after write: %s", got)
	}
}
