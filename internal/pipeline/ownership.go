package pipeline

import (
	"context"
	"fmt"
	"strings"

	"github.com/orders-dev/orders/internal/config"
)

// Ownership is the one rule of what orders may change in an account it
// shares with other people and stacks: a resource is the stack's when it
// carries the tag orders:stack with this stack's name; the subscription is
// the stack's when its topic and queue are. Up, Status, Destroy and the
// plans all ask ownerOf; nothing else decides.

// owner is what ownerOf found.
type owner struct {
	ours  bool
	found string // when not ours: what the resource carries instead
}

// ownerOf judges a resource that exists by its tags.
func (s *Stack) ownerOf(tags map[string]string) owner {
	v, ok := tags[config.StackTagKey]
	switch {
	case !ok:
		return owner{found: "no tag " + config.StackTagKey}
	case v != s.names.Stack:
		return owner{found: fmt.Sprintf("tag %s is %q (another stack's)", config.StackTagKey, v)}
	}
	return owner{ours: true}
}

// subscriptionOwner: the subscription is ours unless its topic or its
// queue exists and is someone else's.
func subscriptionOwner(topicExists bool, topic owner, queueExists bool, queue owner) owner {
	var found []string
	if topicExists && !topic.ours {
		found = append(found, "its topic has "+topic.found)
	}
	if queueExists && !queue.ours {
		found = append(found, "its queue has "+queue.found)
	}
	if found != nil {
		return owner{found: strings.Join(found, "; ")}
	}
	return owner{ours: true}
}

// ForeignResource is an existing resource with one of the stack's names that is
// not the stack's.
type ForeignResource struct {
	Step, Kind, Name string
	Found            string // e.g. "no tag orders:stack"
}

func (f ForeignResource) String() string { return fmt.Sprintf("%s %s (%s)", f.Kind, f.Name, f.Found) }

// notOurs is the line destroy, status and the plans give a foreign resource.
func notOurs(kind, name, found string) string {
	return fmt.Sprintf("not ours: %s %s exists with %s; left alone", kind, name, found)
}

// ForeignError is Up refusing resources that are not the stack's.
type ForeignError struct {
	Stack   string
	Foreign []ForeignResource
}

func (e *ForeignError) Error() string {
	parts := make([]string, len(e.Foreign))
	for i, f := range e.Foreign {
		parts[i] = f.String()
	}
	return fmt.Sprintf("refusing to change what is not stack %q's: %s; nothing was changed. "+
		"If they are meant to be this stack's, `orders up --adopt` takes them over (tags them %s=%s, then converges them, keeping their data); "+
		"otherwise choose another --prefix",
		e.Stack, strings.Join(parts, ", "), config.StackTagKey, e.Stack)
}

// foreign waits for every read and lists what exists but is not ours, in
// Up's step order.
func (s *Stack) foreign(ctx context.Context, rd reads) []ForeignResource {
	n := s.names
	var out []ForeignResource
	add := func(step, kind, name string, exists bool, o owner) {
		if exists && !o.ours {
			out = append(out, ForeignResource{Step: step, Kind: kind, Name: name, Found: o.found})
		}
	}
	// A read that failed is left to its step to report.
	if st, err := rd.table.get(ctx); err == nil {
		add(StepTable, KindTable, n.Table, st.exists, s.ownerOf(st.tags))
	}
	if st, err := rd.topic.get(ctx); err == nil {
		add(StepTopic, KindTopic, n.Topic, st.exists, s.ownerOf(st.tags))
	}
	if st, err := rd.queue.get(ctx); err == nil {
		add(StepQueue, KindQueue, n.Queue, st.exists, s.ownerOf(st.tags))
	}
	if st, err := rd.logGroup.get(ctx); err == nil {
		add(StepLogGroup, KindLogGroup, n.LogGroup, st.exists, s.ownerOf(st.tags))
	}
	if st, err := rd.role.get(ctx); err == nil {
		add(StepRole, KindRole, n.Role, st.exists, s.ownerOf(st.tags))
	}
	if st, err := rd.function.get(ctx); err == nil {
		add(StepFunction, KindFunction, n.Function, st.exists, s.ownerOf(st.tags))
	}
	return out
}

// leave records on res that destroy left a resource alone because it is not
// ours, and reports whether it did.
func leave(res *StepResult, kind, name string, exists bool, o owner) bool {
	if !exists || o.ours {
		return false
	}
	res.Outcome = Left
	res.Details = append(res.Details, notOurs(kind, name, o.found))
	return true
}
