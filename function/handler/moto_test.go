package handler

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/orders-dev/orders/internal/emulator/emutest"
	"github.com/orders-dev/orders/sdkhttp"
)

// startMoto runs moto_server (an independent AWS emulator) for this test:
// skipped where it is not installed, unless ORDERS_TEST_PEERS=1 requires it.
func startMoto(t *testing.T) aws.Config {
	t.Helper()
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint: aws.String(emutest.Moto(t)),
		HTTPClient:   sdkhttp.New(),
	}
}

func TestAgainstMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	cfg := startMoto(t)
	ctx := context.Background()
	ddb, topics, queues := dynamodb.NewFromConfig(cfg), sns.NewFromConfig(cfg), sqs.NewFromConfig(cfg)

	_, err := ddb.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("OrdersTable"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("OrderId"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("OrderId"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	topic, err := topics.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("HighValueOrderTopic")})
	if err != nil {
		t.Fatal(err)
	}
	q, err := queues.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("HighValueQueue")})
	if err != nil {
		t.Fatal(err)
	}
	qa, err := queues.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := topics.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(qa.Attributes["QueueArn"])}); err != nil {
		t.Fatal(err)
	}

	logs := &bytes.Buffer{}
	newHandler := func(topicARN string) *Handler {
		return New(Config{TableName: "OrdersTable", TopicARN: topicARN, Threshold: MustParseAmount("100")},
			ddb, topics, slog.New(slog.NewJSONHandler(logs, nil)))
	}
	h := newHandler(*topic.TopicArn)
	handle := func(h *Handler, payload string) (Result, error) {
		return h.Handle(ctx, []byte(payload))
	}

	steps := []struct {
		payload string
		want    Result
		errType error
	}{
		{`{"OrderId":"ORD-1001","Amount":250}`, Result{OrderID: "ORD-1001", Stored: true, Notified: true}, nil},
		{`{"OrderId":"ORD-1002","Amount":99.99}`, Result{OrderID: "ORD-1002", Stored: true}, nil},
		{`{"OrderId":"ORD-1003","Amount":100}`, Result{OrderID: "ORD-1003", Stored: true}, nil},
		{`{"OrderId":"ORD-1001","Amount":250.00}`, Result{OrderID: "ORD-1001", Duplicate: true}, nil},
		{`{"OrderId":"ORD-1002","Amount":99.99}`, Result{OrderID: "ORD-1002", Duplicate: true}, nil},
		{`{"OrderId":"ORD-1001","Amount":300}`, Result{OrderID: "ORD-1001"}, &ConflictError{}},
		{`{"OrderId":"ORD-1004","Amount":-3}`, Result{}, &ValidationError{}},
	}
	for _, s := range steps {
		res, err := handle(h, s.payload)
		if s.errType != nil {
			if err == nil || fmt.Sprintf("%T", err) != fmt.Sprintf("%T", s.errType) {
				t.Fatalf("%s: err %v, want %T", s.payload, err, s.errType)
			}
		} else if err != nil {
			t.Fatalf("%s: %v", s.payload, err)
		}
		res.MessageID = "" // checked below
		if res != s.want {
			t.Fatalf("%s: %+v, want %+v", s.payload, res, s.want)
		}
	}

	// A publish that fails (here: the topic does not exist) leaves the order
	// pending; the replay with the right topic notifies it once.
	broken := newHandler(*topic.TopicArn + "-missing")
	_, err = handle(broken, `{"OrderId":"ORD-2001","Amount":500}`)
	var ne *NotifyError
	if !errors.As(err, &ne) || ne.Code() == "" {
		t.Fatalf("publish to a missing topic: %v", err)
	}
	t.Logf("moto's publish failure, as the function reports it: %v", err)
	res, err := handle(h, `{"OrderId":"ORD-2001","Amount":500}`)
	if err != nil || !res.Notified || res.Stored {
		t.Fatalf("replay of the pending order: %+v, %v", res, err)
	}
	if res, err := handle(h, `{"OrderId":"ORD-2001","Amount":500}`); err != nil || !res.Duplicate {
		t.Fatalf("second replay: %+v, %v", res, err)
	}

	wantItems := map[string][2]string{ // OrderId → Amount N, Status
		"ORD-1001": {"250", "NOTIFIED"},
		"ORD-1002": {"99.99", "COMPLETE"},
		"ORD-1003": {"100", "COMPLETE"},
		"ORD-2001": {"500", "NOTIFIED"},
	}
	for id, want := range wantItems {
		out, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("OrdersTable"),
			Key: map[string]types.AttributeValue{"OrderId": &types.AttributeValueMemberS{Value: id}}})
		if err != nil {
			t.Fatal(err)
		}
		got := attrs(out.Item)
		if got["Amount"] != "N:"+want[0] || got["Status"] != "S:"+want[1] {
			t.Errorf("%s: item %v, want Amount %s Status %s", id, got, want[0], want[1])
		}
		if _, err := time.Parse(time.RFC3339Nano, got["ReceivedAt"][2:]); err != nil {
			t.Errorf("%s: ReceivedAt %q", id, got["ReceivedAt"])
		}
	}
	if out, _ := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("OrdersTable"),
		Key: map[string]types.AttributeValue{"OrderId": &types.AttributeValueMemberS{Value: "ORD-1004"}}}); len(out.Item) != 0 {
		t.Errorf("a rejected order was stored: %v", attrs(out.Item))
	}

	// Exactly one message per notified order reached the queue.
	var ids []string
	for {
		msgs, err := queues.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs.Messages) == 0 {
			break
		}
		for _, m := range msgs.Messages {
			var envelope struct{ Subject, Message string }
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &envelope); err != nil {
				t.Fatalf("envelope %s: %v", aws.ToString(m.Body), err)
			}
			var n struct {
				OrderId string
				Amount  json.Number
			}
			if err := json.Unmarshal([]byte(envelope.Message), &n); err != nil {
				t.Fatalf("message %s: %v", envelope.Message, err)
			}
			if envelope.Subject != "High-value order "+n.OrderId {
				t.Errorf("Subject %q", envelope.Subject)
			}
			ids = append(ids, n.OrderId+"="+n.Amount.String())
			queues.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: m.ReceiptHandle})
		}
	}
	sort.Strings(ids)
	if fmt.Sprint(ids) != "[ORD-1001=250 ORD-2001=500]" {
		t.Errorf("queued notifications %v, want exactly one each for ORD-1001 and ORD-2001", ids)
	}
}
