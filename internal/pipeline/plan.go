package pipeline

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Action is what up or destroy would do to one resource.
type Action string

const (
	Create   Action = "create"    // missing: up would make it
	Update   Action = "update"    // differs: up would change it (Details say what differs)
	NoChange Action = "no change" // up: already right; destroy: already absent
	Delete   Action = "delete"    // destroy would delete it
	Leave    Action = "leave"     // not the stack's: neither up nor destroy touches it
)

// PlanItem is one step of a plan.
type PlanItem struct {
	Step, Resource, ARN string
	Action              Action
	Details             []string
}

// Plan is what Up or Destroy would do, step by step in their order, judged
// by the same reads, changes functions and ownership rule they use. Making
// one calls only read APIs.
type Plan struct {
	Items []PlanItem
	// Refused is set when up would refuse to start: something with the
	// stack's names is not the stack's and --adopt was not given.
	Refused string
}

// planUpItem judges one existing-or-missing resource for up.
func (s *Stack) planUpItem(step, kind, name, arn string, exists bool, o owner, changes func() ([]change, error)) (PlanItem, error) {
	it := PlanItem{Step: step, Resource: name, ARN: arn}
	if !exists {
		it.ARN, it.Action = "", Create
		return it, nil
	}
	if !o.ours && !s.cfg.Adopt {
		it.Action, it.Details = Leave, []string{notOurs(kind, name, o.found) + " (orders up refuses it; orders up --adopt takes it over)"}
		return it, nil
	}
	cs, err := changes()
	if err != nil {
		return it, err
	}
	if !o.ours {
		it.Details = append(it.Details, "adopt: it has "+o.found+"; tag it as the stack's")
	}
	for _, c := range cs {
		if c.fix == nil {
			// up would fail on it: say so, as up's error would.
			it.Details = append(it.Details, "cannot be changed in place: "+strings.Join(c.details, "; ")+"; up fails here")
			continue
		}
		it.Details = append(it.Details, c.details...)
	}
	it.Action = NoChange
	if len(it.Details) > 0 {
		it.Action = Update
	}
	return it, nil
}

// PlanUp says what Up would do, without changing anything.
func (s *Stack) PlanUp(ctx context.Context) (Plan, error) {
	arns, err := s.ARNs(ctx)
	if err != nil {
		return Plan{}, err
	}
	rd := s.startReads(ctx, arns)
	defer rd.wait()
	n := s.names
	var p Plan
	var errs []error
	add := func(it PlanItem, err error) {
		if err != nil {
			errs = append(errs, err)
			return
		}
		p.Items = append(p.Items, it)
	}

	table, terr := rd.table.get(ctx)
	if terr != nil {
		errs = append(errs, terr)
	} else {
		exists := table.exists && table.status != dtypes.TableStatusDeleting
		add(s.planUpItem(StepTable, KindTable, n.Table, table.arn, exists, s.ownerOf(table.tags),
			func() ([]change, error) { return s.tableChanges(table), nil }))
	}
	topic, toerr := rd.topic.get(ctx)
	if toerr != nil {
		errs = append(errs, toerr)
	} else {
		add(s.planUpItem(StepTopic, KindTopic, n.Topic, topic.arn, topic.exists, s.ownerOf(topic.tags),
			func() ([]change, error) { return s.topicChanges(topic), nil }))
	}
	queue, qerr := rd.queue.get(ctx)
	if qerr != nil {
		errs = append(errs, qerr)
	} else {
		qo := s.ownerOf(queue.tags)
		add(s.planUpItem(StepQueue, KindQueue, n.Queue, queue.arn, queue.exists, qo,
			func() ([]change, error) { return s.queueChanges(queue), nil }))
		add(s.planUpItem(StepQueuePolicy, KindQueue, n.Queue, queue.arn, queue.exists, qo,
			func() ([]change, error) { return s.queuePolicyChanges(queue, queue.url, arns) }))
	}
	if sub, err := rd.sub.get(ctx); err != nil {
		errs = append(errs, err)
	} else if toerr == nil && qerr == nil {
		o := subscriptionOwner(topic.exists, s.ownerOf(topic.tags), queue.exists, s.ownerOf(queue.tags))
		arn := ""
		if len(sub.arns) > 0 {
			arn = sub.arns[0]
		}
		if !o.ours && s.cfg.Adopt {
			o = owner{ours: true} // its topic and queue become the stack's first
		}
		add(s.planUpItem(StepSubscription, KindSubscription, s.subscriptionName(), arn, len(sub.arns) > 0, o,
			func() ([]change, error) { return s.subscriptionChanges(sub), nil }))
	}
	if lg, err := rd.logGroup.get(ctx); err != nil {
		errs = append(errs, err)
	} else {
		add(s.planUpItem(StepLogGroup, KindLogGroup, n.LogGroup, lg.arn, lg.exists, s.ownerOf(lg.tags),
			func() ([]change, error) { return s.logGroupChanges(lg), nil }))
	}
	if role, err := rd.role.get(ctx); err != nil {
		errs = append(errs, err)
	} else {
		add(s.planUpItem(StepRole, KindRole, n.Role, role.arn, role.exists, s.ownerOf(role.tags),
			func() ([]change, error) { return s.roleChanges(role, arns) }))
	}
	if fn, err := rd.function.get(ctx); err != nil {
		errs = append(errs, err)
	} else {
		add(s.planUpItem(StepFunction, KindFunction, n.Function, fn.arn, fn.exists, s.ownerOf(fn.tags),
			func() ([]change, error) { return s.functionChanges(fn, arns) }))
	}
	if err := errors.Join(errs...); err != nil {
		return Plan{}, err
	}
	if f := s.foreign(ctx, rd); len(f) > 0 && !s.cfg.Adopt {
		p.Refused = (&ForeignError{Stack: n.Stack, Foreign: f}).Error()
	}
	return p, nil
}

