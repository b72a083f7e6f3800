package pipeline

import "context"

// Destroy deletes everything Up creates, in the reverse of Up's order —
// subscription, function, log group, role policies, role, queue, topic,
// table (waiting until the table is gone) — running steps concurrently
// where nothing depends on them any more. Each step tolerates a resource
// that does not exist and reports it Absent; Deleted otherwise. Running it
// twice is safe. As with Up, the error is non-nil only when Destroy could
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
		{name: StepFunction, resource: n.Function, run: deleted(arns.Function, s.destroyFunction)},
		// After the function: an invocation in flight would make Lambda
		// create the log group again.
		{name: StepLogGroup, resource: n.LogGroup, deps: []string{StepFunction}, run: deleted(arns.LogGroup, s.destroyLogGroup)},
		{name: StepRolePolicies, resource: n.Role, deps: []string{StepFunction}, run: deleted(arns.Role, s.destroyRolePolicies)},
		{name: StepRole, resource: n.Role, deps: []string{StepRolePolicies}, run: deleted(arns.Role, s.destroyRole)},
		{name: StepQueue, resource: n.Queue, deps: []string{StepSubscription}, run: deleted(arns.Queue, s.destroyQueue)},
		{name: StepTopic, resource: n.Topic, deps: []string{StepSubscription, StepFunction}, run: func(ctx context.Context, res *StepResult) error {
			return s.destroyTopic(ctx, arns.Topic, res)
		}},
		{name: StepTable, resource: n.Table, deps: []string{StepFunction}, run: deleted(arns.Table, s.destroyTable)},
	}
	return runSteps(ctx, newLockedReporter(rep), steps), nil
}
