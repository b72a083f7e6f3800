package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/orders-dev/orders/function/handler"
	"github.com/orders-dev/orders/internal/awsapi"
)

// fakeAccount is every SQS queue of the account: the stack's (the world's
// queue) and the ones the probe makes, routed by URL. It records what the
// probe does to queues.
type fakeAccount struct {
	awsapi.SQS
	clock     *fakeClock
	stack     *fakeSQS
	stackName string
	policy    string // the stack queue's Policy attribute

	mu      sync.Mutex
	queues  map[string]*fakeQueue // by URL, probe queues and any others
	created []string              // names
	removed []string              // names
	// onProbeReceive, when set, runs before each ReceiveMessage on a
	// queue other than the stack's (with its number on that queue).
	onProbeReceive func(n int)
}

type fakeQueue struct {
	*fakeSQS
	name    string
	tags    map[string]string
	created time.Time
}

const fakeQueueBase = "https://sqs.us-east-1.amazonaws.com/" + testAccount + "/"

func (a *fakeAccount) route(u string) (*fakeSQS, error) {
	if u == a.stack.url {
		return a.stack, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if q, ok := a.queues[u]; ok {
		return q.fakeSQS, nil
	}
	return nil, &smithy.GenericAPIError{Code: "AWS.SimpleQueueService.NonExistentQueue", Message: "no queue " + u}
}

// addQueue makes a queue as someone (or an earlier verify) did.
func (a *fakeAccount) addQueue(name string, tags map[string]string, created time.Time) *fakeQueue {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.queues == nil {
		a.queues = map[string]*fakeQueue{}
	}
	q := &fakeQueue{fakeSQS: &fakeSQS{clock: a.clock, url: fakeQueueBase + name}, name: name, tags: tags, created: created}
	n := 0
	q.onReceive = func(int) {
		n++
		if a.onProbeReceive != nil {
			a.onProbeReceive(n)
		}
	}
	a.queues[q.url] = q
	return q
}

// queue returns the queue named name, or nil.
func (a *fakeAccount) queue(name string) *fakeQueue {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.queues[fakeQueueBase+name]
}

func (a *fakeAccount) CreateQueue(_ context.Context, in *sqs.CreateQueueInput, _ ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error) {
	name := aws.ToString(in.QueueName)
	if in.Attributes["Policy"] == "" {
		return nil, fmt.Errorf("fake SQS: probe queue %s made without a policy", name)
	}
	q := a.addQueue(name, in.Tags, a.clock.Now())
	a.mu.Lock()
	a.created = append(a.created, name)
	a.mu.Unlock()
	return &sqs.CreateQueueOutput{QueueUrl: aws.String(q.url)}, nil
}

func (a *fakeAccount) DeleteQueue(_ context.Context, in *sqs.DeleteQueueInput, _ ...func(*sqs.Options)) (*sqs.DeleteQueueOutput, error) {
	u := aws.ToString(in.QueueUrl)
	if u == a.stack.url {
		return nil, fmt.Errorf("fake SQS: verify must never delete the stack's queue")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	q, ok := a.queues[u]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "AWS.SimpleQueueService.NonExistentQueue", Message: "no queue " + u}
	}
	delete(a.queues, u)
	a.removed = append(a.removed, q.name)
	return &sqs.DeleteQueueOutput{}, nil
}

func (a *fakeAccount) ListQueues(_ context.Context, in *sqs.ListQueuesInput, _ ...func(*sqs.Options)) (*sqs.ListQueuesOutput, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := &sqs.ListQueuesOutput{}
	for u, q := range a.queues {
		if strings.HasPrefix(q.name, aws.ToString(in.QueueNamePrefix)) {
			out.QueueUrls = append(out.QueueUrls, u)
		}
	}
	slices.Sort(out.QueueUrls)
	return out, nil
}

func (a *fakeAccount) ListQueueTags(_ context.Context, in *sqs.ListQueueTagsInput, _ ...func(*sqs.Options)) (*sqs.ListQueueTagsOutput, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	q, ok := a.queues[aws.ToString(in.QueueUrl)]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "AWS.SimpleQueueService.NonExistentQueue", Message: "no queue"}
	}
	return &sqs.ListQueueTagsOutput{Tags: q.tags}, nil
}

func (a *fakeAccount) GetQueueUrl(_ context.Context, in *sqs.GetQueueUrlInput, _ ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	if aws.ToString(in.QueueName) == a.stackName {
		return &sqs.GetQueueUrlOutput{QueueUrl: aws.String(a.stack.url)}, nil
	}
	if q := a.queue(aws.ToString(in.QueueName)); q != nil {
		return &sqs.GetQueueUrlOutput{QueueUrl: aws.String(q.url)}, nil
	}
	return nil, &smithy.GenericAPIError{Code: "AWS.SimpleQueueService.NonExistentQueue", Message: "no queue"}
}

