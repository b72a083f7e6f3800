package pipeline

// Integration tests against moto_server, an independent AWS emulator. They
// start one moto_server on a free loopback port for the package and reset
// its state before each test. Without moto_server on PATH they skip, unless
// ORDERS_TEST_PEERS=1 (CI), which makes them required.
//
// moto quirks met here, worked around in the tests only:
//   - Lambda: CreateFunction/GetFunction work without Docker (invoking needs
//     it, and is not exercised here); State is Active and LastUpdateStatus
//     Successful at once, so the SDK waiters return on their first poll.
//   - Lambda: UpdateFunctionCode ignores Architectures, so an architecture
//     change is covered by the unit tests only.
//   - SQS: no 60 s QueueDeletedRecently cool-down; covered by unit tests.
//   - IAM: no propagation delay; the retry is covered by unit tests.

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	qtypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/orders-dev/orders/function"
	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/config"
	"github.com/orders-dev/orders/internal/emulator/emutest"
	"github.com/orders-dev/orders/policies"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if moto.server != nil {
		moto.server.Stop()
	}
	os.Exit(code)
}

// moto is the package's one moto_server, started on first use; its mutex
// serialises the tests that use it, since each resets its state.
var moto struct {
	once   sync.Once
	mu     sync.Mutex
	server *emutest.MotoServer
	err    error
}

// useMoto returns clients on a freshly reset moto_server, and holds it for
// the test's duration.
func useMoto(t testing.TB) *awsapi.Clients {
	t.Helper()
	emutest.Require(t, "moto_server")
	moto.once.Do(func() { moto.server, moto.err = emutest.StartMotoServer() })
	if moto.err != nil {
		t.Fatal(moto.err)
	}
	moto.mu.Lock()
	t.Cleanup(moto.mu.Unlock)
	resetMoto(t)
	return awsapi.NewFromAWSConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(moto.server.URL),
	})
}

func resetMoto(t testing.TB) {
	t.Helper()
	if err := moto.server.Reset(); err != nil {
		t.Fatal(err)
	}
}

