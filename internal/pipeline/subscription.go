package pipeline

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// SNS marks a subscription not yet confirmed with this instead of an ARN.
const pendingConfirmation = "PendingConfirmation"

type subscriptionState struct {
	topicExists bool
	arns        []string // sqs subscriptions of the topic to the queue; the first is kept
	// raw is RawMessageDelivery of the first subscription: verify and
	// consumers expect SNS's JSON envelope, so it must be off.
	raw bool
}

func (s *Stack) subscriptionName() string { return s.names.Topic + " → " + s.names.Queue }

func (s *Stack) readSubscription(ctx context.Context, topicARN, queueARN string) (subscriptionState, error) {
	st := subscriptionState{topicExists: true}
	in := &sns.ListSubscriptionsByTopicInput{TopicArn: &topicARN}
	for {
		out, err := s.c.SNS.ListSubscriptionsByTopic(ctx, in)
		if hasCode(err, "NotFound", "NotFoundException") {
			return subscriptionState{}, nil
		}
		if err != nil {
			return subscriptionState{}, fail("list subscriptions of", "topic", s.names.Topic, err)
		}
		for _, sub := range out.Subscriptions {
			if aws.ToString(sub.Protocol) == "sqs" && aws.ToString(sub.Endpoint) == queueARN {
				st.arns = append(st.arns, aws.ToString(sub.SubscriptionArn))
			}
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	// Keep a confirmed one if there is one (an SQS subscription in the same
	// account is confirmed at once; "PendingConfirmation" cannot be managed).
	for i, a := range st.arns {
		if a != pendingConfirmation {
			st.arns[0], st.arns[i] = st.arns[i], st.arns[0]
			break
		}
	}
	if len(st.arns) > 0 && st.arns[0] != pendingConfirmation {
		out, err := s.c.SNS.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: &st.arns[0]})
		if hasCode(err, "NotFound", "NotFoundException") {
			return subscriptionState{topicExists: true}, nil
		}
		if err != nil {
			return subscriptionState{}, fail("get attributes of", "subscription", s.subscriptionName(), err)
		}
		st.raw = out.Attributes["RawMessageDelivery"] == "true"
	}
	return st, nil
}

// subscriptionChanges says what correct looks like for an existing
// subscription: exactly one, delivering SNS's envelope.
func (s *Stack) subscriptionChanges(st subscriptionState) []change {
	var out []change
	if len(st.arns) == 0 {
		return nil
	}
	for _, extra := range st.arns[1:] {
		if extra == pendingConfirmation {
			// Cannot be unsubscribed by ARN; SNS drops it after 3 days.
			continue
		}
		out = append(out, change{
			details: []string{fmt.Sprintf("duplicate subscription %s removed", extra)},
			fix: func(ctx context.Context) error {
				_, err := s.c.SNS.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: &extra})
				if hasCode(err, "NotFound", "NotFoundException") {
					return nil
				}
				return wrapErr(err, "remove duplicate", "subscription", extra)
			},
		})
	}
	if st.raw {
		keep := st.arns[0]
		out = append(out, change{
			details: []string{"raw message delivery is on, want SNS's JSON envelope"},
			fix: func(ctx context.Context) error {
				_, err := s.c.SNS.SetSubscriptionAttributes(ctx, &sns.SetSubscriptionAttributesInput{
					SubscriptionArn: &keep, AttributeName: aws.String("RawMessageDelivery"), AttributeValue: aws.String("false")})
				return wrapErr(err, "turn off raw delivery of", "subscription", s.subscriptionName())
			},
		})
	}
	return out
}

// upSubscription subscribes the queue to the topic once. A subscription
// missing while topic and queue already existed is reported as repaired.
func (s *Stack) upSubscription(ctx context.Context, read *future[subscriptionState], topicARN, queueARN string, parentCreated bool, res *StepResult) error {
	st, err := read.get(ctx)
	if err != nil {
		return err
	}
	if len(st.arns) > 0 {
		res.ARN = st.arns[0]
		return apply(ctx, res, s.subscriptionChanges(st), "converge", "subscription", s.subscriptionName())
	}
	out, err := s.c.SNS.Subscribe(ctx, &sns.SubscribeInput{
		TopicArn:              &topicARN,
		Protocol:              aws.String("sqs"),
		Endpoint:              &queueARN,
		ReturnSubscriptionArn: true,
	})
	if err != nil {
		return fail("create", "subscription", s.subscriptionName(), err)
	}
	res.ARN = aws.ToString(out.SubscriptionArn)
	if parentCreated {
		res.Outcome = Created
	} else {
		res.Outcome = Repaired
		res.Details = append(res.Details, "subscription was missing: subscribed the queue to the topic again")
	}
	return nil
}

// destroySubscription removes every sqs subscription of the topic to the
// queue.
func (s *Stack) destroySubscription(ctx context.Context, topicARN, queueARN string, res *StepResult) error {
	var (
		st    subscriptionState
		topic topicState
		queue queueState
	)
	err := parallel(
		func() (err error) { st, err = s.readSubscription(ctx, topicARN, queueARN); return err },
		func() (err error) { topic, err = s.readTopic(ctx, topicARN); return err },
		func() (err error) { queue, err = s.readQueue(ctx, queueARN); return err },
	)
	if err != nil {
		return err
	}
	o := subscriptionOwner(topic.exists, s.ownerOf(topic.tags), queue.exists, s.ownerOf(queue.tags))
	if leave(res, KindSubscription, s.subscriptionName(), len(st.arns) > 0, o) {
		return nil
	}
	res.Outcome = Absent
	for _, a := range st.arns {
		if a == pendingConfirmation {
			continue
		}
		_, err := s.c.SNS.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: &a})
		if hasCode(err, "NotFound", "NotFoundException") {
			continue
		}
		if err != nil {
			return fail("delete", "subscription", a, err)
		}
		res.ARN = a
		res.Outcome = Deleted
	}
	return nil
}
