package verify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	itypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/orders-dev/orders/function/handler"
	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/config"
	"github.com/orders-dev/orders/internal/iampolicy"
	"github.com/orders-dev/orders/internal/pipeline"
	"github.com/orders-dev/orders/policies"
)

// The fakes below make one small world: the real order handler runs behind
// a fake Lambda, stores into a fake DynamoDB, publishes through a fake SNS
// into a fake SQS queue and logs into a fake CloudWatch Logs, all on one
// fake clock, so polling and waiting take no real time. Each fake embeds
// its awsapi interface (nil): a method the checks are not expected to call
// panics.

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return nil
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// --- DynamoDB ---

type fakeDB struct {
	awsapi.DynamoDB
	mu        sync.Mutex
	items     map[string]map[string]dtypes.AttributeValue
	deleted   []string
	deleteErr error
	gets      []*dynamodb.GetItemInput
}

func (f *fakeDB) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := in.Item["OrderId"].(*dtypes.AttributeValueMemberS).Value
	old, exists := f.items[id]
	if cond := aws.ToString(in.ConditionExpression); cond != "" && !conditionHolds(cond, in, old, exists) {
		return nil, &dtypes.ConditionalCheckFailedException{Message: aws.String("The conditional request failed"), Item: old}
	}
	f.items[id] = in.Item
	return &dynamodb.PutItemOutput{}, nil
}

// conditionHolds evaluates the two shapes of condition the handler writes:
// attribute_not_exists(#n) and "#a = :v AND #b = :w".
func conditionHolds(cond string, in *dynamodb.PutItemInput, old map[string]dtypes.AttributeValue, exists bool) bool {
	if strings.HasPrefix(cond, "attribute_not_exists(") {
		name := in.ExpressionAttributeNames[strings.TrimSuffix(strings.TrimPrefix(cond, "attribute_not_exists("), ")")]
		_, has := old[name]
		return !exists || !has
	}
	if !exists {
		return false
	}
	for _, part := range strings.Split(cond, " AND ") {
		l, r, ok := strings.Cut(part, " = ")
		if !ok {
			panic("fake DynamoDB: unsupported condition " + cond)
		}
		have, want := old[in.ExpressionAttributeNames[strings.TrimSpace(l)]], in.ExpressionAttributeValues[strings.TrimSpace(r)]
		if !reflect.DeepEqual(have, want) {
			return false
		}
	}
	return true
}

func (f *fakeDB) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets = append(f.gets, in)
	id := in.Key["OrderId"].(*dtypes.AttributeValueMemberS).Value
	return &dynamodb.GetItemOutput{Item: f.items[id]}, nil
}

func (f *fakeDB) DeleteItem(_ context.Context, in *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.deleteErr != nil {
		return nil, f.deleteErr
	}
	id := in.Key["OrderId"].(*dtypes.AttributeValueMemberS).Value
	f.deleted = append(f.deleted, id)
	delete(f.items, id)
	return &dynamodb.DeleteItemOutput{}, nil
}

func (f *fakeDB) item(id string) map[string]dtypes.AttributeValue {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.items[id]
}

// --- SQS ---

type fakeMessage struct {
	id, body       string
	receipt        string
	invisibleUntil time.Time
	received       int
}

type fakeSQS struct {
	awsapi.SQS
	clock *fakeClock
	url   string

	mu       sync.Mutex
	messages []*fakeMessage
	deleted  []string // message ids
	released []string // message ids made visible with ChangeMessageVisibility 0
	receives []sqs.ReceiveMessageInput
	n        int
	// onReceive, when set, runs before each ReceiveMessage (with its number).
	onReceive func(n int)
}

func (f *fakeSQS) send(body string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	id := fmt.Sprintf("sqs-%d", f.n)
	f.messages = append(f.messages, &fakeMessage{id: id, body: body})
	return id
}

func (f *fakeSQS) GetQueueUrl(_ context.Context, in *sqs.GetQueueUrlInput, _ ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	return &sqs.GetQueueUrlOutput{QueueUrl: aws.String(f.url)}, nil
}