func motoStack(t testing.TB, c *awsapi.Clients, mod ...func(*config.Config)) *Stack {
	t.Helper()
	cfg := config.Default()
	cfg.Region = "us-east-1"
	for _, m := range mod {
		m(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return New(cfg, c)
}

func timedUp(t *testing.T, s *Stack) (Report, time.Duration) {
	t.Helper()
	start := time.Now()
	rep, err := s.Up(context.Background(), newRecorder())
	d := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	return rep, d
}

func failedSteps(rep Report) string {
	var b strings.Builder
	for _, s := range rep.Steps {
		if s.Err != nil {
			fmt.Fprintf(&b, "\n  %s: %v", s.Step, s.Err)
		}
	}
	return b.String()
}

func TestMotoUpFromNothingThenNoChange(t *testing.T) {
	c := useMoto(t)
	s := motoStack(t, c)
	rep, fresh := timedUp(t, s)
	if rep.Failed() {
		t.Fatalf("up failed:%s", failedSteps(rep))
	}
	wantOutcomes(t, rep, Created, nil)
	logSteps(t, "fresh up", rep)
	checkMotoStack(t, c, s)

	rep, again := timedUp(t, s)
	if rep.Failed() {
		t.Fatalf("second up failed:%s", failedSteps(rep))
	}
	wantOutcomes(t, rep, Unchanged, nil)
	t.Logf("moto: up (fresh) %v, up (no change) %v", fresh.Round(time.Millisecond), again.Round(time.Millisecond))
}

func logSteps(t *testing.T, what string, rep Report) {
	t.Helper()
	var b strings.Builder
	for _, s := range rep.Steps {
		fmt.Fprintf(&b, " %s=%v", s.Step, s.Duration.Round(time.Millisecond))
	}
	t.Logf("%s:%s", what, b.String())
}

// checkMotoStack looks at every resource with plain SDK calls, as an
// independent client would.
func checkMotoStack(t *testing.T, c *awsapi.Clients, s *Stack) {
	t.Helper()
	ctx := context.Background()
	arns, err := s.ARNs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if arns.Account != "123456789012" || arns.Partition != "aws" {
		t.Errorf("moto account %q partition %q", arns.Account, arns.Partition)
	}
	n := s.Names()
	tag := n.Stack

	tbl, err := c.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &n.Table})
	if err != nil {
		t.Fatal(err)
	}
	if tbl.Table.TableStatus != dtypes.TableStatusActive || len(tbl.Table.KeySchema) != 1 ||
		aws.ToString(tbl.Table.KeySchema[0].AttributeName) != "OrderId" || aws.ToString(tbl.Table.TableArn) != arns.Table ||
		tbl.Table.BillingModeSummary == nil || tbl.Table.BillingModeSummary.BillingMode != dtypes.BillingModePayPerRequest {
		t.Errorf("table %+v", tbl.Table)
	}
	ttags, err := c.DynamoDB.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: &arns.Table})
	if err != nil || len(ttags.Tags) != 1 || aws.ToString(ttags.Tags[0].Value) != tag {
		t.Errorf("table tags %+v %v", ttags, err)
	}

	if _, err := c.SNS.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &arns.Topic}); err != nil {
		t.Errorf("topic: %v", err)
	}
	stags, err := c.SNS.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: &arns.Topic})
	if err != nil || len(stags.Tags) != 1 || aws.ToString(stags.Tags[0].Value) != tag {
		t.Errorf("topic tags %+v %v", stags, err)
	}

	u, err := c.SQS.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: &n.Queue})
	if err != nil {
		t.Fatal(err)
	}
	qa, err := c.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: u.QueueUrl, AttributeNames: []qtypes.QueueAttributeName{qtypes.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	if qa.Attributes["SqsManagedSseEnabled"] != "true" || qa.Attributes["QueueArn"] != arns.Queue {
		t.Errorf("queue attributes %v", qa.Attributes)
	}
	wantQP, _ := policies.Render("queue", arns)
	if same, err := policies.Equal([]byte(qa.Attributes["Policy"]), wantQP); err != nil || !same {
		t.Errorf("queue policy %s (%v)", qa.Attributes["Policy"], err)
	}
	qtags, err := c.SQS.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: u.QueueUrl})
	if err != nil || qtags.Tags[config.StackTagKey] != tag {
		t.Errorf("queue tags %v %v", qtags, err)
	}

	subs, err := c.SNS.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: &arns.Topic})
	if err != nil || len(subs.Subscriptions) != 1 || aws.ToString(subs.Subscriptions[0].Endpoint) != arns.Queue ||
		aws.ToString(subs.Subscriptions[0].Protocol) != "sqs" {
		t.Errorf("subscriptions %+v %v", subs, err)
	}

	groups, err := c.Logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: &n.LogGroup})
	if err != nil || len(groups.LogGroups) != 1 || aws.ToInt32(groups.LogGroups[0].RetentionInDays) != 14 {
		t.Errorf("log groups %+v %v", groups, err)
	}
	ltags, err := c.Logs.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: &arns.LogGroup})
	if err != nil || ltags.Tags[config.StackTagKey] != tag {
		t.Errorf("log group tags %v %v", ltags, err)
	}

	role, err := c.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: &n.Role})
	if err != nil {
		t.Fatal(err)
	}
	wantTrust, _ := policies.Render("trust", arns)
	if same, err := policies.Equal([]byte(aws.ToString(role.Role.AssumeRolePolicyDocument)), wantTrust); err != nil || !same {
		t.Errorf("trust %s (%v)", aws.ToString(role.Role.AssumeRolePolicyDocument), err)
	}
	inl, err := c.IAM.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: &n.Role})
	if err != nil || len(inl.PolicyNames) != 1 || inl.PolicyNames[0] != n.RolePolicy {
		t.Errorf("inline policies %+v %v", inl, err)
	}
	pol, err := c.IAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &n.Role, PolicyName: &n.RolePolicy})
	wantFn, _ := policies.Render("function", arns)
	if err != nil {
		t.Error(err)
	} else if same, err := policies.Equal([]byte(aws.ToString(pol.PolicyDocument)), wantFn); err != nil || !same {
		t.Errorf("function policy %s (%v)", aws.ToString(pol.PolicyDocument), err)
	}
	att, err := c.IAM.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: &n.Role})
	if err != nil || len(att.AttachedPolicies) != 0 {
		t.Errorf("managed policies %+v %v", att, err)
	}

	fn, err := c.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &n.Function})
	if err != nil {
		t.Fatal(err)
	}
	fc := fn.Configuration
	sha, _ := function.CodeSha256(s.cfg.Arch)
	if fc.Runtime != ltypes.RuntimeProvidedal2023 || aws.ToString(fc.Handler) != "bootstrap" || aws.ToString(fc.Role) != arns.Role ||
		len(fc.Architectures) != 1 || string(fc.Architectures[0]) != s.cfg.Arch || aws.ToString(fc.CodeSha256) != sha ||
		aws.ToInt32(fc.Timeout) != 10 || aws.ToInt32(fc.MemorySize) != 128 || fc.State != ltypes.StateActive {
		t.Errorf("function %+v", fc)
	}
	if env := fc.Environment.Variables; env["TABLE_NAME"] != n.Table || env["TOPIC_ARN"] != arns.Topic || env["THRESHOLD"] != "100" || len(env) != 3 {
		t.Errorf("function env %v", env)
	}
	if fn.Tags[config.StackTagKey] != tag {
		t.Errorf("function tags %v", fn.Tags)
	}
}

