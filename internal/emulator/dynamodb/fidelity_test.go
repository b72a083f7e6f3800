package dynamodb

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Every table describes its warm throughput: a new on-demand table
// 12,000 reads and 4,000 writes per second, a provisioned one its
// provisioned capacity; Status follows the table's.
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput.html
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TableWarmThroughputDescription.html
func TestWarmThroughputDescribed(t *testing.T) {
	e := newEnv(t)
	created, err := e.client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("OnDemand"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("k"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("k"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if w := created.TableDescription.WarmThroughput; w == nil || aws.ToInt64(w.ReadUnitsPerSecond) != 12000 || aws.ToInt64(w.WriteUnitsPerSecond) != 4000 || w.Status != types.TableStatusCreating {
		t.Errorf("CreateTable WarmThroughput = %+v", w)
	}
	desc, err := e.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("OnDemand")})
	if err != nil {
		t.Fatal(err)
	}
	if w := desc.Table.WarmThroughput; w == nil || aws.ToInt64(w.ReadUnitsPerSecond) != 12000 || aws.ToInt64(w.WriteUnitsPerSecond) != 4000 || w.Status != types.TableStatusActive {
		t.Errorf("DescribeTable WarmThroughput = %+v", w)
	}
	if _, err := e.client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:             aws.String("Prov"),
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(3)},
		AttributeDefinitions:  []types.AttributeDefinition{{AttributeName: aws.String("k"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("k"), KeyType: types.KeyTypeHash}},
	}); err != nil {
		t.Fatal(err)
	}
	desc, err = e.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Prov")})
	if err != nil {
		t.Fatal(err)
	}
	if w := desc.Table.WarmThroughput; w == nil || aws.ToInt64(w.ReadUnitsPerSecond) != 5 || aws.ToInt64(w.WriteUnitsPerSecond) != 3 {
		t.Errorf("provisioned WarmThroughput = %+v", w)
	}
}

// DeleteTable's TableDescription in DELETING state carries no
// AttributeDefinitions, KeySchema or CreationDateTime (the API reference's
// example: ItemCount, ProvisionedThroughput, TableName, TableSizeBytes,
// TableStatus).
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DeleteTable.html
func TestDeleteTableDescriptionShape(t *testing.T) {
	e := newEnv(t)
	if _, err := e.client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("Gone"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("k"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("k"), KeyType: types.KeyTypeHash}},
	}); err != nil {
		t.Fatal(err)
	}
	del, err := e.client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("Gone")})
	if err != nil {
		t.Fatal(err)
	}
	d := del.TableDescription
	if d.AttributeDefinitions != nil || d.KeySchema != nil || d.CreationDateTime != nil {
		t.Errorf("DeleteTable answered AttributeDefinitions %v KeySchema %v CreationDateTime %v; AWS does not", d.AttributeDefinitions, d.KeySchema, d.CreationDateTime)
	}
	if d.TableStatus != types.TableStatusDeleting || aws.ToString(d.TableName) != "Gone" || d.ProvisionedThroughput == nil || d.ItemCount == nil || d.TableSizeBytes == nil {
		t.Errorf("DeleteTable description = %+v", d)
	}
}

// UpdateTable answers UPDATING for a capacity change (the API reference's
// example), while the next DescribeTable already sees ACTIVE.
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTable.html
func TestUpdateTableAnswersUpdating(t *testing.T) {
	e := newEnv(t)
	if _, err := e.client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:             aws.String("Prov"),
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)},
		AttributeDefinitions:  []types.AttributeDefinition{{AttributeName: aws.String("k"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("k"), KeyType: types.KeyTypeHash}},
	}); err != nil {
		t.Fatal(err)
	}
	up, err := e.client.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("Prov"),
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}})
	if err != nil {
		t.Fatal(err)
	}
	if up.TableDescription.TableStatus != types.TableStatusUpdating {
		t.Errorf("UpdateTable status = %s, want UPDATING", up.TableDescription.TableStatus)
	}
	desc, err := e.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Prov")})
	if err != nil || desc.Table.TableStatus != types.TableStatusActive {
		t.Errorf("DescribeTable after the update: %v %v", desc, err)
	}
}

// A numeric member outside its range is worded by the bound it breaks, as
// for Limit: "Member must have value greater than or equal to 1".
func TestScanSegmentRangeMessages(t *testing.T) {
	e := newEnv(t)
	e.createTable("Seg", "pk", "")
	_, err := e.client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("Seg"), Segment: aws.Int32(0), TotalSegments: aws.Int32(0)})
	apiError(t, err, "ValidationException", "1 validation error detected: Value '0' at 'totalSegments' failed to satisfy constraint: Member must have value greater than or equal to 1")
	_, err = e.client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("Seg"), Segment: aws.Int32(1000000), TotalSegments: aws.Int32(1000001)})
	apiError(t, err, "ValidationException", "2 validation errors detected: Value '1000001' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to 1000000; "+
		"Value '1000000' at 'segment' failed to satisfy constraint: Member must have value less than or equal to 999999")
}