func (f *fakeSQS) ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, _ ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	f.mu.Lock()
	f.receives = append(f.receives, *in)
	n := len(f.receives)
	hook := f.onReceive
	f.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if aws.ToString(in.QueueUrl) != f.url {
		return nil, fmt.Errorf("fake SQS: unknown queue %s", aws.ToString(in.QueueUrl))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.clock.Now()
	var out []sqstypes.Message
	for _, m := range f.messages {
		if len(out) == int(in.MaxNumberOfMessages) {
			break
		}
		if now.Before(m.invisibleUntil) {
			continue
		}
		m.received++
		m.receipt = fmt.Sprintf("%s-r%d", m.id, m.received)
		m.invisibleUntil = now.Add(time.Duration(in.VisibilityTimeout) * time.Second)
		out = append(out, sqstypes.Message{MessageId: aws.String(m.id), ReceiptHandle: aws.String(m.receipt), Body: aws.String(m.body)})
	}
	if len(out) == 0 {
		// A long poll that finds nothing takes its whole wait.
		f.clock.Advance(time.Duration(in.WaitTimeSeconds) * time.Second)
	}
	return &sqs.ReceiveMessageOutput{Messages: out}, nil
}

func (f *fakeSQS) byReceipt(receipt string) *fakeMessage {
	for _, m := range f.messages {
		if m.receipt == receipt {
			return m
		}
	}
	return nil
}

func (f *fakeSQS) DeleteMessage(_ context.Context, in *sqs.DeleteMessageInput, _ ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.byReceipt(aws.ToString(in.ReceiptHandle))
	if m == nil {
		return nil, &smithy.GenericAPIError{Code: "ReceiptHandleIsInvalid", Message: "bad receipt"}
	}
	f.deleted = append(f.deleted, m.id)
	f.messages = slices.DeleteFunc(f.messages, func(x *fakeMessage) bool { return x == m })
	return &sqs.DeleteMessageOutput{}, nil
}

func (f *fakeSQS) ChangeMessageVisibility(_ context.Context, in *sqs.ChangeMessageVisibilityInput, _ ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.byReceipt(aws.ToString(in.ReceiptHandle))
	if m == nil {
		return nil, &smithy.GenericAPIError{Code: "ReceiptHandleIsInvalid", Message: "bad receipt"}
	}
	m.invisibleUntil = f.clock.Now().Add(time.Duration(in.VisibilityTimeout) * time.Second)
	if in.VisibilityTimeout == 0 {
		f.released = append(f.released, m.id)
	}
	return &sqs.ChangeMessageVisibilityOutput{}, nil
}

// visible reports whether message id is still in the queue and visible.
func (f *fakeSQS) visible(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.messages {
		if m.id == id {
			return !f.clock.Now().Before(m.invisibleUntil)
		}
	}
	return false
}

// --- SNS (the handler's notifier), delivering to the fake queue ---

type fakeSNS struct {
	awsapi.SNS
	queue        *fakeSQS
	account      *fakeAccount
	queueARN     string // the stack queue's
	topic        string
	deliver      bool  // the subscription works
	deliveries   int   // copies delivered per publish (SNS's at-least-once)
	err          error // Publish fails with this
	mu           sync.Mutex
	n            int
	subs         []*fakeSub // the probe's
	unsubscribed []string
}

func (f *fakeSNS) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	f.mu.Lock()
	f.n++
	id := fmt.Sprintf("sns-msg-%d", f.n)
	f.mu.Unlock()
	if f.deliver {
		env, _ := json.Marshal(map[string]string{"Type": "Notification", "MessageId": id,
			"TopicArn": aws.ToString(in.TopicArn), "Message": aws.ToString(in.Message), "Subject": aws.ToString(in.Subject)})
		for range max(f.deliveries, 1) {
			f.queue.send(string(env))
		}
		f.deliverToProbes(in, string(env))
	}
	return &sns.PublishOutput{MessageId: aws.String(id)}, nil
}

// --- CloudWatch Logs ---

