package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	qtypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/orders-dev/orders/policies"
)

// Verify's probe disturbs nobody. HighValueQueue holds a backlog of
// 10,000 messages and a consumer polls it all through verify: verify
// passes, and the consumer gets each of the 10,000 exactly once, with
// ApproximateReceiveCount 1 at its first receive (the probe neither
// received nor hid any). Afterwards no probe queue or subscription is left.
func TestProbeLeavesBacklogAndConsumerAlone(t *testing.T) {
	const backlog = 10_000
	m := startEmulator(t)
	admin := m.admin()
	mustOrders(t, admin, 0, "up")
	ctx := context.Background()
	q := sqs.NewFromConfig(admin)
	u, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("HighValueQueue")})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < backlog; i += 10 {
		var entries []qtypes.SendMessageBatchRequestEntry
		for j := i; j < i+10; j++ {
			entries = append(entries, qtypes.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(j)), MessageBody: aws.String(fmt.Sprintf("backlog-%05d", j))})
		}
		out, err := q.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: u.QueueUrl, Entries: entries})
		if err != nil || len(out.Failed) > 0 {
			t.Fatalf("send the backlog: %v %+v", err, out)
		}
	}

	// The consumer: receives and deletes, recording each body's receive
	// count the first time it sees it, until told to stop and the queue
	// is drained.
	var (
		mu       sync.Mutex
		got      = map[string]int{} // body → times received
		first    = map[string]string{}
		stop     = make(chan struct{})
		done     = make(chan error, 1)
		verified bool
	)
	go func() {
		for {
			out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: u.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
				VisibilityTimeout: 120, MessageSystemAttributeNames: []qtypes.MessageSystemAttributeName{qtypes.MessageSystemAttributeNameApproximateReceiveCount}})
			if err != nil {
				done <- err
				return
			}
			for _, msg := range out.Messages {
				body := aws.ToString(msg.Body)
				mu.Lock()
				got[body]++
				if got[body] == 1 {
					first[body] = msg.Attributes[string(qtypes.MessageSystemAttributeNameApproximateReceiveCount)]
				}
				mu.Unlock()
				if _, err := q.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: u.QueueUrl, ReceiptHandle: msg.ReceiptHandle}); err != nil {
					done <- err
					return
				}
			}
			select {
			case <-stop:
				if len(out.Messages) == 0 {
					done <- nil
					return
				}
			default:
			}
		}
	}()
	r := orders(t, admin, "verify")
	verified = r.code == 0
	close(stop)
	if err := <-done; err != nil {
		t.Fatalf("the consumer: %v", err)
	}
	if !verified {
		t.Fatalf("verify failed with a backlog and a consumer: %s", r)
	}
	if !strings.Contains(r.out, "probe's queue HighValueQueue-probe-") {
		t.Errorf("verify does not say it used its own queue: %s", r)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := range backlog {
		body := fmt.Sprintf("backlog-%05d", i)
		if got[body] != 1 || first[body] != "1" {
			t.Fatalf("backlog message %s: received %d times, first with ApproximateReceiveCount %q; want once, 1", body, got[body], first[body])
		}
	}
	// The only other message the consumer saw is the probe's notification,
	// which reaches the stack's queue as any order's does.
	others := 0
	for body := range got {
		if !strings.HasPrefix(body, "backlog-") {
			others++
			if !strings.Contains(body, "VERIFY-") {
				t.Errorf("the consumer got an unexpected message %.200s", body)
			}
		}
	}
	if others != 1 {
		t.Errorf("the consumer got %d probe notifications, want 1", others)
	}

	// Nothing of the probe is left.
	ql, err := q.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String("HighValueQueue" + policies.ProbeQueueInfix)})
	if err != nil {
		t.Fatal(err)
	}
	if len(ql.QueueUrls) != 0 {
		t.Errorf("probe queues left: %v", ql.QueueUrls)
	}
	subs, err := sns.NewFromConfig(admin).ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(m.arns.Topic)})
	if err != nil {
		t.Fatal(err)
	}
	if len(subs.Subscriptions) != 1 {
		t.Errorf("subscriptions of the topic after verify: %+v, want only the stack's", subs.Subscriptions)
	}
}
