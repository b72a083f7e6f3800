package sqs

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

func TestBatchOperations(t *testing.T) {
	e := newEnv(t)
	url := e.createQueue(t, "batch", nil)
	entries := []types.SendMessageBatchRequestEntry{
		{Id: aws.String("a"), MessageBody: aws.String("one"), MessageAttributes: map[string]types.MessageAttributeValue{"k": {DataType: aws.String("String"), StringValue: aws.String("v")}}},
		{Id: aws.String("b"), MessageBody: aws.String("two")},
		{Id: aws.String("bad"), MessageBody: aws.String("three"), DelaySeconds: 1000},
	}
	sent, err := e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: entries})
	if err != nil {
		t.Fatal(err) // the SDK checks each successful entry's MD5OfMessageBody
	}
	if len(sent.Successful) != 2 || len(sent.Failed) != 1 {
		t.Fatalf("batch send: %d ok, %d failed", len(sent.Successful), len(sent.Failed))
	}
	if f := sent.Failed[0]; aws.ToString(f.Id) != "bad" || aws.ToString(f.Code) != "InvalidParameterValue" || !f.SenderFault {
		t.Fatalf("failed entry = %+v", f)
	}
	if sent.Successful[0].MD5OfMessageAttributes == nil {
		t.Fatal("MD5OfMessageAttributes missing on the entry with attributes")
	}

	got, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10})
	if err != nil || len(got.Messages) != 2 {
		t.Fatalf("receive: %v, %d messages", err, len(got.Messages))
	}
	vis, err := e.client.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: &url, Entries: []types.ChangeMessageVisibilityBatchRequestEntry{
		{Id: aws.String("x"), ReceiptHandle: got.Messages[0].ReceiptHandle, VisibilityTimeout: 100},
		{Id: aws.String("y"), ReceiptHandle: aws.String("nonsense"), VisibilityTimeout: 100},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(vis.Successful) != 1 || len(vis.Failed) != 1 || aws.ToString(vis.Failed[0].Code) != "ReceiptHandleIsInvalid" {
		t.Fatalf("visibility batch: %+v", vis)
	}
	del, err := e.client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: []types.DeleteMessageBatchRequestEntry{
		{Id: aws.String("1"), ReceiptHandle: got.Messages[0].ReceiptHandle},
		{Id: aws.String("2"), ReceiptHandle: got.Messages[1].ReceiptHandle},
		{Id: aws.String("3"), ReceiptHandle: aws.String("AQEBbad")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(del.Successful) != 2 || len(del.Failed) != 1 {
		t.Fatalf("delete batch: %+v", del)
	}
	counts, _ := e.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"All"}})
	if counts.Attributes["ApproximateNumberOfMessages"] != "0" || counts.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Fatalf("queue not empty after batch delete: %v", counts.Attributes)
	}
}

func TestBatchRequestErrors(t *testing.T) {
	e := newEnv(t)
	url := e.createQueue(t, "batcherr", nil)
	entry := func(id string) types.SendMessageBatchRequestEntry {
		return types.SendMessageBatchRequestEntry{Id: aws.String(id), MessageBody: aws.String("x")}
	}
	_, err := e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{}})
	wantType[*types.EmptyBatchRequest](t, err)
	var eleven []types.SendMessageBatchRequestEntry
	for i := range 11 {
		eleven = append(eleven, entry(fmt.Sprint(i)))
	}
	_, err = e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: eleven})
	wantType[*types.TooManyEntriesInBatchRequest](t, err)
	_, err = e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{entry("a"), entry("a")}})
	wantType[*types.BatchEntryIdsNotDistinct](t, err)
	_, err = e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{entry("no spaces")}})
	wantType[*types.InvalidBatchEntryId](t, err)
	big := strings.Repeat("x", 600_000)
	_, err = e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("a"), MessageBody: &big}, {Id: aws.String("b"), MessageBody: &big},
	}})
	wantType[*types.BatchRequestTooLong](t, err)
	_, err = e.client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: []types.DeleteMessageBatchRequestEntry{}})
	wantType[*types.EmptyBatchRequest](t, err)
}

func TestRedriveToDeadLetterQueue(t *testing.T) {
	e := newEnv(t)
	dlqURL := e.createQueue(t, "orders-dlq", nil)
	src := e.createQueue(t, "orders-src", map[string]string{
		"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:orders-dlq","maxReceiveCount":2}`,
	})
	sent, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &src, MessageBody: aws.String("poison"),
		MessageAttributes: map[string]types.MessageAttributeValue{"k": {DataType: aws.String("String"), StringValue: aws.String("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		out, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &src})
		if err != nil || len(out.Messages) != 1 {
			t.Fatalf("receive %d: %v %d", i, err, len(out.Messages))
		}
		// Processing "failed": hand it back at once.
		if _, err := e.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &src, ReceiptHandle: out.Messages[0].ReceiptHandle, VisibilityTimeout: 0}); err != nil {
			t.Fatal(err)
		}
	}
	// The third receive exceeds maxReceiveCount: the message moves instead.
	out, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &src})
	if err != nil || len(out.Messages) != 0 {
		t.Fatalf("source still delivers the message: %v %+v", err, out.Messages)
	}
	moved, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &dlqURL, MessageAttributeNames: []string{"All"},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}})
	if err != nil || len(moved.Messages) != 1 {
		t.Fatalf("dead-letter queue: %v %d", err, len(moved.Messages))
	}
	m := moved.Messages[0]
	if aws.ToString(m.MessageId) != aws.ToString(sent.MessageId) || aws.ToString(m.Body) != "poison" ||
		aws.ToString(m.MessageAttributes["k"].StringValue) != "v" ||
		m.Attributes["DeadLetterQueueSourceArn"] != "arn:aws:sqs:us-east-1:000000000000:orders-src" {
		t.Fatalf("moved message = %+v", m)
	}
	if m.Attributes["ApproximateReceiveCount"] != "3" {
		t.Fatalf("ApproximateReceiveCount in the DLQ = %s, want 3 (not reset)", m.Attributes["ApproximateReceiveCount"])
	}
	sources, err := e.client.ListDeadLetterSourceQueues(ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: &dlqURL})
	if err != nil || len(sources.QueueUrls) != 1 || sources.QueueUrls[0] != src {
		t.Fatalf("ListDeadLetterSourceQueues = %v, %v", sources, err)
	}
}