type fakeEvent struct {
	id, stream, msg string
	ts              int64
	visibleAt       time.Time // ingestion: FilterLogEvents shows it from then on
}

type fakeLogs struct {
	awsapi.Logs
	clock   *fakeClock
	group   string
	lag     time.Duration // between a line's timestamp and its visibility
	missing bool          // the log group does not exist

	mu       sync.Mutex
	events   []fakeEvent
	searches []cloudwatchlogs.FilterLogEventsInput
}

func (f *fakeLogs) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.clock.Now()
	f.events = append(f.events, fakeEvent{id: strconv.Itoa(len(f.events) + 1), stream: "2025/01/02/[$LATEST]fake",
		msg: string(p), ts: now.UnixMilli(), visibleAt: now.Add(f.lag)})
	return len(p), nil
}

// FilterLogEvents pages two events at a time, to exercise pagination.
func (f *fakeLogs) FilterLogEvents(_ context.Context, in *cloudwatchlogs.FilterLogEventsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.searches = append(f.searches, *in)
	if f.missing || aws.ToString(in.LogGroupName) != f.group {
		return nil, &cwtypes.ResourceNotFoundException{Message: aws.String("The specified log group does not exist.")}
	}
	pattern := aws.ToString(in.FilterPattern)
	if !strings.HasPrefix(pattern, `"`) || !strings.HasSuffix(pattern, `"`) {
		return nil, fmt.Errorf("fake logs: unexpected pattern %q", pattern)
	}
	term := strings.Trim(pattern, `"`)
	from, _ := strconv.Atoi(aws.ToString(in.NextToken))
	now := f.clock.Now()
	var out []cwtypes.FilteredLogEvent
	i := from
	for ; i < len(f.events) && len(out) < 2; i++ {
		e := f.events[i]
		if now.Before(e.visibleAt) || (in.StartTime != nil && e.ts < *in.StartTime) || !strings.Contains(e.msg, term) {
			continue
		}
		out = append(out, cwtypes.FilteredLogEvent{EventId: aws.String(e.id), LogStreamName: aws.String(e.stream),
			Message: aws.String(e.msg), Timestamp: aws.Int64(e.ts)})
	}
	res := &cloudwatchlogs.FilterLogEventsOutput{Events: out}
	if i < len(f.events) {
		res.NextToken = aws.String(strconv.Itoa(i))
	}
	return res, nil
}

// --- Lambda, running the real handler ---

type fakeLambda struct {
	awsapi.Lambda
	h *handler.Handler
}

func (f *fakeLambda) Invoke(ctx context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	out, err := f.h.Invoke(ctx, in.Payload)
	if err != nil {
		// What the Lambda runtime reports: the error's type name and message.
		body, _ := json.Marshal(map[string]string{"errorType": reflect.TypeOf(err).Elem().Name(), "errorMessage": err.Error()})
		return &lambda.InvokeOutput{StatusCode: 200, FunctionError: aws.String("Unhandled"), Payload: body}, nil
	}
	return &lambda.InvokeOutput{StatusCode: 200, Payload: out}, nil
}

// --- IAM ---

type fakeIAM struct {
	awsapi.IAM
	role     bool
	roleARN  string
	boundary string
	names    []string          // inline policy names, in order
	docs     map[string]string // inline policy name -> JSON
	managed  []string
	// simulateErr, when set, is SimulatePrincipalPolicy's answer.
	simulateErr error

	mu        sync.Mutex
	simulated []*iam.SimulatePrincipalPolicyInput
}

func noSuchEntity() error {
	return &smithy.GenericAPIError{Code: "NoSuchEntity", Message: "The role cannot be found."}
}

func (f *fakeIAM) GetRole(_ context.Context, in *iam.GetRoleInput, _ ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	if !f.role {
		return nil, noSuchEntity()
	}
	r := &itypes.Role{RoleName: in.RoleName, Arn: aws.String(f.roleARN)}
	if f.boundary != "" {
		r.PermissionsBoundary = &itypes.AttachedPermissionsBoundary{PermissionsBoundaryArn: aws.String(f.boundary)}
	}
	return &iam.GetRoleOutput{Role: r}, nil
}

