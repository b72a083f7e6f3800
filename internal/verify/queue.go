package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/orders-dev/orders/function/handler"
	"github.com/orders-dev/orders/internal/awsapi"
)

// SQS limits for one ReceiveMessage.
const (
	maxWaitSeconds = 20
	maxBatch       = 10
	// holdMargin is added to the poll time for the visibility of the
	// messages the probe receives: long enough that a foreign message is
	// not handed back to this same poll over and over, short enough that
	// if verify dies they reappear soon. Verify releases them itself.
	holdMargin = 10 * time.Second
)

// snsEnvelope is the JSON SNS delivers to SQS (without raw delivery).
type snsEnvelope struct {
	Type      string `json:"Type"`
	MessageID string `json:"MessageId"`
	TopicArn  string `json:"TopicArn"`
	Message   string `json:"Message"`
}

// notification is the handler's message body (handler.Notification), read
// with the amount as its exact JSON text.
type notification struct {
	OrderID string          `json:"OrderId"`
	Amount  json.RawMessage `json:"Amount"`
}

// queueMessage is one received message, read.
type queueMessage struct {
	sqsID, receipt string
	envelope       bool   // an SNS envelope (not raw delivery)
	snsID, topic   string // from the envelope
	orderID        string // "" when the body is not an order notification
	amount         string
}

func readMessage(m sqstypes.Message) queueMessage {
	q := queueMessage{sqsID: aws.ToString(m.MessageId), receipt: aws.ToString(m.ReceiptHandle)}
	body := aws.ToString(m.Body)
	var env snsEnvelope
	if err := json.Unmarshal([]byte(body), &env); err == nil && env.Type == "Notification" && env.Message != "" {
		q.envelope, q.snsID, q.topic = true, env.MessageID, env.TopicArn
		body = env.Message
	}
	var n notification
	if err := json.Unmarshal([]byte(body), &n); err == nil {
		q.orderID, q.amount = n.OrderID, string(n.Amount)
	}
	return q
}

