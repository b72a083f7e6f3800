package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	qtypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/orders-dev/orders/policies"
)

// Queue attributes orders sets.
const (
	attrSSE    = string(qtypes.QueueAttributeNameSqsManagedSseEnabled)
	attrKMSKey = string(qtypes.QueueAttributeNameKmsMasterKeyId)
	attrPolicy = string(qtypes.QueueAttributeNamePolicy)
	attrARN    = string(qtypes.QueueAttributeNameQueueArn)
)

type queueState struct {
	exists bool
	url    string
	arn    string
	attrs  map[string]string
	tags   map[string]string
}

func queueMissing(err error) bool {
	var e *qtypes.QueueDoesNotExist
	return errors.As(err, &e) || hasCode(err, "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue")
}

func queueDeletedRecently(err error) bool {
	var e *qtypes.QueueDeletedRecently
	return errors.As(err, &e) || hasCode(err, "QueueDeletedRecently", "AWS.SimpleQueueService.QueueDeletedRecently")
}

func (s *Stack) readQueue(ctx context.Context, arn string) (queueState, error) {
	name := s.names.Queue
	st := queueState{arn: arn}
	u, err := s.c.SQS.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: &name})
	if queueMissing(err) {
		return st, nil
	}
	if err != nil {
		return st, fail("get URL of", "queue", name, err)
	}
	st.url = aws.ToString(u.QueueUrl)
	err = parallel(
		func() error {
			out, err := s.c.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
				QueueUrl: &st.url, AttributeNames: []qtypes.QueueAttributeName{qtypes.QueueAttributeNameAll}})
			if err != nil {
				return err
			}
			st.attrs = out.Attributes
			return nil
		},
		func() error {
			out, err := s.c.SQS.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: &st.url})
			if err != nil {
				return err
			}
			st.tags = out.Tags
			return nil
		},
	)
	if queueMissing(err) { // deleted between the two calls
		return queueState{arn: arn}, nil
	}
	if err != nil {
		return queueState{arn: arn}, fail("read", "queue", name, err)
	}
	st.exists = true
	if a := st.attrs[attrARN]; a != "" {
		st.arn = a
	}
	return st, nil
}

// queueChanges says what correct looks like for the queue itself.
func (s *Stack) queueChanges(st queueState) []change {
	name, url := s.names.Queue, st.url
	var out []change
	// Encryption at rest: SQS-managed keys, unless someone chose their own
	// KMS key, which is encryption too.
	if st.attrs[attrSSE] != "true" && st.attrs[attrKMSKey] == "" {
		out = append(out, change{
			details: []string{"server-side encryption is off, want SqsManagedSseEnabled"},
			fix: func(ctx context.Context) error {
				_, err := s.c.SQS.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{attrSSE: "true"}})
				return wrapErr(err, "turn on encryption of", "queue", name)
			},
		})
	}
	if d := s.tagDrift(st.tags); d != nil {
		out = append(out, change{details: d, tag: true, fix: func(ctx context.Context) error {
			_, err := s.c.SQS.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: &url, Tags: s.stackTags()})
			return wrapErr(err, "tag", "queue", name)
		}})
	}
	return out
}

// queuePolicyChanges says what correct looks like for the queue's policy:
// exactly policies.Render("queue"), letting only the topic send.
func (s *Stack) queuePolicyChanges(st queueState, url string, arns policies.ARNs) ([]change, error) {
	want, err := policies.Render("queue", arns)
	if err != nil {
		return nil, fmt.Errorf("render queue policy: %w", err)
	}
	have := st.attrs[attrPolicy]
	var detail string
	if have == "" {
		detail = "queue policy missing: SNS cannot deliver to the queue"
	} else if same, err := policies.Equal([]byte(have), want); err != nil || !same {
		detail = "queue policy differs from the template (orders policy queue)"
	} else {
		return nil, nil
	}
	return []change{{details: []string{detail}, fix: func(ctx context.Context) error {
		_, err := s.c.SQS.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{attrPolicy: string(want)}})
		return wrapErr(err, "set policy of", "queue", s.names.Queue)
	}}}, nil
}

// upQueue creates the queue or converges it, and returns its URL.
func (s *Stack) upQueue(ctx context.Context, read *future[queueState], arns policies.ARNs, res *StepResult) (url string, created bool, err error) {
	st, err := read.get(ctx)
	if err != nil {
		return "", false, err
	}
	res.ARN = st.arn
	if st.exists {
		return st.url, false, apply(ctx, res, s.queueChanges(st), "converge", "queue", s.names.Queue)
	}
	url, err = s.createQueue(ctx, arns, res)
	if err != nil {
		return "", false, err
	}
	res.Outcome = Created
	return url, true, nil
}