// PlanDestroy says what Destroy would do, without changing anything.
func (s *Stack) PlanDestroy(ctx context.Context) (Plan, error) {
	arns, err := s.ARNs(ctx)
	if err != nil {
		return Plan{}, err
	}
	rd := s.startReads(ctx, arns)
	defer rd.wait()
	n := s.names
	var p Plan
	item := func(step, kind, name, arn string, exists bool, o owner, details ...string) {
		it := PlanItem{Step: step, Resource: name}
		switch {
		case !exists:
			it.Action, it.Details = NoChange, []string{"already absent"}
		case !o.ours:
			it.ARN, it.Action, it.Details = arn, Leave, []string{notOurs(kind, name, o.found)}
		default:
			it.ARN, it.Action, it.Details = arn, Delete, details
		}
		p.Items = append(p.Items, it)
	}
	sub, serr := rd.sub.get(ctx)
	topic, toerr := rd.topic.get(ctx)
	queue, qerr := rd.queue.get(ctx)
	fn, ferr := rd.function.get(ctx)
	lg, lerr := rd.logGroup.get(ctx)
	role, rerr := rd.role.get(ctx)
	table, terr := rd.table.get(ctx)
	if err := errors.Join(serr, toerr, qerr, ferr, lerr, rerr, terr); err != nil {
		return Plan{}, err
	}
	subARN := ""
	if len(sub.arns) > 0 {
		subARN = sub.arns[0]
	}
	item(StepSubscription, KindSubscription, s.subscriptionName(), subARN, len(sub.arns) > 0,
		subscriptionOwner(topic.exists, s.ownerOf(topic.tags), queue.exists, s.ownerOf(queue.tags)))
	item(StepFunction, KindFunction, n.Function, fn.arn, fn.exists, s.ownerOf(fn.tags))
	item(StepLogGroup, KindLogGroup, n.LogGroup, lg.arn, lg.exists, s.ownerOf(lg.tags), "with every log line in it")
	var pols []string
	for _, name := range role.inline {
		pols = append(pols, "inline policy "+name)
	}
	for _, m := range role.managed {
		pols = append(pols, "detach managed policy "+aws.ToString(m.PolicyArn))
	}
	item(StepRolePolicies, KindRole, n.Role, role.arn, role.exists && (len(pols) > 0 || !s.ownerOf(role.tags).ours), s.ownerOf(role.tags), pols...)
	item(StepRole, KindRole, n.Role, role.arn, role.exists, s.ownerOf(role.tags))
	item(StepQueue, KindQueue, n.Queue, queue.arn, queue.exists, s.ownerOf(queue.tags), "with every message in it")
	item(StepTopic, KindTopic, n.Topic, topic.arn, topic.exists, s.ownerOf(topic.tags))
	item(StepTable, KindTable, n.Table, table.arn, table.exists, s.ownerOf(table.tags), "with every item in it")
	return p, nil
}
