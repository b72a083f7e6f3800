package verify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/orders-dev/orders/function/handler"
	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/policies"
)

// The probe never reads the stack's queue, where other consumers' messages
// are: it makes a temporary queue of its own, subscribed to the topic with a
// filter policy that lets through only the probe's two orders (the function
// publishes each OrderId as the message attribute order_id), and reads its
// message there. The stack's own subscription and queue policy are checked
// from their configuration instead.

// ProbeTagKey tags the probe's temporary queue with the stack's name: a
// later verify finds by it (and the name prefix) what an interrupted one
// left behind.
const ProbeTagKey = "orders:verify-probe"

// ProbeQueuePrefix is how the names of the probe's temporary queues of a
// stack begin: the stack queue's name, "-probe-", then a random suffix.
func ProbeQueuePrefix(queue string) string { return queue + policies.ProbeQueueInfix }

// staleAfter is how old a probe queue must be before a later verify removes
// it: older than any verify still running could be.
func staleAfter(pollTimeout time.Duration) time.Duration {
	return max(5*time.Minute, 3*pollTimeout+2*cleanupTimeout)
}

// probeSub is the probe's temporary queue and its subscription.
type probeSub struct {
	name, url, arn string
	sub            string // subscription ARN; "" until subscribed
}

// newProbeSub creates the probe's queue (its policy letting only the topic
// send, as the stack queue's does; tagged as the probe's) and subscribes it
// to the topic for the given order ids only. On an error it removes what it
// made.
func newProbeSub(ctx context.Context, e *env, ids ...string) (*probeSub, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("make a name for the probe's queue: %w", err)
	}
	p := &probeSub{name: ProbeQueuePrefix(e.names.Queue) + hex.EncodeToString(b[:])}
	p.arn = fmt.Sprintf("arn:%s:sqs:%s:%s:%s", e.arns.Partition, e.arns.Region, e.arns.Account, p.name)
	a := e.arns
	a.Queue = p.arn
	pol, err := policies.Render("queue", a)
	if err != nil {
		return nil, err
	}
	out, err := e.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName: aws.String(p.name),
		Attributes: map[string]string{
			string(sqstypes.QueueAttributeNamePolicy):               string(pol),
			string(sqstypes.QueueAttributeNameSqsManagedSseEnabled): "true",
			// Should every cleanup fail, SQS drops the messages after 1 hour.
			string(sqstypes.QueueAttributeNameMessageRetentionPeriod): "3600",
		},
		Tags: map[string]string{ProbeTagKey: e.names.Stack},
	})
	if err != nil {
		return nil, fmt.Errorf("create the probe's queue %s: %w", p.name, awsapi.ExplainAccessDenied(err))
	}
	p.url = aws.ToString(out.QueueUrl)
	if err := waitQueueUsable(ctx, e, p); err != nil {
		if probs := p.remove(ctx, e); len(probs) > 0 {
			err = fmt.Errorf("%w; and %s", err, strings.Join(probs, "; "))
		}
		return nil, err
	}
	filter, _ := json.Marshal(map[string][]string{handler.OrderIDAttribute: ids})
	sub, err := e.sns.Subscribe(ctx, &sns.SubscribeInput{
		TopicArn: aws.String(e.arns.Topic), Protocol: aws.String("sqs"), Endpoint: aws.String(p.arn),
		Attributes:            map[string]string{"FilterPolicy": string(filter)},
		ReturnSubscriptionArn: true,
	})
	if err != nil {
		err = fmt.Errorf("subscribe the probe's queue %s to topic %s: %w", p.name, e.names.Topic, awsapi.ExplainAccessDenied(err))
		if probs := p.remove(ctx, e); len(probs) > 0 {
			err = fmt.Errorf("%w; and %s", err, strings.Join(probs, "; "))
		}
		return nil, err
	}
	p.sub = aws.ToString(sub.SubscriptionArn)
	return p, nil
}

// waitQueueUsable waits until SQS answers for the probe's new queue:
// "After you create a queue, you must wait at least one second after the
// queue is created to be able to use the queue" (SQS API reference,
// CreateQueue), and SNS's deliveries to it are lost until then.
func waitQueueUsable(ctx context.Context, e *env, p *probeSub) error {
	deadline := e.clock.Now().Add(e.pollTimeout)
	for {
		_, err := e.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
			QueueUrl: aws.String(p.url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
		switch {
		case err == nil:
			return nil
		case !notFound(err):
			return fmt.Errorf("read the probe's new queue %s: %w", p.name, awsapi.ExplainAccessDenied(err))
		case !e.clock.Now().Before(deadline):
			return fmt.Errorf("the probe's new queue %s is still not usable after %s: %w", p.name, e.pollTimeout, err)
		}
		if err := e.clock.Sleep(ctx, queueUsableEvery); err != nil {
			return fmt.Errorf("wait for the probe's new queue %s: %w", p.name, err)
		}
	}
}

// queueUsableEvery is how often waitQueueUsable asks.
const queueUsableEvery = 250 * time.Millisecond

// remove unsubscribes and deletes the probe's queue, even after a
// cancellation (ctx's values only are used), and returns what failed.
func (p *probeSub) remove(ctx context.Context, e *env) []string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	var probs []string
	if p.sub != "" && p.sub != "PendingConfirmation" {
		if _, err := e.sns.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(p.sub)}); err != nil && !notFound(err) {
			probs = append(probs, fmt.Sprintf("unsubscribe the probe's queue %s: %v", p.name, awsapi.ExplainAccessDenied(err)))
		}
	}
	if p.url != "" {
		if _, err := e.sqs.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(p.url)}); err != nil && !notFound(err) {
			probs = append(probs, fmt.Sprintf("delete the probe's queue %s: %v", p.name, awsapi.ExplainAccessDenied(err)))
		}
	}
	return probs
}

