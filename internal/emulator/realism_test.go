package emulator

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/orders-dev/orders/internal/emulator/realism"
)

// testClock is a clock the test moves: realism's delays pass when the test
// says so, never by sleeping.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock() *testClock { return &testClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// openRealism serves an in-memory emulator with the profile cfg on a clock
// the test controls.
func openRealism(t *testing.T, cfg realism.Config) (string, *testClock, *Emulator) {
	t.Helper()
	p, err := realism.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	clock := newTestClock()
	e, err := Open(Options{InMemory: true, Enforce: true, Now: clock.Now, Realism: p})
	if err != nil {
		t.Fatal(err)
	}
	url, err := e.Listen("127.0.0.1:0")
	if err != nil {
		_ = e.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return url, clock, e
}

// awsRealism is AWS's delays at scale 1, no faults: tests advance the clock
// by the documented amounts.
var awsRealism = realism.Config{Mode: realism.AWS, Scale: 1, Seed: 1}

func TestRealismDynamoDBTableStates(t *testing.T) {
	url, clock, _ := openRealism(t, awsRealism)
	ctx := context.Background()
	db := dynamodb.NewFromConfig(adminConfig(url))
	key := map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "1"}}

	out, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("Orders"),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := out.TableDescription.TableStatus; s != ddbtypes.TableStatusCreating {
		t.Fatalf("CreateTable status = %s, want CREATING", s)
	}
	desc := func() ddbtypes.TableStatus {
		t.Helper()
		d, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Orders")})
		if err != nil {
			t.Fatalf("DescribeTable: %v", err)
		}
		return d.Table.TableStatus
	}
	clock.Advance(realism.DynamoDBCreateTable - time.Millisecond)
	if s := desc(); s != ddbtypes.TableStatusCreating {
		t.Fatalf("just before %v: status %s, want CREATING", realism.DynamoDBCreateTable, s)
	}
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Orders"), Item: key})
	if errorCode(err) != "ResourceNotFoundException" {
		t.Fatalf("PutItem on a CREATING table: %v, want ResourceNotFoundException", err)
	}
	_, err = db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("Orders")})
	if errorCode(err) != "ResourceInUseException" {
		t.Fatalf("DeleteTable on a CREATING table: %v, want ResourceInUseException", err)
	}
	clock.Advance(time.Millisecond)
	if s := desc(); s != ddbtypes.TableStatusActive {
		t.Fatalf("after %v: status %s, want ACTIVE", realism.DynamoDBCreateTable, s)
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Orders"), Item: key}); err != nil {
		t.Fatalf("PutItem on the ACTIVE table: %v", err)
	}
	// The SDK's own waiter sees it exist.
	if err := dynamodb.NewTableExistsWaiter(db).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Orders")}, time.Minute); err != nil {
		t.Fatal(err)
	}

	del, err := db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("Orders")})
	if err != nil {
		t.Fatal(err)
	}
	if s := del.TableDescription.TableStatus; s != ddbtypes.TableStatusDeleting {
		t.Fatalf("DeleteTable status = %s, want DELETING", s)
	}
	clock.Advance(realism.DynamoDBDeleteTable - time.Millisecond)
	if s := desc(); s != ddbtypes.TableStatusDeleting {
		t.Fatalf("just before %v: status %s, want DELETING", realism.DynamoDBDeleteTable, s)
	}
	if l, err := db.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil || len(l.TableNames) != 1 {
		t.Fatalf("ListTables while DELETING = %v, %v; want [Orders]", l, err)
	}
	if _, err := db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("Orders")}); err != nil {
		t.Fatalf("DeleteTable of a DELETING table: %v, want no error (as AWS)", err)
	}
	_, err = db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("Orders"),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	})
	if errorCode(err) != "ResourceInUseException" {
		t.Fatalf("CreateTable of a DELETING name: %v, want ResourceInUseException", err)
	}
	clock.Advance(time.Millisecond)
	_, err = db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Orders")})
	if errorCode(err) != "ResourceNotFoundException" {
		t.Fatalf("DescribeTable after %v: %v, want ResourceNotFoundException", realism.DynamoDBDeleteTable, err)
	}
}

func TestRealismDynamoDBTagsLag(t *testing.T) {
	url, clock, _ := openRealism(t, awsRealism)
	ctx := context.Background()
	db := dynamodb.NewFromConfig(adminConfig(url))
	out, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("Orders"),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		Tags:                 []ddbtypes.Tag{{Key: aws.String("stack"), Value: aws.String("v1")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.TableDescription.TableArn
	clock.Advance(realism.DynamoDBCreateTable)
	tags := func() map[string]string {
		t.Helper()
		l, err := db.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, tg := range l.Tags {
			m[*tg.Key] = *tg.Value
		}
		return m
	}
	if _, err := db.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: arn, Tags: []ddbtypes.Tag{{Key: aws.String("stack"), Value: aws.String("v2")}}}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(realism.DynamoDBTagPropagation - time.Millisecond)
	if got := tags()["stack"]; got != "v1" {
		t.Fatalf("ListTagsOfResource just after TagResource: stack=%q, want the previous v1", got)
	}
	clock.Advance(time.Millisecond)
	if got := tags()["stack"]; got != "v2" {
		t.Fatalf("ListTagsOfResource %v after TagResource: stack=%q, want v2", realism.DynamoDBTagPropagation, got)
	}
}
