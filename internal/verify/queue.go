package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/orders-dev/orders/function/handler"
	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/policies"
)

// SQS limits for one ReceiveMessage.
const (
	maxWaitSeconds = 20
	maxBatch       = 10
	// holdMargin is added to the poll time for the visibility of what the
	// probe receives from its own queue, so nothing is handed back to it.
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

// probeQueue long-polls the probe's own queue (see probequeue.go) until
// HIGH's notification arrives, then looks once more, briefly, for a second
// one or one for LOW. It never reads, hides or deletes anything in the
// stack's queue: that the stack's queue gets the same notification is
// checked from its subscription and policy (stackDelivery).
func probeQueue(ctx context.Context, e *env, p *probeSub, setupErr error, low, high *probeOrder) Result {
	r := Result{Name: NameProbeQueue}
	if high.err != nil || !high.out.Notified {
		r.Detail = fmt.Sprintf("not checked: the %s was not notified (see %q)", high, NameProbeInvoke)
		r.Problems = []string{r.Detail}
		return r
	}
	if setupErr != nil {
		r.Detail = setupErr.Error()
		r.Problems = []string{r.Detail}
		return r
	}
	r.Problems = append(r.Problems, stackDelivery(ctx, e)...)

	start := e.clock.Now()
	deadline := start.Add(e.pollTimeout)
	visibility := int32(math.Ceil((e.pollTimeout + holdMargin).Seconds()))
	var (
		found     []queueMessage // HIGH's
		foundAt   time.Duration
		lowSeen   int
		others    int                 // not the probe's: only while SNS applies the new filter policy
		seen      = map[string]bool{} // SQS message ids already read
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
			QueueUrl:            aws.String(p.url),
			MaxNumberOfMessages: maxBatch,
			WaitTimeSeconds:     wait,
			VisibilityTimeout:   visibility,
		})
		if err != nil {
			if ctx.Err() != nil {
				r.Problems = append(r.Problems, "stopped: "+ctx.Err().Error())
			} else {
				r.Problems = append(r.Problems, fmt.Sprintf("receive from the probe's queue %s: %v", p.name, awsapi.ExplainAccessDenied(err)))
			}
			break
		}
		for _, m := range out.Messages {
			q := readMessage(m)
			if seen[q.sqsID] { // the same SQS message again, not a second delivery
				continue
			}
			seen[q.sqsID] = true
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
				others++
			}
		}
		if lastLook {
			break
		}
		if len(found) > 0 {
			lastLook = true
		}
	}
	if len(found) == 0 {
		r.Problems = append(r.Problems, fmt.Sprintf("no message for the %s arrived in the probe's queue %s (subscribed to topic %s) within %s",
			high, p.name, e.names.Topic, e.pollTimeout))
	}
	r.OK = len(r.Problems) == 0
	untouched := fmt.Sprintf("queue %s itself not read (its subscription and policy checked)", e.names.Queue)
	switch {
	case r.OK:
		r.Detail = fmt.Sprintf("exactly one message for %s after %s (SNS message %s) in the probe's queue %s, none for %s; %s",
			high.id, roundDuration(foundAt), found[0].snsID, p.name, low.id, untouched)
	default:
		r.Detail = fmt.Sprintf("probe's queue %s: %d message%s for HIGH, %d for LOW; %s",
			p.name, len(found), plural(len(found)), lowSeen, untouched)
	}
	if others > 0 {
		r.Detail += fmt.Sprintf("; %d other notification%s reached the probe's queue while SNS applied its filter policy (copies: the stack's queue keeps its own)", others, plural(others))
	}
	return r
}

// stackDelivery checks from configuration that the topic delivers to the
// stack's queue as it does to the probe's: an SQS subscription of the queue,
// confirmed, SNS's envelope, no filter policy, and the queue's policy
// letting the topic send. It reads no message.
func stackDelivery(ctx context.Context, e *env) []string {
	var sub string
	in := &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(e.arns.Topic)}
	for {
		out, err := e.sns.ListSubscriptionsByTopic(ctx, in)
		if err != nil {
			return []string{fmt.Sprintf("list subscriptions of topic %s: %v", e.names.Topic, awsapi.ExplainAccessDenied(err))}
		}
		for _, s := range out.Subscriptions {
			if aws.ToString(s.Protocol) == "sqs" && aws.ToString(s.Endpoint) == e.arns.Queue && sub == "" {
				sub = aws.ToString(s.SubscriptionArn)
			}
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	var probs []string
	switch sub {
	case "":
		return []string{fmt.Sprintf("queue %s is not subscribed to topic %s: it gets no notification", e.names.Queue, e.names.Topic)}
	case "PendingConfirmation":
		probs = append(probs, fmt.Sprintf("the subscription of queue %s is pending confirmation: it gets no notification", e.names.Queue))
	default:
		out, err := e.sns.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: aws.String(sub)})
		if err != nil {
			probs = append(probs, fmt.Sprintf("get attributes of subscription %s: %v", sub, awsapi.ExplainAccessDenied(err)))
			break
		}
		if out.Attributes["RawMessageDelivery"] == "true" {
			probs = append(probs, fmt.Sprintf("the subscription of queue %s has raw message delivery on: consumers expect SNS's envelope", e.names.Queue))
		}
		if f := out.Attributes["FilterPolicy"]; f != "" {
			probs = append(probs, fmt.Sprintf("the subscription of queue %s has a filter policy %s: it may drop notifications", e.names.Queue, f))
		}
	}
	u, err := e.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(e.names.Queue)})
	if err != nil {
		return append(probs, fmt.Sprintf("get the URL of queue %s: %v", e.names.Queue, awsapi.ExplainAccessDenied(err)))
	}
	attrs, err := e.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: u.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNamePolicy}})
	if err != nil {
		return append(probs, fmt.Sprintf("get the policy of queue %s: %v", e.names.Queue, awsapi.ExplainAccessDenied(err)))
	}
	want, err := policies.Render("queue", e.arns)
	if err != nil {
		return append(probs, err.Error())
	}
	have := attrs.Attributes[string(sqstypes.QueueAttributeNamePolicy)]
	if same, err := policies.Equal([]byte(have), want); have == "" || err != nil || !same {
		probs = append(probs, fmt.Sprintf("the policy of queue %s is not the template (orders policy queue): SNS may not deliver to it", e.names.Queue))
	}
	return probs
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
