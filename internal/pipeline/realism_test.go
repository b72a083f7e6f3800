package pipeline

// Tests of how up, destroy and status behave against an AWS that is
// eventually consistent, slow to propagate and throttles.

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

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

// SQS takes up to 60 s to delete a queue and GetQueueUrl finds it until
// then: destroy returns only once it is gone, saying what it waits for, so
// an up straight after it does not take the dying queue for the stack's.
func TestDestroyWaitsUntilQueueIsGone(t *testing.T) {
	f := newFakeAWS()
	s := newTestStack(t, f)
	mustUp(t, s)
	f.queueLinger = 3
	rec := newRecorder()
	rep, err := s.Destroy(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	if q := stepOf(t, rep, StepQueue); q.Outcome != Deleted || q.Err != nil {
		t.Fatalf("queue: %s %v", q.Outcome, q.Err)
	}
	if left := f.dying[s.names.Queue]; left != 0 {
		t.Errorf("destroy returned while GetQueueUrl still finds the queue (%d more calls would)", left)
	}
	if p := strings.Join(rec.progress[StepQueue], "\n"); !strings.Contains(p, "deleting queue HighValueQueue") {
		t.Errorf("queue progress %q, want it to say it waits for the deletion", p)
	}
	// up at once finds no queue and creates it afresh.
	rep = mustUp(t, s)
	if q := stepOf(t, rep, StepQueue); q.Outcome != Created {
		t.Errorf("up after destroy: queue %s, want created", q.Outcome)
	}
}

// DynamoDB may answer an empty tag set for a few seconds after tagging:
// status right after up must not call the table drifted, nor destroy take
// it for someone else's.
func TestEmptyTableTagsAreReadAgain(t *testing.T) {
	f := newFakeAWS()
	s := newTestStack(t, f)
	mustUp(t, s)
	f.staleTableTags = 2
	statusShows(t, s, KindTable, Present, "")
	f.staleTableTags = 2
	rep, err := s.Destroy(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if st := stepOf(t, rep, StepTable); st.Outcome != Deleted {
		t.Errorf("destroy table: %s %q %v, want deleted", st.Outcome, st.Details, st.Err)
	}
}

// GetFunction withholds the tags from a caller without lambda:ListTags and
// says so in TagsError: that is not an untagged function.
func TestFunctionTagsWithheldByGetFunction(t *testing.T) {
	f := newFakeAWS()
	s := newTestStack(t, f)
	mustUp(t, s)
	f.hideFunctionTags = true
	statusShows(t, s, KindFunction, Present, "")
	f.resetCalls()
	rep := mustUp(t, s)
	wantOutcomes(t, rep, Unchanged, nil)
	if w := f.writes(); len(w) != 0 {
		t.Errorf("up wrote %v", w)
	}
	// Refused ListTags too: the read fails naming it, never "not ours".
	f.failNext("ListTags", apiErr("AccessDeniedException", "User: x is not authorized to perform: lambda:ListTags on resource: y"))
	rep, err := s.Destroy(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if st := stepOf(t, rep, StepFunction); st.Outcome != Failed || !strings.Contains(st.Err.Error(), "lambda:ListTags") {
		t.Errorf("destroy function: %s %v, want failed naming lambda:ListTags", st.Outcome, st.Err)
	}
	if _, ok := f.functions[s.names.Function]; !ok {
		t.Error("the function was deleted though its tags could not be read")
	}
}

// up records on the role when it created or repaired it, so send, verify
// and demo know a refused permission may be IAM still applying the change;
// an up that changes nothing records nothing.
func TestRoleChangeIsRecorded(t *testing.T) {
	f := newFakeAWS()
	s := newTestStack(t, f)
	before := time.Now().Add(-time.Second)
	mustUp(t, s)
	first := s.RoleChanged(context.Background())
	if first.Before(before.Truncate(time.Second)) {
		t.Fatalf("RoleChanged after creating the role = %v, want about now", first)
	}
	f.resetCalls()
	mustUp(t, s)
	if slices.Contains(f.writes(), "TagRole") {
		t.Errorf("an up that changed nothing recorded a role change: %v", f.writes())
	}
	f.mu.Lock()
	delete(f.roles[s.names.Role].inline, s.names.RolePolicy)
	f.roles[s.names.Role].tags[RoleChangedTagKey] = "2020-01-01T00:00:00Z"
	f.mu.Unlock()
	mustUp(t, s)
	if got := s.RoleChanged(context.Background()); got.Year() == 2020 {
		t.Errorf("RoleChanged after repairing the role's policy = %v, want the repair's time", got)
	}
}
