package pipeline

import "context"

// Destroy deletes everything of the stack's that Up creates, in the reverse of Up's order —
// subscription, function, log group, role policies, role, queue, topic,
// table (waiting until the table is gone) — running steps concurrently
// where nothing depends on them any more. Each step tolerates a resource
// that does not exist and reports it Absent; one that exists but is not the
// stack's (ownership.go) it leaves alone and reports Left; Deleted
// otherwise. Running it twice is safe. As with Up, the error is non-nil only when Destroy could
// not start.
func (s *Stack) Destroy(ctx context.Context, rep Reporter) (Report, error) {
	arns, err := s.ARNs(ctx)
	if err != nil {
		return Report{}, err
	}
	n := s.names
	// deleted sets the ARN on what was actually deleted.
	deleted := func(arn string, f func(context.Context, *StepResult) error) func(context.Context, *StepResult) error {
		return func(ctx context.Context, res *StepResult) error {
			err := f(ctx, res)
			if res.Outcome == Deleted && res.ARN == "" {
				res.ARN = arn
			}
			return err
		}
	}
	steps := []step{
		{name: StepSubscription, resource: s.subscriptionName(), run: func(ctx context.Context, res *StepResult) error {
			return s.destroySubscription(ctx, arns.Topic, arns.Queue, res)
		}},
		{name: StepFunction, resource: n.Function, run: deleted(arns.Function, func(ctx context.Context, res *StepResult) error {
			return s.destroyFunction(ctx, arns.Function, res)
		})},
		// After the function: an invocation in flight would make Lambda
		// create the log group again.
		{name: StepLogGroup, resource: n.LogGroup, deps: []string{StepFunction}, run: deleted(arns.LogGroup, func(ctx context.Context, res *StepResult) error {
			return s.destroyLogGroup(ctx, arns.LogGroup, res)
		})},
		{name: StepRolePolicies, resource: n.Role, deps: []string{StepFunction}, run: deleted(arns.Role, s.destroyRolePolicies)},
		{name: StepRole, resource: n.Role, deps: []string{StepRolePolicies}, run: deleted(arns.Role, s.destroyRole)},
		{name: StepQueue, resource: n.Queue, deps: []string{StepSubscription}, run: deleted(arns.Queue, func(ctx context.Context, res *StepResult) error {
			return s.destroyQueue(ctx, arns.Queue, res)
		})},
		{name: StepTopic, resource: n.Topic, deps: []string{StepSubscription, StepFunction}, run: func(ctx context.Context, res *StepResult) error {
			return s.destroyTopic(ctx, arns.Topic, res)
		}},
		{name: StepTable, resource: n.Table, deps: []string{StepFunction}, run: deleted(arns.Table, func(ctx context.Context, res *StepResult) error {
			return s.destroyTable(ctx, arns.Table, res)
		})},
	}
	return runSteps(ctx, newLockedReporter(rep), steps), nil
}