// ListRolePolicies pages one name at a time, to exercise pagination.
func (f *fakeIAM) ListRolePolicies(_ context.Context, in *iam.ListRolePoliciesInput, _ ...func(*iam.Options)) (*iam.ListRolePoliciesOutput, error) {
	if !f.role {
		return nil, noSuchEntity()
	}
	i, _ := strconv.Atoi(aws.ToString(in.Marker))
	out := &iam.ListRolePoliciesOutput{}
	if i < len(f.names) {
		out.PolicyNames = []string{f.names[i]}
	}
	if i+1 < len(f.names) {
		out.IsTruncated, out.Marker = true, aws.String(strconv.Itoa(i+1))
	}
	return out, nil
}

// GetRolePolicy answers URL-encoded, as IAM does.
func (f *fakeIAM) GetRolePolicy(_ context.Context, in *iam.GetRolePolicyInput, _ ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error) {
	doc, ok := f.docs[aws.ToString(in.PolicyName)]
	if !ok {
		return nil, noSuchEntity()
	}
	return &iam.GetRolePolicyOutput{PolicyName: in.PolicyName, RoleName: in.RoleName,
		PolicyDocument: aws.String(url.QueryEscape(doc))}, nil
}

func (f *fakeIAM) ListAttachedRolePolicies(_ context.Context, in *iam.ListAttachedRolePoliciesInput, _ ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error) {
	out := &iam.ListAttachedRolePoliciesOutput{}
	for _, arn := range f.managed {
		out.AttachedPolicies = append(out.AttachedPolicies, itypes.AttachedPolicy{PolicyArn: aws.String(arn)})
	}
	return out, nil
}

// SimulatePrincipalPolicy evaluates the role's inline policies with
// internal/iampolicy, as the emulator does.
func (f *fakeIAM) SimulatePrincipalPolicy(_ context.Context, in *iam.SimulatePrincipalPolicyInput, _ ...func(*iam.Options)) (*iam.SimulatePrincipalPolicyOutput, error) {
	f.mu.Lock()
	f.simulated = append(f.simulated, in)
	f.mu.Unlock()
	if f.simulateErr != nil {
		return nil, f.simulateErr
	}
	if aws.ToString(in.PolicySourceArn) != f.roleARN {
		return nil, noSuchEntity()
	}
	var identity []iampolicy.NamedPolicy
	for _, n := range f.names {
		identity = append(identity, iampolicy.NamedPolicy{ID: n, Policy: iampolicy.MustParse(f.docs[n])})
	}
	session := strings.Replace(strings.Replace(f.roleARN, ":iam::", ":sts::", 1), ":role/", ":assumed-role/", 1) + "/sim"
	out := &iam.SimulatePrincipalPolicyOutput{}
	for _, action := range in.ActionNames {
		for _, res := range in.ResourceArns {
			r := iampolicy.Evaluate(iampolicy.Input{Identity: identity}, iampolicy.Request{Principal: session, Action: action, Resource: res})
			er := itypes.EvaluationResult{EvalActionName: aws.String(action), EvalResourceName: aws.String(res),
				EvalDecision: itypes.PolicyEvaluationDecisionType(r.Decision)}
			for _, m := range r.Matched {
				er.MatchedStatements = append(er.MatchedStatements, itypes.Statement{SourcePolicyId: aws.String(m.PolicyID),
					SourcePolicyType: itypes.PolicySourceTypeRole, StartPosition: &itypes.Position{Line: 1, Column: int32(10 + m.Statement)}})
			}
			out.EvaluationResults = append(out.EvaluationResults, er)
		}
	}
	return out, nil
}

// --- the world ---

type world struct {
	t      *testing.T
	clock  *fakeClock
	db     *fakeDB
	queue  *fakeSQS // the stack's
	sqs    *fakeAccount
	topic  *fakeSNS
	logs   *fakeLogs
	iam    *fakeIAM
	status []pipeline.ResourceStatus
	env    *env
	// handlerThreshold is the function's THRESHOLD, which may differ from
	// what verify expects (a misconfigured function).
	handlerThreshold string
}