func (a *fakeAccount) GetQueueAttributes(_ context.Context, in *sqs.GetQueueAttributesInput, _ ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	u := aws.ToString(in.QueueUrl)
	if u == a.stack.url {
		return &sqs.GetQueueAttributesOutput{Attributes: map[string]string{"Policy": a.policy}}, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	q, ok := a.queues[u]
	if !ok {
		return nil, &smithy.GenericAPIError{Code: "AWS.SimpleQueueService.NonExistentQueue", Message: "no queue"}
	}
	return &sqs.GetQueueAttributesOutput{Attributes: map[string]string{"CreatedTimestamp": strconv.FormatInt(q.created.Unix(), 10)}}, nil
}

func (a *fakeAccount) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, o ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	q, err := a.route(aws.ToString(in.QueueUrl))
	if err != nil {
		return nil, err
	}
	return q.ReceiveMessage(ctx, in, o...)
}

func (a *fakeAccount) DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, o ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	q, err := a.route(aws.ToString(in.QueueUrl))
	if err != nil {
		return nil, err
	}
	return q.DeleteMessage(ctx, in, o...)
}

func (a *fakeAccount) ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, o ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	q, err := a.route(aws.ToString(in.QueueUrl))
	if err != nil {
		return nil, err
	}
	return q.ChangeMessageVisibility(ctx, in, o...)
}

// --- SNS subscriptions: the stack's, and the probe's with their filters ---

type fakeSub struct {
	arn, endpoint string
	filter        []string // order ids let through; nil: everything
}

func (f *fakeSNS) Subscribe(_ context.Context, in *sns.SubscribeInput, _ ...func(*sns.Options)) (*sns.SubscribeOutput, error) {
	var filter map[string][]string
	if err := json.Unmarshal([]byte(in.Attributes["FilterPolicy"]), &filter); err != nil || len(filter[handler.OrderIDAttribute]) == 0 {
		return nil, fmt.Errorf("fake SNS: the probe subscribed without a filter policy on %s: %q", handler.OrderIDAttribute, in.Attributes["FilterPolicy"])
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	s := &fakeSub{arn: fmt.Sprintf("%s:sub-%d", f.topic, f.n), endpoint: aws.ToString(in.Endpoint), filter: filter[handler.OrderIDAttribute]}
	f.subs = append(f.subs, s)
	return &sns.SubscribeOutput{SubscriptionArn: aws.String(s.arn)}, nil
}

func (f *fakeSNS) Unsubscribe(_ context.Context, in *sns.UnsubscribeInput, _ ...func(*sns.Options)) (*sns.UnsubscribeOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.subs)
	f.subs = slices.DeleteFunc(f.subs, func(s *fakeSub) bool { return s.arn == aws.ToString(in.SubscriptionArn) })
	if len(f.subs) == n {
		return nil, &smithy.GenericAPIError{Code: "NotFound", Message: "no subscription"}
	}
	f.unsubscribed = append(f.unsubscribed, aws.ToString(in.SubscriptionArn))
	return &sns.UnsubscribeOutput{}, nil
}

const stackSubARN = "arn:aws:sns:us-east-1:" + testAccount + ":HighValueOrderTopic:stack-sub"

func (f *fakeSNS) ListSubscriptionsByTopic(_ context.Context, in *sns.ListSubscriptionsByTopicInput, _ ...func(*sns.Options)) (*sns.ListSubscriptionsByTopicOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &sns.ListSubscriptionsByTopicOutput{}
	if f.deliver {
		out.Subscriptions = append(out.Subscriptions, snstypes.Subscription{Protocol: aws.String("sqs"),
			Endpoint: aws.String(f.queueARN), SubscriptionArn: aws.String(stackSubARN)})
	}
	for _, s := range f.subs {
		out.Subscriptions = append(out.Subscriptions, snstypes.Subscription{Protocol: aws.String("sqs"),
			Endpoint: aws.String(s.endpoint), SubscriptionArn: aws.String(s.arn)})
	}
	return out, nil
}

func (f *fakeSNS) GetSubscriptionAttributes(_ context.Context, in *sns.GetSubscriptionAttributesInput, _ ...func(*sns.Options)) (*sns.GetSubscriptionAttributesOutput, error) {
	if aws.ToString(in.SubscriptionArn) != stackSubARN {
		return nil, fmt.Errorf("fake SNS: verify reads only the stack's subscription, not %s", aws.ToString(in.SubscriptionArn))
	}
	return &sns.GetSubscriptionAttributesOutput{Attributes: map[string]string{"RawMessageDelivery": "false"}}, nil
}

// deliverToProbes hands a published message to each probe subscription
// whose filter lets its order_id through.
func (f *fakeSNS) deliverToProbes(in *sns.PublishInput, body string) {
	id := aws.ToString(in.MessageAttributes[handler.OrderIDAttribute].StringValue)
	f.mu.Lock()
	subs := slices.Clone(f.subs)
	f.mu.Unlock()
	for _, s := range subs {
		if !slices.Contains(s.filter, id) {
			continue
		}
		name := s.endpoint[strings.LastIndex(s.endpoint, ":")+1:]
		if q := f.account.queue(name); q != nil {
			for range max(f.deliveries, 1) {
				q.send(body)
			}
		}
	}
}