func TestMotoDriftRepaired(t *testing.T) {
	c := useMoto(t)
	s := motoStack(t, c)
	ctx := context.Background()
	if rep, _ := timedUp(t, s); rep.Failed() {
		t.Fatalf("up failed:%s", failedSteps(rep))
	}
	arns, _ := s.ARNs(ctx)
	n := s.Names()

	// Out of band: delete the subscription, widen the role's policy, change an env var.
	subs, err := c.SNS.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: &arns.Topic})
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range subs.Subscriptions {
		if _, err := c.SNS.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: sub.SubscriptionArn}); err != nil {
			t.Fatal(err)
		}
	}
	wide := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}`
	if _, err := c.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: &n.Role, PolicyName: &n.RolePolicy, PolicyDocument: &wide}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: &n.Role, PolicyName: aws.String("Extra"), PolicyDocument: &wide}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Lambda.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: &n.Function,
		Environment: &ltypes.Environment{Variables: map[string]string{"TABLE_NAME": n.Table, "TOPIC_ARN": arns.Topic, "THRESHOLD": "1"}}}); err != nil {
		t.Fatal(err)
	}

	st, err := s.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]State{KindSubscription: Missing, KindRole: Drifted, KindFunction: Drifted}
	for _, r := range st {
		w, ok := want[r.Kind]
		if !ok {
			w = Present
		}
		if r.State != w {
			t.Errorf("status %s: %s %q, want %s", r.Kind, r.State, r.Drift, w)
		}
	}

	rep, _ := timedUp(t, s)
	if rep.Failed() {
		t.Fatalf("repairing up failed:%s", failedSteps(rep))
	}
	wantOutcomes(t, rep, Unchanged, map[string]Outcome{"subscription": Repaired, "role": Repaired, "function": Repaired})
	for stepName, detail := range map[string]string{
		"subscription": "subscription was missing",
		"role":         "inline policy ProcessOrderFunction-policy differs",
		"function":     `environment variable THRESHOLD is "1", want "100"`,
	} {
		if d := strings.Join(stepOf(t, rep, stepName).Details, "\n"); !strings.Contains(d, detail) {
			t.Errorf("%s details %q lack %q", stepName, d, detail)
		}
	}
	if d := strings.Join(stepOf(t, rep, "role").Details, "\n"); !strings.Contains(d, "extra inline policy Extra") {
		t.Errorf("role details %q", d)
	}
	checkMotoStack(t, c, s)
	rep, _ = timedUp(t, s)
	wantOutcomes(t, rep, Unchanged, nil)
}

func TestMotoStatus(t *testing.T) {
	c := useMoto(t)
	s := motoStack(t, c)
	ctx := context.Background()
	states := func() map[string]State {
		t.Helper()
		st, err := s.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]State{}
		for _, r := range st {
			m[r.Kind] = r.State
			if r.State != Missing && !strings.HasPrefix(r.ARN, "arn:aws:") {
				t.Errorf("%s: ARN %q", r.Kind, r.ARN)
			}
		}
		if len(m) != 7 {
			t.Errorf("status lists %d kinds, want 7", len(m))
		}
		return m
	}
	for k, v := range states() {
		if v != Missing {
			t.Errorf("empty stack: %s is %s", k, v)
		}
	}
	if rep, _ := timedUp(t, s); rep.Failed() {
		t.Fatalf("up failed:%s", failedSteps(rep))
	}
	for k, v := range states() {
		if v != Present {
			t.Errorf("full stack: %s is %s", k, v)
		}
	}
	n := s.Names()
	if _, err := c.Lambda.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: &n.Function}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Logs.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: &n.LogGroup, RetentionInDays: aws.Int32(3)}); err != nil {
		t.Fatal(err)
	}
	got := states()
	for k, want := range map[string]State{KindFunction: Missing, KindLogGroup: Drifted, KindTable: Present, KindRole: Present, KindSubscription: Present} {
		if got[k] != want {
			t.Errorf("partial stack: %s is %s, want %s", k, got[k], want)
		}
	}
}

func TestMotoDestroyTwice(t *testing.T) {
	c := useMoto(t)
	s := motoStack(t, c)
	ctx := context.Background()
	if rep, _ := timedUp(t, s); rep.Failed() {
		t.Fatalf("up failed:%s", failedSteps(rep))
	}
	start := time.Now()
	rep, err := s.Destroy(ctx, newRecorder())
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	wantOutcomes(t, rep, Deleted, nil)
	t.Logf("moto: destroy %v", took.Round(time.Millisecond))

	// Nothing left, as another client sees it.
	n := s.Names()
	tables, _ := c.DynamoDB.(*dynamodb.Client).ListTables(ctx, &dynamodb.ListTablesInput{})
	topics, _ := c.SNS.(*sns.Client).ListTopics(ctx, &sns.ListTopicsInput{})
	queues, _ := c.SQS.(*sqs.Client).ListQueues(ctx, &sqs.ListQueuesInput{})
	groups, _ := c.Logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
	fns, _ := c.Lambda.(*lambda.Client).ListFunctions(ctx, &lambda.ListFunctionsInput{})
	_, roleErr := c.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: &n.Role})
	if len(tables.TableNames)+len(topics.Topics)+len(queues.QueueUrls)+len(groups.LogGroups)+len(fns.Functions) != 0 || !hasCode(roleErr, "NoSuchEntity") {
		t.Errorf("left behind: tables %v topics %v queues %v groups %v functions %v role %v",
			tables.TableNames, topics.Topics, queues.QueueUrls, groups.LogGroups, fns.Functions, roleErr)
	}

	rep, err = s.Destroy(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantOutcomes(t, rep, Absent, nil)
	st, err := s.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range st {
		if r.State != Missing {
			t.Errorf("after destroy: %s is %s", r.Kind, r.State)
		}
	}
}

// A pre-existing table with the wrong key makes the table step fail (and
// the function, which needs it, skip); once it is gone, up continues.
func TestMotoUpAfterFailedStep(t *testing.T) {
	c := useMoto(t)
	s := motoStack(t, c)
	ctx := context.Background()
	n := s.Names()
	_, err := c.DynamoDB.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            &n.Table,
		AttributeDefinitions: []dtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: dtypes.ScalarAttributeTypeN}},
		KeySchema:            []dtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: dtypes.KeyTypeHash}},
		BillingMode:          dtypes.BillingModePayPerRequest,
		// The stack's own table (an earlier up's), so up converges it
		// rather than refusing someone else's.
		Tags: []dtypes.Tag{{Key: aws.String(config.StackTagKey), Value: aws.String(n.Stack)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := timedUp(t, s)
	if !rep.Failed() {
		t.Fatal("up should fail on the conflicting table")
	}
	tb := stepOf(t, rep, "table")
	if tb.Outcome != Failed || !strings.Contains(tb.Err.Error(), "table OrdersTable") || !strings.Contains(tb.Err.Error(), "key schema is id (N) HASH") {
		t.Errorf("table: %s %v", tb.Outcome, tb.Err)
	}
	if fn := stepOf(t, rep, "function"); fn.Outcome != Failed || !strings.Contains(fn.Err.Error(), "skipped: depends on table") {
		t.Errorf("function: %s %v", fn.Outcome, fn.Err)
	}
	wantOutcomes(t, rep, Created, map[string]Outcome{"table": Failed, "function": Failed})

	if _, err := c.DynamoDB.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: &n.Table}); err != nil {
		t.Fatal(err)
	}
	rep, _ = timedUp(t, s)
	if rep.Failed() {
		t.Fatalf("re-run failed:%s", failedSteps(rep))
	}
	wantOutcomes(t, rep, Unchanged, map[string]Outcome{"table": Created, "function": Created})
	checkMotoStack(t, c, s)
}

// An injected failure from the Lambda API: the function step fails naming
// itself and AWS's error; the next up creates it.
func TestMotoUpAfterInjectedFailure(t *testing.T) {
	c := useMoto(t)
	flaky := &failOnceLambda{Lambda: c.Lambda}
	c.Lambda = flaky
	s := motoStack(t, c, func(cfg *config.Config) { cfg.Prefix = "flaky-" })
	rep, _ := timedUp(t, s)
	fn := stepOf(t, rep, "function")
	if fn.Outcome != Failed || !strings.HasPrefix(fn.Err.Error(), "create function flaky-ProcessOrderFunction: ") ||
		!strings.Contains(fn.Err.Error(), "ServiceException") {
		t.Fatalf("function: %s %v", fn.Outcome, fn.Err)
	}
	wantOutcomes(t, rep, Created, map[string]Outcome{"function": Failed})
	rep, _ = timedUp(t, s)
	wantOutcomes(t, rep, Unchanged, map[string]Outcome{"function": Created})
	checkMotoStack(t, c, s)
}

type failOnceLambda struct {
	awsapi.Lambda
	once sync.Once
}

func (l *failOnceLambda) CreateFunction(ctx context.Context, in *lambda.CreateFunctionInput, o ...func(*lambda.Options)) (*lambda.CreateFunctionOutput, error) {
	var failed bool
	l.once.Do(func() { failed = true })
	if failed {
		return nil, &ltypes.ServiceException{Message: aws.String("injected: Lambda had an internal problem")}
	}
	return l.Lambda.CreateFunction(ctx, in, o...)
}

// BenchmarkMoto times up from nothing, up with nothing to change, and
// destroy, against a warm moto_server:
//
//	go test ./internal/pipeline -run '^$' -bench Moto -benchtime 20x
func BenchmarkMoto(b *testing.B) {
	c := useMoto(b)
	s := motoStack(b, c)
	ctx := context.Background()
	up := func() {
		if rep, err := s.Up(ctx, nil); err != nil || rep.Failed() {
			b.Fatalf("up: %v%s", err, failedSteps(rep))
		}
	}
	destroy := func() {
		if rep, err := s.Destroy(ctx, nil); err != nil || rep.Failed() {
			b.Fatalf("destroy: %v%s", err, failedSteps(rep))
		}
	}
	up() // warm moto's lazily loaded services
	destroy()
	b.Run("up-fresh", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			resetMoto(b)
			b.StartTimer()
			up()
		}
	})
	b.Run("up-no-change", func(b *testing.B) {
		for b.Loop() {
			up()
		}
	})
	b.Run("destroy", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			resetMoto(b)
			up()
			b.StartTimer()
			destroy()
		}
	})
}