const testAccount = "123456789012"

func newWorld(t *testing.T) *world {
	t.Helper()
	names := config.Default().Names()
	arns := names.ARNs("aws", "us-east-1", testAccount)
	// The handler stamps ReceivedAt with the real time; the fake clock
	// starts there so the two agree, as the function's and CloudWatch's do.
	clock := &fakeClock{t: time.Now().UTC()}
	queue := &fakeSQS{clock: clock, url: "https://sqs.us-east-1.amazonaws.com/" + testAccount + "/" + names.Queue}
	fnPolicy, err := policies.Render("function", arns)
	if err != nil {
		t.Fatal(err)
	}
	qPolicy, err := policies.Render("queue", arns)
	if err != nil {
		t.Fatal(err)
	}
	account := &fakeAccount{clock: clock, stack: queue, stackName: names.Queue, policy: string(qPolicy)}
	w := &world{
		t:     t,
		clock: clock,
		db:    &fakeDB{items: map[string]map[string]dtypes.AttributeValue{}},
		queue: queue,
		sqs:   account,
		topic: &fakeSNS{queue: queue, account: account, queueARN: arns.Queue, topic: arns.Topic, deliver: true},
		logs:  &fakeLogs{clock: clock, group: names.LogGroup},
		iam: &fakeIAM{role: true, roleARN: arns.Role, names: []string{names.RolePolicy},
			docs: map[string]string{names.RolePolicy: string(fnPolicy)}},
		handlerThreshold: "100",
	}
	for _, k := range []string{pipeline.KindTable, pipeline.KindTopic, pipeline.KindQueue, pipeline.KindSubscription,
		pipeline.KindLogGroup, pipeline.KindRole, pipeline.KindFunction} {
		w.status = append(w.status, pipeline.ResourceStatus{Kind: k, Name: k + "-name", ARN: "arn:" + k, State: pipeline.Present})
	}
	ids := 0
	w.env = &env{
		names: names, arns: arns, threshold: handler.MustParseAmount("100"),
		status: func(context.Context) ([]pipeline.ResourceStatus, error) { return w.status, nil },
		iam:    w.iam, db: w.db, sqs: w.sqs, sns: w.topic, logs: w.logs,
		clock: clock, pollTimeout: 20 * time.Second, pollEvery: time.Second,
		newID: func() string { ids++; return fmt.Sprintf("VERIFY-T%d", ids) },
	}
	return w
}

// start wires the real handler behind the fake Lambda; call it after
// changing the world's knobs.
func (w *world) start() {
	cfg := handler.Config{TableName: w.env.names.Table, TopicARN: w.env.arns.Topic, Threshold: handler.MustParseAmount(w.handlerThreshold)}
	h := handler.New(cfg, w.db, w.topic, slog.New(slog.NewJSONHandler(w.logs, nil)))
	w.env.lambda = &fakeLambda{h: h}
}

// run runs every check and returns them by name.
func (w *world) run(ctx context.Context, opts Options) (Report, map[string]Result) {
	w.t.Helper()
	if w.env.lambda == nil {
		w.start()
	}
	var rep Report
	run(ctx, w.env, opts, func(r Result) { rep.Checks = append(rep.Checks, r) })
	by := map[string]Result{}
	for _, r := range rep.Checks {
		if _, dup := by[r.Name]; dup {
			w.t.Fatalf("check %q reported twice", r.Name)
		}
		by[r.Name] = r
	}
	return rep, by
}

func apiError(code, msg string) error { return &smithy.GenericAPIError{Code: code, Message: msg} }

var errBoom = errors.New("boom")

// serverError500 is what the SDK returns for an HTTP 500 without a
// recognisable error code (moto, for an operation it lacks).
func serverError500() error {
	return &smithy.OperationError{ServiceID: "IAM", OperationName: "SimulatePrincipalPolicy",
		Err: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 500}}, Err: errors.New("internal server error")}}
}