func notFound(err error) bool {
	switch awsapi.ErrorCode(err) {
	case "NotFound", "NotFoundException", "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist":
		return true
	}
	return false
}

// removeLeftovers deletes what interrupted verifies of this stack left: probe
// queues (by name prefix and tag) older than staleAfter, with their
// subscriptions, and subscriptions of the topic to probe queues that no
// longer exist. Younger probe queues may be another verify's, running now:
// they are left alone. It returns the names removed and what failed.
func removeLeftovers(ctx context.Context, e *env) (removed, probs []string) {
	prefix := ProbeQueuePrefix(e.names.Queue)
	arnPrefix := fmt.Sprintf("arn:%s:sqs:%s:%s:%s", e.arns.Partition, e.arns.Region, e.arns.Account, prefix)
	live := map[string]bool{} // probe queue ARNs that exist and stay
	var stale []*probeSub
	in := &sqs.ListQueuesInput{QueueNamePrefix: aws.String(prefix)}
	for {
		out, err := e.sqs.ListQueues(ctx, in)
		if err != nil {
			return nil, []string{fmt.Sprintf("list leftover probe queues %s*: %v", prefix, awsapi.ExplainAccessDenied(err))}
		}
		for _, u := range out.QueueUrls {
			name := u[strings.LastIndex(u, "/")+1:]
			p := &probeSub{name: name, url: u, arn: arnPrefix + strings.TrimPrefix(name, prefix)}
			tags, err := e.sqs.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: aws.String(u)})
			if err != nil {
				if !notFound(err) {
					probs = append(probs, fmt.Sprintf("list tags of queue %s: %v", name, awsapi.ExplainAccessDenied(err)))
				}
				continue
			}
			if tags.Tags[ProbeTagKey] != e.names.Stack {
				continue // not a probe queue of this stack: never touched
			}
			attrs, err := e.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(u),
				AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameCreatedTimestamp}})
			if err != nil {
				if !notFound(err) {
					probs = append(probs, fmt.Sprintf("read queue %s: %v", name, awsapi.ExplainAccessDenied(err)))
				}
				continue
			}
			secs, _ := strconv.ParseInt(attrs.Attributes[string(sqstypes.QueueAttributeNameCreatedTimestamp)], 10, 64)
			if e.clock.Now().Sub(time.Unix(secs, 0)) < staleAfter(e.pollTimeout) {
				live[p.arn] = true
				continue
			}
			stale = append(stale, p)
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	// Subscriptions of the topic to probe queues that are stale or gone.
	subs := map[string][]string{}
	sin := &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(e.arns.Topic)}
	for {
		out, err := e.sns.ListSubscriptionsByTopic(ctx, sin)
		if err != nil {
			probs = append(probs, fmt.Sprintf("list subscriptions of topic %s: %v", e.names.Topic, awsapi.ExplainAccessDenied(err)))
			break
		}
		for _, s := range out.Subscriptions {
			ep := aws.ToString(s.Endpoint)
			if aws.ToString(s.Protocol) == "sqs" && strings.HasPrefix(ep, arnPrefix) && !live[ep] {
				subs[ep] = append(subs[ep], aws.ToString(s.SubscriptionArn))
			}
		}
		if out.NextToken == nil {
			break
		}
		sin.NextToken = out.NextToken
	}
	for _, p := range stale {
		for _, s := range subs[p.arn] {
			p.sub = s
			probs = append(probs, p.remove(ctx, e)...)
			p.url = "" // deleted once
		}
		if p.url != "" {
			probs = append(probs, p.remove(ctx, e)...)
		}
		delete(subs, p.arn)
		removed = append(removed, p.name)
	}
	for ep, arns := range subs { // their queues are gone already
		for _, s := range arns {
			p := &probeSub{name: ep[strings.LastIndex(ep, ":")+1:], sub: s}
			probs = append(probs, p.remove(ctx, e)...)
			removed = append(removed, "subscription "+s)
		}
	}
	return removed, probs
}
