package emulator

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/orders-dev/orders/policies"
)

const putItemPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:PutItem","Resource":"arn:aws:dynamodb:us-east-1:000000000000:table/OrdersTable"}]}`

const trustPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func createOrdersTable(ctx context.Context, c *dynamodb.Client) error {
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("OrdersTable"),
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("OrderId"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("OrderId"), KeyType: ddbtypes.KeyTypeHash}},
	})
	if err != nil {
		return fmt.Errorf("create table OrdersTable: %w", err)
	}
	return nil
}

func putOrder(ctx context.Context, c *dynamodb.Client, id, amount string) error {
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String("OrdersTable"),
		Item: map[string]ddbtypes.AttributeValue{
			"OrderId": &ddbtypes.AttributeValueMemberS{Value: id},
			"Amount":  &ddbtypes.AttributeValueMemberN{Value: amount},
		},
	})
	return err
}

// scanOrders returns OrderId → Amount of every item in OrdersTable.
func scanOrders(t *testing.T, ctx context.Context, c *dynamodb.Client) map[string]string {
	t.Helper()
	got := map[string]string{}
	p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String("OrdersTable")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("scan OrdersTable: %v", err)
		}
		for _, it := range page.Items {
			id := it["OrderId"].(*ddbtypes.AttributeValueMemberS).Value
			amount := ""
			if n, ok := it["Amount"].(*ddbtypes.AttributeValueMemberN); ok {
				amount = n.Value
			}
			got[id] = amount
		}
	}
	return got
}

// drainQueue receives until the queue answers empty, deleting nothing, and
// returns the bodies seen (each message once: they stay in flight).
func drainQueue(t *testing.T, ctx context.Context, c *sqs.Client, url string) []string {
	t.Helper()
	var bodies []string
	for {
		out, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(url), MaxNumberOfMessages: 10, VisibilityTimeout: 600,
		})
		if err != nil {
			t.Fatalf("receive from %s: %v", url, err)
		}
		if len(out.Messages) == 0 {
			sort.Strings(bodies)
			return bodies
		}
		for _, m := range out.Messages {
			bodies = append(bodies, aws.ToString(m.Body))
		}
	}
}

// TestRestartKeepsState: what an emulator acknowledged is there after Close
// and Open on the same data dir — the table and its items, the role and its
// policy, the queue's unreceived messages — and a deleted message stays
// deleted. A receipt handle given out before the restart still deletes its
// message after it.
func TestRestartKeepsState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()

	e, url := openAt(t, dir)
	cfg := adminConfig(url)
	db, iamc, q := dynamodb.NewFromConfig(cfg), iam.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	if err := createOrdersTable(ctx, db); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"ORD-1": "250", "ORD-2": "99.99", "ORD-3": "100.5"}
	for id, amount := range want {
		if err := putOrder(ctx, db, id, amount); err != nil {
			t.Fatalf("put %s: %v", id, err)
		}
	}
	if _, err := iamc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ProcessOrderFunction-role"), AssumeRolePolicyDocument: aws.String(trustPolicy)}); err != nil {
		t.Fatal(err)
	}
	if _, err := iamc.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("ProcessOrderFunction-role"),
		PolicyName: aws.String("p"), PolicyDocument: aws.String(putItemPolicy)}); err != nil {
		t.Fatal(err)
	}
	qo, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("HighValueQueue")})
	if err != nil {
		t.Fatal(err)
	}
	qURL := aws.ToString(qo.QueueUrl)
	for _, body := range []string{"m1", "m2", "m3"} {
		if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(qURL), MessageBody: aws.String(body)}); err != nil {
			t.Fatalf("send %s: %v", body, err)
		}
	}
	rec, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(qURL), MaxNumberOfMessages: 1})
	if err != nil || len(rec.Messages) != 1 {
		t.Fatalf("receive one: %v %v", rec, err)
	}
	deleted := aws.ToString(rec.Messages[0].Body)
	if _, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(qURL), ReceiptHandle: rec.Messages[0].ReceiptHandle}); err != nil {
		t.Fatalf("delete %s: %v", deleted, err)
	}
	// Another queue's message is received (in flight) when the emulator
	// stops; its receipt handle must still delete it afterwards.
	fo, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("InFlight")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: fo.QueueUrl, MessageBody: aws.String("in flight")}); err != nil {
		t.Fatal(err)
	}
	inflight, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: fo.QueueUrl, VisibilityTimeout: 600})
	if err != nil || len(inflight.Messages) != 1 {
		t.Fatalf("receive from InFlight: %v %v", inflight, err)
	}
	if err := e.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	_, url = openAt(t, dir)
	cfg = adminConfig(url)
	db, iamc, q = dynamodb.NewFromConfig(cfg), iam.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	if _, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("OrdersTable")}); err != nil {
		t.Fatalf("table after restart: %v", err)
	}
	if got := scanOrders(t, ctx, db); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("items after restart: %v, want %v", got, want)
	}
	if _, err := iamc.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("ProcessOrderFunction-role")}); err != nil {
		t.Errorf("role after restart: %v", err)
	}
	rp, err := iamc.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("ProcessOrderFunction-role"), PolicyName: aws.String("p")})
	if err != nil {
		t.Errorf("role policy after restart: %v", err)
	} else if same, err := policies.Equal([]byte(aws.ToString(rp.PolicyDocument)), []byte(putItemPolicy)); !same || err != nil {
		t.Errorf("role policy after restart: %s, want %s (%v)", aws.ToString(rp.PolicyDocument), putItemPolicy, err)
	}
	gq, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("HighValueQueue")})
	if err != nil {
		t.Fatalf("queue after restart: %v", err)
	}
	bodies := drainQueue(t, ctx, q, aws.ToString(gq.QueueUrl))
	var wantBodies []string
	for _, b := range []string{"m1", "m2", "m3"} {
		if b != deleted {
			wantBodies = append(wantBodies, b)
		}
	}
	if strings.Join(bodies, ",") != strings.Join(wantBodies, ",") {
		t.Errorf("messages after restart: %v, want %v (deleted %s)", bodies, wantBodies, deleted)
	}

	fq, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("InFlight")})
	if err != nil {
		t.Fatalf("InFlight after restart: %v", err)
	}
	if _, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: fq.QueueUrl, ReceiptHandle: inflight.Messages[0].ReceiptHandle}); err != nil {
		t.Errorf("delete with a receipt handle from before the restart: %v", err)
	}
	counts, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: fq.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{
		sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatal(err)
	}
	if counts.Attributes["ApproximateNumberOfMessages"] != "0" || counts.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Errorf("InFlight after deleting its only message: %v", counts.Attributes)
	}
}
