package pipeline_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	itypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	stypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/orders-dev/orders/function"
	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/config"
	"github.com/orders-dev/orders/internal/emulator"
	"github.com/orders-dev/orders/internal/pipeline"
)

// emulated returns a maker of Stacks over one fresh in-memory emulator,
// through the real SDK, and the SDK configuration that reaches it.
func emulated(t *testing.T) (func(mod ...func(*config.Config)) *pipeline.Stack, aws.Config) {
	t.Helper()
	e, err := emulator.Open(emulator.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	url, err := e.Listen("127.0.0.1:0")
	if err != nil {
		e.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	awsCfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("admin", "admin", "")}
	clients := awsapi.NewFromAWSConfig(awsCfg)
	return func(mod ...func(*config.Config)) *pipeline.Stack {
		cfg := config.Default()
		cfg.Region, cfg.Arch, cfg.IAMWait = "us-east-1", function.HostArch(), 10*time.Second
		for _, m := range mod {
			m(&cfg)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatal(err)
		}
		return pipeline.New(cfg, clients)
	}, awsCfg
}

// Ownership for all seven kinds, so a shared account is safe: after a full up, one resource
// loses the stack tag (or gets another stack's) out of band. Status marks
// it foreign (the subscription too when it is the topic's or the queue's);
// up refuses with a ForeignError naming it and writes nothing; destroy
// leaves it — the subscription with its topic or queue — and deletes the
// rest; up --adopt would take it over.
func TestOwnershipOfEachKind(t *testing.T) {
	ctx := context.Background()
	const stackTag = config.StackTagKey
	n := config.Default().Names()
	for _, tc := range []struct {
		kind  string
		steps []string // destroy steps that must leave
		untag func(t *testing.T, c aws.Config, s *pipeline.Stack)
	}{
		{pipeline.KindTable, []string{pipeline.StepTable}, func(t *testing.T, c aws.Config, s *pipeline.Stack) {
			arns, _ := s.ARNs(ctx)
			_, err := dynamodb.NewFromConfig(c).UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: &arns.Table, TagKeys: []string{stackTag}})
			must(t, err)
		}},
		{pipeline.KindTopic, []string{pipeline.StepTopic, pipeline.StepSubscription}, func(t *testing.T, c aws.Config, s *pipeline.Stack) {
			arns, _ := s.ARNs(ctx)
			_, err := sns.NewFromConfig(c).TagResource(ctx, &sns.TagResourceInput{ResourceArn: &arns.Topic,
				Tags: []stypes.Tag{{Key: aws.String(stackTag), Value: aws.String("another-stack")}}})
			must(t, err)
		}},
		{pipeline.KindQueue, []string{pipeline.StepQueue, pipeline.StepSubscription}, func(t *testing.T, c aws.Config, s *pipeline.Stack) {
			q := sqs.NewFromConfig(c)
			u, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: &n.Queue})
			must(t, err)
			_, err = q.UntagQueue(ctx, &sqs.UntagQueueInput{QueueUrl: u.QueueUrl, TagKeys: []string{stackTag}})
			must(t, err)
		}},
		{pipeline.KindLogGroup, []string{pipeline.StepLogGroup}, func(t *testing.T, c aws.Config, s *pipeline.Stack) {
			arns, _ := s.ARNs(ctx)
			_, err := cloudwatchlogs.NewFromConfig(c).UntagResource(ctx, &cloudwatchlogs.UntagResourceInput{ResourceArn: &arns.LogGroup, TagKeys: []string{stackTag}})
			must(t, err)
		}},
		{pipeline.KindRole, []string{pipeline.StepRolePolicies, pipeline.StepRole}, func(t *testing.T, c aws.Config, s *pipeline.Stack) {
			_, err := iam.NewFromConfig(c).TagRole(ctx, &iam.TagRoleInput{RoleName: &n.Role,
				Tags: []itypes.Tag{{Key: aws.String(stackTag), Value: aws.String("another-stack")}}})
			must(t, err)
		}},
		{pipeline.KindFunction, []string{pipeline.StepFunction}, func(t *testing.T, c aws.Config, s *pipeline.Stack) {
			arns, _ := s.ARNs(ctx)
			_, err := lambda.NewFromConfig(c).UntagResource(ctx, &lambda.UntagResourceInput{Resource: &arns.Function, TagKeys: []string{stackTag}})
			must(t, err)
		}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			t.Parallel()
			newStack, c := emulated(t)
			s := newStack()
			if rep, err := s.Up(ctx, nil); err != nil || rep.Failed() {
				t.Fatalf("up: %v %+v", err, rep)
			}
			tc.untag(t, c, s)

			st, err := s.Status(ctx)
			must(t, err)
			for _, r := range st {
				foreign := r.Kind == tc.kind || (r.Kind == pipeline.KindSubscription && len(tc.steps) == 2 && tc.steps[1] == pipeline.StepSubscription)
				if want := map[bool]pipeline.State{true: pipeline.Foreign, false: pipeline.Present}[foreign]; r.State != want {
					t.Errorf("status of %s: %s %v, want %s", r.Kind, r.State, r.Drift, want)
				}
			}

			_, err = s.Up(ctx, nil)
			var fe *pipeline.ForeignError
			if !errors.As(err, &fe) || len(fe.Foreign) != 1 || fe.Foreign[0].Kind != tc.kind {
				t.Fatalf("up: %v, want a ForeignError naming the %s", err, tc.kind)
			}
			if st2, _ := s.Status(ctx); len(st2) != len(st) || !sameStates(st, st2) {
				t.Errorf("the refused up changed something: before %+v, after %+v", st, st2)
			}

			// up --adopt would take it over (its run is TestDriftRepaired's).
			up, err := newStack(func(cfg *config.Config) { cfg.Adopt = true }).PlanUp(ctx)
			must(t, err)
			if up.Refused != "" {
				t.Errorf("up --adopt --dry-run would refuse: %s", up.Refused)
			}
			upStep := tc.steps[len(tc.steps)-1] // role, not role policies: up has one role step
			if upStep == pipeline.StepSubscription {
				upStep = tc.steps[0]
			}
			seen := false
			for _, it := range up.Items {
				if it.Step != upStep {
					continue
				}
				seen = true
				if it.Action != pipeline.Update || !strings.Contains(strings.Join(it.Details, "\n"), "adopt:") {
					t.Errorf("up --adopt --dry-run %s: %s %v, want an update adopting it", it.Step, it.Action, it.Details)
				}
			}
			if !seen {
				t.Errorf("up --adopt --dry-run has no step %s", upStep)
			}

			plan, err := s.PlanDestroy(ctx)
			must(t, err)
			rep, err := s.Destroy(ctx, nil)
			must(t, err)
			left := map[string]bool{}
			for _, step := range tc.steps {
				left[step] = true
			}
			for i, r := range rep.Steps {
				want := pipeline.Deleted
				if left[r.Step] {
					want = pipeline.Left
				}
				if r.Outcome != want {
					t.Errorf("destroy %s: %s %v %v, want %s", r.Step, r.Outcome, r.Details, r.Err, want)
				}
				// The dry run said so beforehand.
				if wantAct := map[bool]pipeline.Action{true: pipeline.Leave, false: pipeline.Delete}[left[r.Step]]; plan.Items[i].Action != wantAct {
					t.Errorf("destroy --dry-run %s: %s, want %s", plan.Items[i].Step, plan.Items[i].Action, wantAct)
				}
			}
			if len(rep.Left()) != len(tc.steps) {
				t.Errorf("left %v, want %d lines", rep.Left(), len(tc.steps))
			}
			st, err = s.Status(ctx)
			must(t, err)
			for _, r := range st {
				if r.Kind == tc.kind && r.State != pipeline.Foreign {
					t.Errorf("after destroy, the foreign %s is %s", r.Kind, r.State)
				}
			}

		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func sameStates(a, b []pipeline.ResourceStatus) bool {
	for i := range a {
		if a[i].Kind != b[i].Kind || a[i].State != b[i].State {
			return false
		}
	}
	return true
}