// probeQueue long-polls the queue until HIGH's notification arrives, then
// looks once more, briefly, for a second one or one for LOW. The probe's
// messages are deleted; every other message is only looked at: it stays
// hidden while the probe polls (so it is not received again and again,
// which would also count against a redrive policy's maxReceiveCount) and is
// made visible again (ChangeMessageVisibility 0) as soon as the poll ends,
// also after a failure or cancellation. Nothing else is ever deleted.
func probeQueue(ctx context.Context, e *env, low, high *probeOrder) Result {
	r := Result{Name: NameProbeQueue}
	if high.err != nil || !high.out.Notified {
		r.Detail = fmt.Sprintf("not checked: the %s was not notified (see %q)", high, NameProbeInvoke)
		r.Problems = []string{r.Detail}
		return r
	}
	urlOut, err := e.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(e.names.Queue)})
	if err != nil {
		r.Detail = fmt.Sprintf("get the URL of queue %s: %v", e.names.Queue, awsapi.ExplainAccessDenied(err))
		r.Problems = []string{r.Detail}
		return r
	}
	url := aws.ToString(urlOut.QueueUrl)
	// Deleting and releasing must happen even if ctx is cancelled meanwhile.
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout+e.pollTimeout)
	defer cancel()

	start := e.clock.Now()
	deadline := start.Add(e.pollTimeout)
	visibility := int32(math.Ceil((e.pollTimeout + holdMargin).Seconds()))
	var (
		found     []queueMessage // HIGH's
		foundAt   time.Duration
		lowSeen   int
		held      []queueMessage // everyone else's
		lastLook  bool
		firstPoll = true
	)
	for {
		remaining := deadline.Sub(e.clock.Now())
		if !firstPoll && remaining <= 0 {
			break
		}
		firstPoll = false
		wait := int32(min(maxWaitSeconds, math.Ceil(max(remaining, 0).Seconds())))
		if lastLook {
			wait = min(wait, 1)
		}
		out, err := e.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:            aws.String(url),
			MaxNumberOfMessages: maxBatch,
			WaitTimeSeconds:     wait,
			VisibilityTimeout:   visibility,
		})
		if err != nil {
			if ctx.Err() != nil {
				r.Problems = append(r.Problems, "stopped: "+ctx.Err().Error())
			} else {
				r.Problems = append(r.Problems, fmt.Sprintf("receive from queue %s: %v", e.names.Queue, awsapi.ExplainAccessDenied(err)))
			}
			break
		}
		for _, m := range out.Messages {
			q := readMessage(m)
			switch q.orderID {
			case high.id:
				if len(found) == 0 {
					foundAt = e.clock.Now().Sub(start)
				}
				found = append(found, q)
				r.Problems = append(r.Problems, highMessageProblems(e, high, q, found)...)
			case low.id:
				lowSeen++
				r.Problems = append(r.Problems, fmt.Sprintf("a message for the %s arrived (SQS message %s): an order at or below the threshold %s must not notify",
					low, q.sqsID, e.threshold))
			default:
				held = append(held, q)
				continue
			}
			if _, err := e.sqs.DeleteMessage(bg, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String(q.receipt)}); err != nil {
				r.Problems = append(r.Problems, fmt.Sprintf("delete the probe's message %s: %v", q.sqsID, awsapi.ExplainAccessDenied(err)))
			}
		}
		if lastLook {
			break
		}
		if len(found) > 0 {
			lastLook = true
		}
	}
	for _, q := range held {
		_, err := e.sqs.ChangeMessageVisibility(bg, &sqs.ChangeMessageVisibilityInput{
			QueueUrl: aws.String(url), ReceiptHandle: aws.String(q.receipt), VisibilityTimeout: 0,
		})
		if err != nil {
			r.Problems = append(r.Problems, fmt.Sprintf("make message %s visible again: %v (it reappears by itself within %ds)",
				q.sqsID, awsapi.ExplainAccessDenied(err), visibility))
		}
	}
	if len(found) == 0 {
		r.Problems = append(r.Problems, fmt.Sprintf("no message for the %s arrived in queue %s within %s", high, e.names.Queue, e.pollTimeout))
	}
	r.OK = len(r.Problems) == 0
	others := fmt.Sprintf("%d other message%s left in the queue", len(held), plural(len(held)))
	switch {
	case r.OK:
		r.Detail = fmt.Sprintf("exactly one message for %s after %s (SNS message %s), none for %s; %s",
			high.id, roundDuration(foundAt), found[0].snsID, low.id, others)
	default:
		r.Detail = fmt.Sprintf("queue %s: %d message%s for HIGH, %d for LOW; %s",
			e.names.Queue, len(found), plural(len(found)), lowSeen, others)
	}
	return r
}

// highMessageProblems checks one message for HIGH; found includes it.
func highMessageProblems(e *env, high *probeOrder, q queueMessage, found []queueMessage) []string {
	var p []string
	if len(found) > 1 {
		why := "published twice"
		if q.snsID != "" && q.snsID == found[0].snsID {
			why = "SNS delivered the same message twice"
		}
		p = append(p, fmt.Sprintf("a second message for the %s arrived (SQS message %s, %s): exactly one is expected", high, q.sqsID, why))
		return p
	}
	if !q.envelope {
		p = append(p, fmt.Sprintf("the message for %s is not an SNS envelope (is raw message delivery on?)", high.id))
	} else {
		if q.topic != e.arns.Topic {
			p = append(p, fmt.Sprintf("the message for %s came from topic %s, not %s", high.id, q.topic, e.arns.Topic))
		}
		if high.out.MessageID != "" && q.snsID != high.out.MessageID {
			p = append(p, fmt.Sprintf("the message for %s has SNS MessageId %s, but the function published %s", high.id, q.snsID, high.out.MessageID))
		}
	}
	if a, err := handler.ParseAmount(q.amount); err != nil || a.Cmp(high.amount) != 0 {
		p = append(p, fmt.Sprintf("the message for %s carries Amount %s, want exactly %s", high.id, orNone(q.amount), high.amount))
	}
	return p
}
