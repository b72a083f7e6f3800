package pipeline

// Tests of how up, destroy and status behave against an AWS that is
// eventually consistent, slow to propagate and throttles.

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/orders-dev/orders/policies"
)

// The queue's policy goes in CreateQueue: a policy set afterwards by
// SetQueueAttributes can take up to 60 s to apply, and SNS's deliveries to
// the subscription made in between are refused.
func TestQueueCreatedWithItsPolicy(t *testing.T) {
	f := newFakeAWS()
	s := newTestStack(t, f)
	var created map[string]string
	f.onCreateQueue = func(in *sqs.CreateQueueInput) { created = in.Attributes }
	mustUp(t, s)
	want, _ := policies.Render("queue", s.names.ARNs("aws", fakeRegion, fakeAccount))
	if same, err := policies.Equal([]byte(created["Policy"]), want); err != nil || !same {
		t.Errorf("CreateQueue's Policy attribute = %q, want the queue template", created["Policy"])
	}
	if slices.Contains(f.writes(), "SetQueueAttributes") {
		t.Errorf("writes %v: the policy was set after CreateQueue", f.writes())
	}
}
