package sns

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/orders-dev/orders/internal/emulator/store"
)

// storedBodies are the message records' bodies of every queue in st.
func storedBodies(t *testing.T, st *store.Store) []string {
	t.Helper()
	names, err := st.Buckets("sqs.msgs/")
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, b := range names {
		err := st.ForEach(b, func(_, v []byte) error {
			var rec struct{ Body string }
			if err := json.Unmarshal(v, &rec); err != nil {
				return err
			}
			bodies = append(bodies, rec.Body)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return bodies
}

// Publish stores the envelope unsigned and the queue signs it at its first
// receive — after a restart too — with a signature that verifies, kept for
// every later receive.
func TestPublishLeavesSigningToTheFirstReceive(t *testing.T) {
	dir := t.TempDir()
	st1, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := start(t, envOptions{st: st1})
	topicARN := e.createTopic(t, "HighValueOrderTopic")
	qurl, qarn := e.createQueue(t, "HighValueQueue", topicARN)
	e.subscribe(t, topicARN, qarn, nil)
	if _, err := e.topic.Publish(ctx, &sns.PublishInput{TopicArn: &topicARN, Message: aws.String(`{"OrderId":"ORD-1"}`), Subject: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	bodies := storedBodies(t, st1)
	if len(bodies) != 1 || !strings.Contains(bodies[0], unsignedField) {
		t.Fatalf("stored after Publish: %q, want one envelope still unsigned", bodies)
	}
	if err := e.sqs.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st1.Close(); err != nil {
		t.Fatal(err)
	}

	e2 := start(t, envOptions{st: openStore(t, dir)})
	got, err := e2.queue.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &qurl})
	if err != nil || len(got.Messages) != 1 {
		t.Fatalf("receive after restart: %v %+v", err, got)
	}
	first := aws.ToString(got.Messages[0].Body)
	var env map[string]any
	if err := json.Unmarshal([]byte(first), &env); err != nil {
		t.Fatal(err)
	}
	verifySignature(t, env)
	if bodies := storedBodies(t, e2.st); len(bodies) != 1 || bodies[0] != first {
		t.Fatalf("stored after the first receive: %q, want the signed body", bodies)
	}
	if _, err := e2.queue.ChangeMessageVisibility(ctx, &awssqs.ChangeMessageVisibilityInput{QueueUrl: &qurl, ReceiptHandle: got.Messages[0].ReceiptHandle, VisibilityTimeout: 0}); err != nil {
		t.Fatal(err)
	}
	again, err := e2.queue.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &qurl})
	if err != nil || len(again.Messages) != 1 || aws.ToString(again.Messages[0].Body) != first {
		t.Fatalf("second receive: %v %+v, want the same body", err, again)
	}
}