// createQueue creates the queue encrypted, tagged and with its policy. The
// policy goes in CreateQueue itself (the queue's ARN is known beforehand):
// set later by SetQueueAttributes it takes effect only after a while ("can
// take up to 60 seconds for most of the queue attributes to propagate",
// SQS API reference, SetQueueAttributes), and SNS's deliveries in between
// are refused. SQS refuses the name of a queue deleted less than 60 s ago
// (QueueDeletedRecently): then it waits out the cool-down, saying so, and
// tries again.
func (s *Stack) createQueue(ctx context.Context, arns policies.ARNs, res *StepResult) (string, error) {
	name := s.names.Queue
	pol, err := policies.Render("queue", arns)
	if err != nil {
		return "", fmt.Errorf("render queue policy: %w", err)
	}
	in := &sqs.CreateQueueInput{
		QueueName:  &name,
		Attributes: map[string]string{attrSSE: "true", attrPolicy: string(pol)},
		Tags:       s.stackTags(),
	}
	var start time.Time
	for {
		out, err := s.c.SQS.CreateQueue(ctx, in)
		if err == nil {
			return aws.ToString(out.QueueUrl), nil
		}
		if !queueDeletedRecently(err) {
			return "", fail("create", "queue", name, err)
		}
		now := time.Now()
		if start.IsZero() {
			// We cannot know when the queue was deleted, so it asks again
			// every queueRetry; twice the cool-down is plainly something
			// else.
			start = now
			res.Details = append(res.Details, "waited out SQS's 60 s cool-down: a queue of this name was deleted recently")
		} else if now.Sub(start) > 2*s.t.queueCooldown {
			return "", fail("create", "queue", name, fmt.Errorf("SQS still refuses the name after waiting %s, twice its 60 s cool-down; "+
				"is something else deleting a queue of this name? (%w)", now.Sub(start).Round(time.Second), err))
		}
		progress(ctx, fmt.Sprintf("a queue named %s was deleted less than 60 s ago and SQS refuses the name until then (AWS's rule); waiting (%s so far)",
			name, now.Sub(start).Round(time.Second)))
		t := time.NewTimer(s.t.queueRetry)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", fail("create", "queue", name, ctx.Err())
		case <-t.C:
		}
	}
}

// upQueuePolicy puts back the policy of a queue that was already there,
// before the subscription is checked, so SNS may deliver from the first
// message; a queue made in this run got its policy from CreateQueue.
func (s *Stack) upQueuePolicy(ctx context.Context, read *future[queueState], url string, queueCreated bool, arns policies.ARNs, res *StepResult) error {
	if queueCreated {
		// Part of making the queue, not a repair.
		res.ARN, res.Outcome = arns.Queue, Created
		return nil
	}
	st, err := read.get(ctx)
	if err != nil {
		return err
	}
	res.ARN = st.arn
	changes, err := s.queuePolicyChanges(st, url, arns)
	if err != nil {
		return err
	}
	if err := apply(ctx, res, changes, "converge", "policy of queue", s.names.Queue); err != nil {
		return err
	}
	if len(changes) > 0 {
		res.Details = append(res.Details, "SQS may take up to 60 s to apply a changed policy to SNS's deliveries")
	}
	return nil
}

func (s *Stack) destroyQueue(ctx context.Context, arn string, res *StepResult) error {
	name := s.names.Queue
	st, err := s.readQueue(ctx, arn)
	if err != nil {
		return err
	}
	if !st.exists {
		res.Outcome = Absent
		return nil
	}
	if leave(res, KindQueue, name, st.exists, s.ownerOf(st.tags)) {
		return nil
	}
	_, err = s.c.SQS.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &st.url})
	if queueMissing(err) {
		res.Outcome = Absent
		return nil
	}
	if err != nil {
		return fail("delete", "queue", name, err)
	}
	res.Outcome = Deleted
	return s.waitQueueGone(ctx)
}

// waitQueueGone polls GetQueueUrl until SQS says the queue does not exist.
// "The deletion process takes up to 60 seconds" (SQS API reference,
// DeleteQueue), and until then GetQueueUrl still finds it: an up that
// followed at once would take the dying queue for the stack's and
// subscribe to it. As with the table, destroy returns once it is gone.
func (s *Stack) waitQueueGone(ctx context.Context) error {
	name := s.names.Queue
	deadline := time.Now().Add(s.t.waitTimeout)
	delay := s.t.waitMin
	what := "waiting for SQS to finish deleting queue " + name + " (up to 60 s)"
	progress(ctx, what) // it is usually a long wait: say so at once
	err := s.waiting(ctx, what, func() error {
		for {
			_, err := s.c.SQS.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: &name})
			switch {
			case queueMissing(err):
				return nil
			case err != nil:
				return err
			case time.Now().After(deadline):
				return fmt.Errorf("still listed after %s", s.t.waitTimeout)
			}
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
			delay = min(2*delay, s.t.waitMax)
		}
	})
	if err != nil {
		return fail("wait for deletion of", "queue", name, err)
	}
	return nil
}
