package pipeline

import (
	"context"

	"github.com/orders-dev/orders/policies"
)

// Step names, as Reporter and StepResult carry them.
const (
	StepTable        = "table"
	StepTopic        = "topic"
	StepQueue        = "queue"
	StepQueuePolicy  = "queue policy"
	StepSubscription = "subscription"
	StepLogGroup     = "log group"
	StepRole         = "role" // with its inline policy (up)
	StepRolePolicies = "role policies"
	StepFunction     = "function"
)

// reads are every resource's current state, read concurrently at the start
// of Up and Status; each step waits only for its own.
type reads struct {
	table    *future[tableState]
	topic    *future[topicState]
	queue    *future[queueState]
	sub      *future[subscriptionState]
	logGroup *future[logGroupState]
	role     *future[roleState]
	function *future[functionState]
}

// wait returns once every read has finished, so none outlives Up (a step
// skipped after a failure never asks for its read).
func (r reads) wait() {
	<-r.table.done
	<-r.topic.done
	<-r.queue.done
	<-r.sub.done
	<-r.logGroup.done
	<-r.role.done
	<-r.function.done
}

func (s *Stack) startReads(ctx context.Context, arns policies.ARNs) reads {
	return reads{
		table: goFuture(ctx, func(ctx context.Context) (tableState, error) { return s.readTable(ctx, arns.Table) }),
		topic: goFuture(ctx, func(ctx context.Context) (topicState, error) { return s.readTopic(ctx, arns.Topic) }),
		queue: goFuture(ctx, func(ctx context.Context) (queueState, error) { return s.readQueue(ctx, arns.Queue) }),
		sub: goFuture(ctx, func(ctx context.Context) (subscriptionState, error) {
			return s.readSubscription(ctx, arns.Topic, arns.Queue)
		}),
		logGroup: goFuture(ctx, func(ctx context.Context) (logGroupState, error) { return s.readLogGroup(ctx, arns.LogGroup) }),
		role:     goFuture(ctx, func(ctx context.Context) (roleState, error) { return s.readRole(ctx, arns.Role) }),
		function: goFuture(ctx, func(ctx context.Context) (functionState, error) { return s.readFunction(ctx, arns.Function) }),
	}
}

// Up creates every resource that is missing and puts back every one that
// drifted, running independent steps concurrently: table, topic, queue, log
// group and role at once; the queue policy once topic and queue exist; the
// subscription after the queue policy (so SNS may deliver from the first
// message); the function once role, table, topic and log group exist.
//
// A failed step does not stop the others; the steps that depend on it are
// reported failed with "skipped: depends on <step>", and running Up again
// continues from there. The error is non-nil only when Up could not start
// (the account could not be looked up); step failures are in the Report
// (see Report.Failed).
func (s *Stack) Up(ctx context.Context, reporter Reporter) (Report, error) {
	arns, err := s.ARNs(ctx)
	if err != nil {
		return Report{}, err
	}
	rd := s.startReads(ctx, arns)
	// Nothing is written while anything with the stack's names is someone
	// else's, unless the operator said to take it over.
	foreign := s.foreign(ctx, rd)
	if len(foreign) > 0 && !s.cfg.Adopt {
		rd.wait()
		return Report{}, &ForeignError{Stack: s.names.Stack, Foreign: foreign}
	}
	if reporter == nil {
		reporter = nopReporter{}
	}
	r := newLockedReporter(adopting{reporter, foreign})
	n := s.names

	// Written by a step, read only by steps that depend on it: the engine
	// orders the two.
	var (
		topicCreated, queueCreated bool
		queueURL                   string
	)
	steps := []step{
		{name: StepTable, resource: n.Table, run: func(ctx context.Context, res *StepResult) error {
			return s.upTable(ctx, rd.table, res)
		}},
		{name: StepTopic, resource: n.Topic, run: func(ctx context.Context, res *StepResult) error {
			err := s.upTopic(ctx, rd.topic, res)
			topicCreated = res.Outcome == Created
			return err
		}},
		{name: StepQueue, resource: n.Queue, run: func(ctx context.Context, res *StepResult) (err error) {
			queueURL, queueCreated, err = s.upQueue(ctx, rd.queue, arns, res)
			return err
		}},
		{name: StepQueuePolicy, resource: n.Queue, deps: []string{StepTopic, StepQueue}, run: func(ctx context.Context, res *StepResult) error {
			return s.upQueuePolicy(ctx, rd.queue, queueURL, queueCreated, arns, res)
		}},
		{name: StepSubscription, resource: s.subscriptionName(), deps: []string{StepQueuePolicy}, run: func(ctx context.Context, res *StepResult) error {
			return s.upSubscription(ctx, rd.sub, arns.Topic, arns.Queue, topicCreated || queueCreated, res)
		}},
		{name: StepLogGroup, resource: n.LogGroup, run: func(ctx context.Context, res *StepResult) error {
			return s.upLogGroup(ctx, rd.logGroup, res)
		}},
		{name: StepRole, resource: n.Role, run: func(ctx context.Context, res *StepResult) error {
			return s.upRole(ctx, rd.role, arns, res)
		}},
		{name: StepFunction, resource: n.Function, deps: []string{StepRole, StepTable, StepTopic, StepLogGroup}, run: func(ctx context.Context, res *StepResult) error {
			return s.upFunction(ctx, rd.function, arns, res)
		}},
	}
	rep := runSteps(ctx, r, steps)
	rd.wait()
	for i := range rep.Steps {
		rep.Steps[i] = adopted(rep.Steps[i], foreign)
	}
	return rep, nil
}

// adopting tells the reporter which steps took a resource over.
type adopting struct {
	Reporter
	foreign []ForeignResource
}

func (a adopting) Done(step string, r StepResult) {
	a.Reporter.Done(step, adopted(r, a.foreign))
}

// adopted notes on a step's result that it took its resource over.
func adopted(r StepResult, foreign []ForeignResource) StepResult {
	for _, f := range foreign {
		if f.Step == r.Step && r.Outcome != Failed {
			r.Details = append([]string{"adopted: it had " + f.Found + "; now tagged as the stack's"}, r.Details...)
		}
	}
	return r
}
