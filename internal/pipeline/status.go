package pipeline

import (
	"context"
	"errors"
)

// Resource kinds, as ResourceStatus.Kind carries them.
const (
	KindTable        = "table"
	KindTopic        = "topic"
	KindQueue        = "queue"
	KindSubscription = "subscription"
	KindLogGroup     = "log group"
	KindRole         = "role"
	KindFunction     = "function"
)

// Status reads every resource concurrently and says, for each, whether it
// is present as Up makes it, missing, or drifted (and how) — judged by the
// same changes functions Up uses to repair. Resources it could not read are
// left out and their errors joined into the error; an empty or partial
// stack is not an error.
func (s *Stack) Status(ctx context.Context) ([]ResourceStatus, error) {
	arns, err := s.ARNs(ctx)
	if err != nil {
		return nil, err
	}
	rd := s.startReads(ctx, arns)
	n := s.names
	var out []ResourceStatus
	var errs []error
	var o owner // the owner of the resource add is given, set just before
	add := func(kind, name, arn string, exists bool, changes []change, err error) {
		if err != nil {
			errs = append(errs, err)
			return
		}
		rs := ResourceStatus{Kind: kind, Name: name, State: Missing}
		switch {
		case exists && !o.ours:
			// Someone else's: what up would make of it is not the question.
			rs.ARN, rs.State, rs.Drift = arn, Foreign, []string{notOurs(kind, name, o.found)}
		case exists:
			rs.ARN = arn
			rs.State = Present
			if d := driftOf(changes); len(d) > 0 {
				rs.State, rs.Drift = Drifted, d
			}
		}
		out = append(out, rs)
	}

	if st, err := rd.table.get(ctx); err != nil {
		add(KindTable, n.Table, "", false, nil, err)
	} else {
		o = s.ownerOf(st.tags)
		add(KindTable, n.Table, st.arn, st.exists, s.tableChanges(st), nil)
	}
	if st, err := rd.topic.get(ctx); err != nil {
		add(KindTopic, n.Topic, "", false, nil, err)
	} else {
		o = s.ownerOf(st.tags)
		add(KindTopic, n.Topic, st.arn, st.exists, s.topicChanges(st), nil)
	}
	if st, err := rd.queue.get(ctx); err != nil {
		add(KindQueue, n.Queue, "", false, nil, err)
	} else {
		o = s.ownerOf(st.tags)
		changes := s.queueChanges(st)
		var pol []change
		if st.exists {
			pol, err = s.queuePolicyChanges(st, st.url, arns)
		}
		add(KindQueue, n.Queue, st.arn, st.exists, append(changes, pol...), err)
	}
	if st, err := rd.sub.get(ctx); err != nil {
		add(KindSubscription, s.subscriptionName(), "", false, nil, err)
	} else {
		topic, _ := rd.topic.get(ctx)
		queue, _ := rd.queue.get(ctx)
		o = subscriptionOwner(topic.exists, s.ownerOf(topic.tags), queue.exists, s.ownerOf(queue.tags))
		arn := ""
		if len(st.arns) > 0 {
			arn = st.arns[0]
		}
		add(KindSubscription, s.subscriptionName(), arn, len(st.arns) > 0, s.subscriptionChanges(st), nil)
	}
	if st, err := rd.logGroup.get(ctx); err != nil {
		add(KindLogGroup, n.LogGroup, "", false, nil, err)
	} else {
		o = s.ownerOf(st.tags)
		add(KindLogGroup, n.LogGroup, st.arn, st.exists, s.logGroupChanges(st), nil)
	}
	if st, err := rd.role.get(ctx); err != nil {
		add(KindRole, n.Role, "", false, nil, err)
	} else {
		o = s.ownerOf(st.tags)
		var changes []change
		if st.exists {
			changes, err = s.roleChanges(st, arns)
		}
		add(KindRole, n.Role, st.arn, st.exists, changes, err)
	}
	if st, err := rd.function.get(ctx); err != nil {
		add(KindFunction, n.Function, "", false, nil, err)
	} else {
		o = s.ownerOf(st.tags)
		var changes []change
		if st.exists {
			changes, err = s.functionChanges(st, arns)
		}
		add(KindFunction, n.Function, st.arn, st.exists, changes, err)
	}
	return out, errors.Join(errs...)
}
