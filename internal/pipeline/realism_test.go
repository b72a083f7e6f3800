package pipeline

// Tests of how up, destroy and status behave against an AWS that is
// eventually consistent, slow to propagate and throttles.

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
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

// Up from nothing waits until the table is ACTIVE and the function Active:
// nothing after up may meet a CREATING table or a Pending function.
func TestUpWaitsUntilTableAndFunctionAreReady(t *testing.T) {
	f := newFakeAWS()
	f.slow = 3
	s := newTestStack(t, f)
	rep := mustUp(t, s)
	wantOutcomes(t, rep, Created, nil)
	if tb := f.tables[s.names.Table]; tb.status != dtypes.TableStatusActive {
		t.Errorf("table %s after up", tb.status)
	}
	if fn := f.functions[s.names.Function]; fn.conf.State != ltypes.StateActive || fn.left != 0 {
		t.Errorf("function %s (%d reads to go) after up", fn.conf.State, fn.left)
	}
}

// A table still DELETING (a destroy under way) is waited out, then made
// afresh.
func TestUpWaitsOutADeletingTable(t *testing.T) {
	f := newFakeAWS()
	s := newTestStack(t, f)
	mustUp(t, s)
	f.tables[s.names.Table].status, f.tables[s.names.Table].left = dtypes.TableStatusDeleting, 3
	rep := mustUp(t, s)
	tb := stepOf(t, rep, StepTable)
	if tb.Outcome != Created || !strings.Contains(strings.Join(tb.Details, "\n"), "finish deleting") {
		t.Errorf("table: %s %q", tb.Outcome, tb.Details)
	}
}

// destroy of a table still CREATING waits until it is ACTIVE (DynamoDB
// refuses to delete it before), deletes it and waits until it is gone; of
// one already DELETING, waits until it is gone.
func TestDestroyTableNotActive(t *testing.T) {
	for _, status := range []dtypes.TableStatus{dtypes.TableStatusCreating, dtypes.TableStatusDeleting} {
		t.Run(string(status), func(t *testing.T) {
			f := newFakeAWS()
			s := newTestStack(t, f)
			mustUp(t, s)
			f.slow = 2
			f.tables[s.names.Table].status, f.tables[s.names.Table].left = status, 2
			rep, err := s.Destroy(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if tb := stepOf(t, rep, StepTable); tb.Outcome != Deleted || tb.Err != nil {
				t.Errorf("table: %s %v", tb.Outcome, tb.Err)
			}
			if _, ok := f.tables[s.names.Table]; ok {
				t.Error("destroy returned before the table was gone")
			}
		})
	}
}

// A function Pending, or in the middle of an update, is waited for before
// up changes it: Lambda refuses a change until then
// (ResourceConflictException).
func TestUpWaitsForABusyFunction(t *testing.T) {
	for _, busy := range []string{"Pending", "InProgress"} {
		t.Run(busy, func(t *testing.T) {
			f := newFakeAWS()
			s := newTestStack(t, f)
			mustUp(t, s)
			fn := f.functions[s.names.Function]
			if busy == "Pending" {
				fn.conf.State = ltypes.StatePending
			} else {
				fn.conf.LastUpdateStatus = ltypes.LastUpdateStatusInProgress
			}
			fn.left = 3
			fn.conf.Timeout = aws.Int32(3) // drift up must put back
			f.slow = 2                     // and its own update takes a while too
			rep := mustUp(t, s)
			if st := stepOf(t, rep, StepFunction); st.Outcome != Repaired {
				t.Errorf("function: %s %q %v", st.Outcome, st.Details, st.Err)
			}
			if fn.conf.LastUpdateStatus != ltypes.LastUpdateStatusSuccessful || fn.left != 0 {
				t.Errorf("up returned with the function's update %s", fn.conf.LastUpdateStatus)
			}
		})
	}
}

// A queue SQS never stops listing is reported, not waited for forever.
func TestDestroyQueueWaitIsBounded(t *testing.T) {
	f := newFakeAWS()
	s := newTestStack(t, f)
	mustUp(t, s)
	f.queueLinger = 1 << 30
	s.t.waitTimeout = 20 * time.Millisecond
	rep, err := s.Destroy(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if q := stepOf(t, rep, StepQueue); q.Err == nil || !strings.Contains(q.Err.Error(), "wait for deletion of queue HighValueQueue") {
		t.Errorf("queue: %s %v", q.Outcome, q.Err)
	}
}

// A role repaired in the same up may not be assumable by Lambda yet when
// the function's configuration is put back: that update is retried too.
func TestUpdateConfigurationRetriedWhileRoleNotAssumable(t *testing.T) {
	f := newFakeAWS()
	s := newTestStack(t, f)
	mustUp(t, s)
	f.functions[s.names.Function].conf.Timeout = aws.Int32(3)
	notYet := apiErr("InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda.")
	f.failNext("UpdateFunctionConfiguration", notYet, notYet)
	rep := mustUp(t, s)
	if st := stepOf(t, rep, StepFunction); st.Outcome != Repaired {
		t.Errorf("function: %s %v", st.Outcome, st.Err)
	}
}

// No table, no tags to wait for: up from nothing reads ListTagsOfResource
// once, not for tagSettle.
func TestMissingTableTagsAreNotReadAgain(t *testing.T) {
	f := newFakeAWS()
	s := newTestStack(t, f)
	s.t.tagSettle = 0 // still tagTries reads of an empty set of a table that exists
	mustUp(t, s)
	n := 0
	for _, c := range f.calls {
		if c == "ListTagsOfResource" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("ListTagsOfResource called %d times for a table that did not exist, want 1", n)
	}
}
