package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	itypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	stypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	qtypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/orders-dev/orders/internal/awsapi"
)

// fakeAWS is an in-memory AWS, just faithful enough for the pipeline's
// calls, behind the narrow interfaces. Errors can be injected per operation.
const (
	fakeAccount = "123456789012"
	fakeRegion  = "us-east-1"
)

type fakeTable struct {
	arn     string
	status  dtypes.TableStatus
	left    int // DescribeTable calls before CREATING turns ACTIVE, or DELETING gone
	keys    []dtypes.KeySchemaElement
	attrs   []dtypes.AttributeDefinition
	billing dtypes.BillingMode
	tags    map[string]string
}

type fakeSub struct {
	topic, protocol, endpoint string
	raw                       bool
}

type fakeQueue struct {
	url   string
	attrs map[string]string
	tags  map[string]string
}

type fakeGroup struct {
	retention int32
	tags      map[string]string
}

type fakeRole struct {
	arn, trust, boundary string
	tags                 map[string]string
	inline               map[string]string
	managed              []string
}

type fakeFunction struct {
	conf ltypes.FunctionConfiguration
	tags map[string]string
	left int // GetFunction calls before Pending turns Active, or InProgress Successful
}

type fakeAWS struct {
	mu     sync.Mutex
	calls  []string
	inject map[string][]error // operation → errors for its next calls, in order

	tables    map[string]*fakeTable
	topics    map[string]map[string]string // ARN → tags
	subs      map[string]*fakeSub          // subscription ARN →
	subSeq    int
	queues    map[string]*fakeQueue // name →
	groups    map[string]*fakeGroup // name →
	roles     map[string]*fakeRole  // name →
	functions map[string]*fakeFunction

	onCreateQueue func(*sqs.CreateQueueInput) // sees each CreateQueue's input
	// queueLinger is how many GetQueueUrl calls still find a deleted
	// queue, as SQS's do for up to 60 s; dying holds those left per name.
	queueLinger int
	dying       map[string]int
	// staleTableTags is how many ListTagsOfResource calls still answer an
	// empty tag set, as DynamoDB's may for a few seconds after tagging.
	staleTableTags int
	// hideFunctionTags makes GetFunction answer as to a caller without
	// lambda:ListTags: no Tags, a TagsError instead.
	hideFunctionTags bool
	// slow makes tables and functions take as long as AWS's: a new table
	// is CREATING and a deleted one DELETING, a new function Pending and
	// an updated one InProgress, for this many reads.
	slow int
}

func newFakeAWS() *fakeAWS {
	return &fakeAWS{
		inject: map[string][]error{}, tables: map[string]*fakeTable{}, topics: map[string]map[string]string{},
		subs: map[string]*fakeSub{}, queues: map[string]*fakeQueue{}, groups: map[string]*fakeGroup{},
		roles: map[string]*fakeRole{}, functions: map[string]*fakeFunction{},
	}
}

func (f *fakeAWS) clients() *awsapi.Clients {
	return &awsapi.Clients{
		DynamoDB: fakeDynamo{f}, SNS: fakeSNS{f}, SQS: fakeSQS{f}, IAM: fakeIAM{f},
		Lambda: fakeLambda{f}, Logs: fakeLogs{f}, STS: fakeSTS{f}, Region: fakeRegion,
	}
}

// call records op and returns an injected error, if any. It locks f; the
// caller unlocks.
func (f *fakeAWS) call(op string) error {
	f.mu.Lock()
	f.calls = append(f.calls, op)
	if errs := f.inject[op]; len(errs) > 0 {
		f.inject[op] = errs[1:]
		return errs[0]
	}
	return nil
}

func (f *fakeAWS) failNext(op string, errs ...error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inject[op] = append(f.inject[op], errs...)
}

// writes returns the mutating operations called since the last reset.
func (f *fakeAWS) writes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		for _, p := range []string{"Create", "Put", "Update", "Delete", "Tag", "Set", "Subscribe", "Unsubscribe", "Detach", "Attach"} {
			if strings.HasPrefix(c, p) {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

func (f *fakeAWS) resetCalls() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = nil
}

func apiErr(code, msg string) error { return &smithy.GenericAPIError{Code: code, Message: msg} }

func copyTags(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// --- STS

type fakeSTS struct{ f *fakeAWS }

func (x fakeSTS) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	err := x.f.call("GetCallerIdentity")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return &sts.GetCallerIdentityOutput{Account: aws.String(fakeAccount), Arn: aws.String("arn:aws:iam::" + fakeAccount + ":user/tester")}, nil
}

// --- DynamoDB

type fakeDynamo struct{ f *fakeAWS }

func tableNotFound() error {
	return &dtypes.ResourceNotFoundException{Message: aws.String("Requested resource not found")}
}

func (x fakeDynamo) describe(t *fakeTable, name string) *dtypes.TableDescription {
	return &dtypes.TableDescription{TableName: aws.String(name), TableArn: aws.String(t.arn), TableStatus: t.status,
		KeySchema: t.keys, AttributeDefinitions: t.attrs, BillingModeSummary: &dtypes.BillingModeSummary{BillingMode: t.billing}}
}

func (x fakeDynamo) CreateTable(_ context.Context, in *dynamodb.CreateTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error) {
	err := x.f.call("CreateTable")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.TableName)
	if _, ok := x.f.tables[name]; ok {
		return nil, &dtypes.ResourceInUseException{Message: aws.String("Table already exists: " + name)}
	}
	t := &fakeTable{arn: fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", fakeRegion, fakeAccount, name), status: dtypes.TableStatusActive,
		keys: in.KeySchema, attrs: in.AttributeDefinitions, billing: in.BillingMode, tags: map[string]string{}}
	if x.f.slow > 0 {
		t.status, t.left = dtypes.TableStatusCreating, x.f.slow
	}
	for _, tg := range in.Tags {
		t.tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	x.f.tables[name] = t
	return &dynamodb.CreateTableOutput{TableDescription: x.describe(t, name)}, nil
}

func (x fakeDynamo) DescribeTable(_ context.Context, in *dynamodb.DescribeTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	err := x.f.call("DescribeTable")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	t, ok := x.f.tables[aws.ToString(in.TableName)]
	if !ok {
		return nil, tableNotFound()
	}
	out := &dynamodb.DescribeTableOutput{Table: x.describe(t, aws.ToString(in.TableName))}
	if t.left > 0 {
		if t.left--; t.left == 0 {
			switch t.status {
			case dtypes.TableStatusCreating:
				t.status = dtypes.TableStatusActive
			case dtypes.TableStatusDeleting:
				delete(x.f.tables, aws.ToString(in.TableName))
			}
		}
	}
	return out, nil
}

func (x fakeDynamo) UpdateTable(_ context.Context, in *dynamodb.UpdateTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateTableOutput, error) {
	err := x.f.call("UpdateTable")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	t, ok := x.f.tables[aws.ToString(in.TableName)]
	if !ok {
		return nil, tableNotFound()
	}
	if in.BillingMode != "" {
		t.billing = in.BillingMode
	}
	return &dynamodb.UpdateTableOutput{}, nil
}

func (x fakeDynamo) DeleteTable(_ context.Context, in *dynamodb.DeleteTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteTableOutput, error) {
	err := x.f.call("DeleteTable")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	t, ok := x.f.tables[aws.ToString(in.TableName)]
	if !ok {
		return nil, tableNotFound()
	}
	if t.status != dtypes.TableStatusActive {
		return nil, &dtypes.ResourceInUseException{Message: aws.String("Attempt to change a resource which is still in use: Table is being " + strings.ToLower(string(t.status)))}
	}
	if x.f.slow > 0 {
		t.status, t.left = dtypes.TableStatusDeleting, x.f.slow
		return &dynamodb.DeleteTableOutput{}, nil
	}
	delete(x.f.tables, aws.ToString(in.TableName))
	return &dynamodb.DeleteTableOutput{}, nil
}

func (x fakeDynamo) tableByARN(arn string) *fakeTable {
	for _, t := range x.f.tables {
		if t.arn == arn {
			return t
		}
	}
	return nil
}

func (x fakeDynamo) TagResource(_ context.Context, in *dynamodb.TagResourceInput, _ ...func(*dynamodb.Options)) (*dynamodb.TagResourceOutput, error) {
	err := x.f.call("TagResource(dynamodb)")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	t := x.tableByARN(aws.ToString(in.ResourceArn))
	if t == nil {
		return nil, tableNotFound()
	}
	for _, tg := range in.Tags {
		t.tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return &dynamodb.TagResourceOutput{}, nil
}

func (x fakeDynamo) ListTagsOfResource(_ context.Context, in *dynamodb.ListTagsOfResourceInput, _ ...func(*dynamodb.Options)) (*dynamodb.ListTagsOfResourceOutput, error) {
	err := x.f.call("ListTagsOfResource")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	t := x.tableByARN(aws.ToString(in.ResourceArn))
	if t == nil {
		return nil, tableNotFound()
	}
	out := &dynamodb.ListTagsOfResourceOutput{}
	if x.f.staleTableTags > 0 {
		x.f.staleTableTags--
		return out, nil
	}
	for _, k := range sortedKeys(t.tags) {
		out.Tags = append(out.Tags, dtypes.Tag{Key: aws.String(k), Value: aws.String(t.tags[k])})
	}
	return out, nil
}

func (x fakeDynamo) GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	panic("GetItem: not used by the pipeline")
}

func (x fakeDynamo) DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	panic("DeleteItem: not used by the pipeline")
}

// --- SNS

type fakeSNS struct{ f *fakeAWS }

func topicNotFound() error {
	return &stypes.NotFoundException{Message: aws.String("Topic does not exist")}
}

func (x fakeSNS) CreateTopic(_ context.Context, in *sns.CreateTopicInput, _ ...func(*sns.Options)) (*sns.CreateTopicOutput, error) {
	err := x.f.call("CreateTopic")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	arn := fmt.Sprintf("arn:aws:sns:%s:%s:%s", fakeRegion, fakeAccount, aws.ToString(in.Name))
	if _, ok := x.f.topics[arn]; !ok {
		tags := map[string]string{}
		for _, tg := range in.Tags {
			tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
		}
		x.f.topics[arn] = tags
	}
	return &sns.CreateTopicOutput{TopicArn: &arn}, nil
}

func (x fakeSNS) GetTopicAttributes(_ context.Context, in *sns.GetTopicAttributesInput, _ ...func(*sns.Options)) (*sns.GetTopicAttributesOutput, error) {
	err := x.f.call("GetTopicAttributes")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if _, ok := x.f.topics[aws.ToString(in.TopicArn)]; !ok {
		return nil, topicNotFound()
	}
	return &sns.GetTopicAttributesOutput{Attributes: map[string]string{"TopicArn": aws.ToString(in.TopicArn)}}, nil
}

func (x fakeSNS) DeleteTopic(_ context.Context, in *sns.DeleteTopicInput, _ ...func(*sns.Options)) (*sns.DeleteTopicOutput, error) {
	err := x.f.call("DeleteTopic")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	delete(x.f.topics, aws.ToString(in.TopicArn)) // AWS: deleting a missing topic succeeds
	for a, s := range x.f.subs {
		if s.topic == aws.ToString(in.TopicArn) {
			delete(x.f.subs, a)
		}
	}
	return &sns.DeleteTopicOutput{}, nil
}

func (x fakeSNS) TagResource(_ context.Context, in *sns.TagResourceInput, _ ...func(*sns.Options)) (*sns.TagResourceOutput, error) {
	err := x.f.call("TagResource(sns)")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	tags, ok := x.f.topics[aws.ToString(in.ResourceArn)]
	if !ok {
		return nil, apiErr("ResourceNotFound", "no such topic")
	}
	for _, tg := range in.Tags {
		tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return &sns.TagResourceOutput{}, nil
}

func (x fakeSNS) ListTagsForResource(_ context.Context, in *sns.ListTagsForResourceInput, _ ...func(*sns.Options)) (*sns.ListTagsForResourceOutput, error) {
	err := x.f.call("ListTagsForResource(sns)")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	tags, ok := x.f.topics[aws.ToString(in.ResourceArn)]
	if !ok {
		return nil, apiErr("ResourceNotFound", "no such topic")
	}
	out := &sns.ListTagsForResourceOutput{}
	for _, k := range sortedKeys(tags) {
		out.Tags = append(out.Tags, stypes.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out, nil
}

// addSub adds a subscription directly (as another client might); f is locked by the caller or not shared yet.
func (f *fakeAWS) addSub(topic, endpoint string) string {
	f.subSeq++
	arn := fmt.Sprintf("%s:sub-%d", topic, f.subSeq)
	f.subs[arn] = &fakeSub{topic: topic, protocol: "sqs", endpoint: endpoint}
	return arn
}

func (x fakeSNS) Subscribe(_ context.Context, in *sns.SubscribeInput, _ ...func(*sns.Options)) (*sns.SubscribeOutput, error) {
	err := x.f.call("Subscribe")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if _, ok := x.f.topics[aws.ToString(in.TopicArn)]; !ok {
		return nil, topicNotFound()
	}
	arn := x.f.addSub(aws.ToString(in.TopicArn), aws.ToString(in.Endpoint))
	x.f.subs[arn].protocol = aws.ToString(in.Protocol)
	return &sns.SubscribeOutput{SubscriptionArn: &arn}, nil
}

func (x fakeSNS) Unsubscribe(_ context.Context, in *sns.UnsubscribeInput, _ ...func(*sns.Options)) (*sns.UnsubscribeOutput, error) {
	err := x.f.call("Unsubscribe")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if _, ok := x.f.subs[aws.ToString(in.SubscriptionArn)]; !ok {
		return nil, apiErr("NotFound", "Subscription does not exist")
	}
	delete(x.f.subs, aws.ToString(in.SubscriptionArn))
	return &sns.UnsubscribeOutput{}, nil
}

func (x fakeSNS) ListSubscriptionsByTopic(_ context.Context, in *sns.ListSubscriptionsByTopicInput, _ ...func(*sns.Options)) (*sns.ListSubscriptionsByTopicOutput, error) {
	err := x.f.call("ListSubscriptionsByTopic")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if _, ok := x.f.topics[aws.ToString(in.TopicArn)]; !ok {
		return nil, topicNotFound()
	}
	out := &sns.ListSubscriptionsByTopicOutput{}
	var arns []string
	for a, s := range x.f.subs {
		if s.topic == aws.ToString(in.TopicArn) {
			arns = append(arns, a)
		}
	}
	sort.Strings(arns)
	for _, a := range arns {
		s := x.f.subs[a]
		out.Subscriptions = append(out.Subscriptions, stypes.Subscription{SubscriptionArn: aws.String(a),
			TopicArn: aws.String(s.topic), Protocol: aws.String(s.protocol), Endpoint: aws.String(s.endpoint)})
	}
	return out, nil
}

func (x fakeSNS) GetSubscriptionAttributes(_ context.Context, in *sns.GetSubscriptionAttributesInput, _ ...func(*sns.Options)) (*sns.GetSubscriptionAttributesOutput, error) {
	err := x.f.call("GetSubscriptionAttributes")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	s, ok := x.f.subs[aws.ToString(in.SubscriptionArn)]
	if !ok {
		return nil, apiErr("NotFound", "Subscription does not exist")
	}
	return &sns.GetSubscriptionAttributesOutput{Attributes: map[string]string{"RawMessageDelivery": fmt.Sprint(s.raw)}}, nil
}

func (x fakeSNS) SetSubscriptionAttributes(_ context.Context, in *sns.SetSubscriptionAttributesInput, _ ...func(*sns.Options)) (*sns.SetSubscriptionAttributesOutput, error) {
	err := x.f.call("SetSubscriptionAttributes")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	s, ok := x.f.subs[aws.ToString(in.SubscriptionArn)]
	if !ok {
		return nil, apiErr("NotFound", "Subscription does not exist")
	}
	if aws.ToString(in.AttributeName) == "RawMessageDelivery" {
		s.raw = aws.ToString(in.AttributeValue) == "true"
	}
	return &sns.SetSubscriptionAttributesOutput{}, nil
}

// --- SQS

type fakeSQS struct{ f *fakeAWS }

func (x fakeSQS) byURL(u string) *fakeQueue {
	for _, q := range x.f.queues {
		if q.url == u {
			return q
		}
	}
	return nil
}

func (x fakeSQS) CreateQueue(_ context.Context, in *sqs.CreateQueueInput, _ ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error) {
	err := x.f.call("CreateQueue")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if x.f.onCreateQueue != nil {
		x.f.onCreateQueue(in)
	}
	name := aws.ToString(in.QueueName)
	if q, ok := x.f.queues[name]; ok {
		return &sqs.CreateQueueOutput{QueueUrl: aws.String(q.url)}, nil
	}
	q := &fakeQueue{url: fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", fakeRegion, fakeAccount, name), attrs: map[string]string{}, tags: copyTags(in.Tags)}
	for k, v := range in.Attributes {
		q.attrs[k] = v
	}
	q.attrs["QueueArn"] = fmt.Sprintf("arn:aws:sqs:%s:%s:%s", fakeRegion, fakeAccount, name)
	x.f.queues[name] = q
	return &sqs.CreateQueueOutput{QueueUrl: aws.String(q.url)}, nil
}

func (x fakeSQS) GetQueueUrl(_ context.Context, in *sqs.GetQueueUrlInput, _ ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	err := x.f.call("GetQueueUrl")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.QueueName)
	q, ok := x.f.queues[name]
	if !ok && x.f.dying[name] > 0 {
		x.f.dying[name]--
		return &sqs.GetQueueUrlOutput{QueueUrl: aws.String(fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", fakeRegion, fakeAccount, name))}, nil
	}
	if !ok {
		return nil, &qtypes.QueueDoesNotExist{Message: aws.String("The specified queue does not exist.")}
	}
	return &sqs.GetQueueUrlOutput{QueueUrl: aws.String(q.url)}, nil
}

func (x fakeSQS) GetQueueAttributes(_ context.Context, in *sqs.GetQueueAttributesInput, _ ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	err := x.f.call("GetQueueAttributes")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	q := x.byURL(aws.ToString(in.QueueUrl))
	if q == nil {
		return nil, &qtypes.QueueDoesNotExist{}
	}
	return &sqs.GetQueueAttributesOutput{Attributes: copyTags(q.attrs)}, nil
}

func (x fakeSQS) SetQueueAttributes(_ context.Context, in *sqs.SetQueueAttributesInput, _ ...func(*sqs.Options)) (*sqs.SetQueueAttributesOutput, error) {
	err := x.f.call("SetQueueAttributes")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	q := x.byURL(aws.ToString(in.QueueUrl))
	if q == nil {
		return nil, &qtypes.QueueDoesNotExist{}
	}
	for k, v := range in.Attributes {
		q.attrs[k] = v
	}
	return &sqs.SetQueueAttributesOutput{}, nil
}

func (x fakeSQS) DeleteQueue(_ context.Context, in *sqs.DeleteQueueInput, _ ...func(*sqs.Options)) (*sqs.DeleteQueueOutput, error) {
	err := x.f.call("DeleteQueue")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	for n, q := range x.f.queues {
		if q.url == aws.ToString(in.QueueUrl) {
			delete(x.f.queues, n)
			if x.f.queueLinger > 0 {
				if x.f.dying == nil {
					x.f.dying = map[string]int{}
				}
				x.f.dying[n] = x.f.queueLinger
			}
			return &sqs.DeleteQueueOutput{}, nil
		}
	}
	return nil, &qtypes.QueueDoesNotExist{}
}

func (x fakeSQS) TagQueue(_ context.Context, in *sqs.TagQueueInput, _ ...func(*sqs.Options)) (*sqs.TagQueueOutput, error) {
	err := x.f.call("TagQueue")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	q := x.byURL(aws.ToString(in.QueueUrl))
	if q == nil {
		return nil, &qtypes.QueueDoesNotExist{}
	}
	for k, v := range in.Tags {
		q.tags[k] = v
	}
	return &sqs.TagQueueOutput{}, nil
}

func (x fakeSQS) ListQueueTags(_ context.Context, in *sqs.ListQueueTagsInput, _ ...func(*sqs.Options)) (*sqs.ListQueueTagsOutput, error) {
	err := x.f.call("ListQueueTags")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	q := x.byURL(aws.ToString(in.QueueUrl))
	if q == nil {
		return nil, &qtypes.QueueDoesNotExist{}
	}
	return &sqs.ListQueueTagsOutput{Tags: copyTags(q.tags)}, nil
}

func (x fakeSQS) ReceiveMessage(context.Context, *sqs.ReceiveMessageInput, ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error) {
	panic("ReceiveMessage: not used by the pipeline")
}

func (x fakeSQS) DeleteMessage(context.Context, *sqs.DeleteMessageInput, ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error) {
	panic("DeleteMessage: not used by the pipeline")
}

func (x fakeSQS) ChangeMessageVisibility(context.Context, *sqs.ChangeMessageVisibilityInput, ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error) {
	panic("ChangeMessageVisibility: not used by the pipeline")
}

func (x fakeSQS) ListQueues(context.Context, *sqs.ListQueuesInput, ...func(*sqs.Options)) (*sqs.ListQueuesOutput, error) {
	panic("ListQueues: not used by the pipeline")
}

// --- IAM

type fakeIAM struct{ f *fakeAWS }

func noSuchRole(name string) error {
	return &itypes.NoSuchEntityException{Message: aws.String("The role with name " + name + " cannot be found.")}
}

func (x fakeIAM) CreateRole(_ context.Context, in *iam.CreateRoleInput, _ ...func(*iam.Options)) (*iam.CreateRoleOutput, error) {
	err := x.f.call("CreateRole")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.RoleName)
	if _, ok := x.f.roles[name]; ok {
		return nil, apiErr("EntityAlreadyExists", "Role with name "+name+" already exists.")
	}
	r := &fakeRole{arn: "arn:aws:iam::" + fakeAccount + ":role/" + name, trust: aws.ToString(in.AssumeRolePolicyDocument),
		boundary: aws.ToString(in.PermissionsBoundary), tags: map[string]string{}, inline: map[string]string{}}
	for _, t := range in.Tags {
		r.tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	x.f.roles[name] = r
	return &iam.CreateRoleOutput{Role: &itypes.Role{Arn: aws.String(r.arn), RoleName: aws.String(name)}}, nil
}

func (x fakeIAM) GetRole(_ context.Context, in *iam.GetRoleInput, _ ...func(*iam.Options)) (*iam.GetRoleOutput, error) {
	err := x.f.call("GetRole")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	r, ok := x.f.roles[aws.ToString(in.RoleName)]
	if !ok {
		return nil, noSuchRole(aws.ToString(in.RoleName))
	}
	role := &itypes.Role{Arn: aws.String(r.arn), RoleName: in.RoleName,
		// IAM returns documents URL-encoded.
		AssumeRolePolicyDocument: aws.String(url.QueryEscape(r.trust))}
	if r.boundary != "" {
		role.PermissionsBoundary = &itypes.AttachedPermissionsBoundary{PermissionsBoundaryArn: aws.String(r.boundary)}
	}
	for _, k := range sortedKeys(r.tags) {
		role.Tags = append(role.Tags, itypes.Tag{Key: aws.String(k), Value: aws.String(r.tags[k])})
	}
	return &iam.GetRoleOutput{Role: role}, nil
}

func (x fakeIAM) DeleteRole(_ context.Context, in *iam.DeleteRoleInput, _ ...func(*iam.Options)) (*iam.DeleteRoleOutput, error) {
	err := x.f.call("DeleteRole")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	r, ok := x.f.roles[aws.ToString(in.RoleName)]
	if !ok {
		return nil, noSuchRole(aws.ToString(in.RoleName))
	}
	if len(r.inline) > 0 || len(r.managed) > 0 {
		return nil, apiErr("DeleteConflict", "Cannot delete entity, must delete policies first.")
	}
	delete(x.f.roles, aws.ToString(in.RoleName))
	return &iam.DeleteRoleOutput{}, nil
}

func (x fakeIAM) role(name *string) (*fakeRole, error) {
	r, ok := x.f.roles[aws.ToString(name)]
	if !ok {
		return nil, noSuchRole(aws.ToString(name))
	}
	return r, nil
}

func (x fakeIAM) UpdateAssumeRolePolicy(_ context.Context, in *iam.UpdateAssumeRolePolicyInput, _ ...func(*iam.Options)) (*iam.UpdateAssumeRolePolicyOutput, error) {
	err := x.f.call("UpdateAssumeRolePolicy")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	r, err := x.role(in.RoleName)
	if err != nil {
		return nil, err
	}
	r.trust = aws.ToString(in.PolicyDocument)
	return &iam.UpdateAssumeRolePolicyOutput{}, nil
}

func (x fakeIAM) PutRolePermissionsBoundary(_ context.Context, in *iam.PutRolePermissionsBoundaryInput, _ ...func(*iam.Options)) (*iam.PutRolePermissionsBoundaryOutput, error) {
	err := x.f.call("PutRolePermissionsBoundary")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	r, err := x.role(in.RoleName)
	if err != nil {
		return nil, err
	}
	r.boundary = aws.ToString(in.PermissionsBoundary)
	return &iam.PutRolePermissionsBoundaryOutput{}, nil
}

func (x fakeIAM) TagRole(_ context.Context, in *iam.TagRoleInput, _ ...func(*iam.Options)) (*iam.TagRoleOutput, error) {
	err := x.f.call("TagRole")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	r, err := x.role(in.RoleName)
	if err != nil {
		return nil, err
	}
	for _, t := range in.Tags {
		r.tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return &iam.TagRoleOutput{}, nil
}

func (x fakeIAM) PutRolePolicy(_ context.Context, in *iam.PutRolePolicyInput, _ ...func(*iam.Options)) (*iam.PutRolePolicyOutput, error) {
	err := x.f.call("PutRolePolicy")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	r, err := x.role(in.RoleName)
	if err != nil {
		return nil, err
	}
	r.inline[aws.ToString(in.PolicyName)] = aws.ToString(in.PolicyDocument)
	return &iam.PutRolePolicyOutput{}, nil
}

func (x fakeIAM) GetRolePolicy(_ context.Context, in *iam.GetRolePolicyInput, _ ...func(*iam.Options)) (*iam.GetRolePolicyOutput, error) {
	err := x.f.call("GetRolePolicy")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	r, err := x.role(in.RoleName)
	if err != nil {
		return nil, err
	}
	doc, ok := r.inline[aws.ToString(in.PolicyName)]
	if !ok {
		return nil, apiErr("NoSuchEntity", "The role policy cannot be found.")
	}
	return &iam.GetRolePolicyOutput{PolicyDocument: aws.String(url.QueryEscape(doc)), PolicyName: in.PolicyName, RoleName: in.RoleName}, nil
}

func (x fakeIAM) DeleteRolePolicy(_ context.Context, in *iam.DeleteRolePolicyInput, _ ...func(*iam.Options)) (*iam.DeleteRolePolicyOutput, error) {
	err := x.f.call("DeleteRolePolicy")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	r, err := x.role(in.RoleName)
	if err != nil {
		return nil, err
	}
	if _, ok := r.inline[aws.ToString(in.PolicyName)]; !ok {
		return nil, apiErr("NoSuchEntity", "The role policy cannot be found.")
	}
	delete(r.inline, aws.ToString(in.PolicyName))
	return &iam.DeleteRolePolicyOutput{}, nil
}

func (x fakeIAM) ListRolePolicies(_ context.Context, in *iam.ListRolePoliciesInput, _ ...func(*iam.Options)) (*iam.ListRolePoliciesOutput, error) {
	err := x.f.call("ListRolePolicies")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	r, err := x.role(in.RoleName)
	if err != nil {
		return nil, err
	}
	return &iam.ListRolePoliciesOutput{PolicyNames: sortedKeys(r.inline)}, nil
}

func (x fakeIAM) ListAttachedRolePolicies(_ context.Context, in *iam.ListAttachedRolePoliciesInput, _ ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error) {
	err := x.f.call("ListAttachedRolePolicies")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	r, err := x.role(in.RoleName)
	if err != nil {
		return nil, err
	}
	out := &iam.ListAttachedRolePoliciesOutput{}
	for _, m := range r.managed {
		out.AttachedPolicies = append(out.AttachedPolicies, itypes.AttachedPolicy{PolicyArn: aws.String(m)})
	}
	return out, nil
}

func (x fakeIAM) DetachRolePolicy(_ context.Context, in *iam.DetachRolePolicyInput, _ ...func(*iam.Options)) (*iam.DetachRolePolicyOutput, error) {
	err := x.f.call("DetachRolePolicy")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	r, err := x.role(in.RoleName)
	if err != nil {
		return nil, err
	}
	for i, m := range r.managed {
		if m == aws.ToString(in.PolicyArn) {
			r.managed = append(r.managed[:i], r.managed[i+1:]...)
			return &iam.DetachRolePolicyOutput{}, nil
		}
	}
	return nil, apiErr("NoSuchEntity", "Policy is not attached")
}

func (x fakeIAM) SimulatePrincipalPolicy(context.Context, *iam.SimulatePrincipalPolicyInput, ...func(*iam.Options)) (*iam.SimulatePrincipalPolicyOutput, error) {
	panic("SimulatePrincipalPolicy: not used by the pipeline")
}

// --- Lambda

type fakeLambda struct{ f *fakeAWS }

func functionNotFound(name string) error {
	return &ltypes.ResourceNotFoundException{Message: aws.String("Function not found: " + name)}
}

func codeSha(zip []byte) string {
	s := sha256.Sum256(zip)
	return base64.StdEncoding.EncodeToString(s[:])
}

func (x fakeLambda) CreateFunction(_ context.Context, in *lambda.CreateFunctionInput, _ ...func(*lambda.Options)) (*lambda.CreateFunctionOutput, error) {
	err := x.f.call("CreateFunction")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.FunctionName)
	if _, ok := x.f.functions[name]; ok {
		return nil, apiErr("ResourceConflictException", "Function already exist: "+name)
	}
	arn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", fakeRegion, fakeAccount, name)
	c := ltypes.FunctionConfiguration{
		FunctionName: in.FunctionName, FunctionArn: &arn, Runtime: in.Runtime, Handler: in.Handler, Role: in.Role,
		Architectures: in.Architectures, Timeout: in.Timeout, MemorySize: in.MemorySize,
		CodeSha256: aws.String(codeSha(in.Code.ZipFile)), State: ltypes.StateActive, LastUpdateStatus: ltypes.LastUpdateStatusSuccessful,
	}
	if in.Environment != nil {
		c.Environment = &ltypes.EnvironmentResponse{Variables: copyTags(in.Environment.Variables)}
	}
	fn := &fakeFunction{conf: c, tags: copyTags(in.Tags)}
	if x.f.slow > 0 {
		fn.conf.State, fn.left = ltypes.StatePending, x.f.slow
	}
	x.f.functions[name] = fn
	out := &lambda.CreateFunctionOutput{FunctionArn: &arn, State: ltypes.StatePending}
	return out, nil
}

func (x fakeLambda) GetFunction(_ context.Context, in *lambda.GetFunctionInput, _ ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error) {
	err := x.f.call("GetFunction")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	fn, ok := x.f.functions[aws.ToString(in.FunctionName)]
	if !ok {
		return nil, functionNotFound(aws.ToString(in.FunctionName))
	}
	c := fn.conf
	if fn.left > 0 {
		if fn.left--; fn.left == 0 {
			fn.conf.State, fn.conf.LastUpdateStatus = ltypes.StateActive, ltypes.LastUpdateStatusSuccessful
		}
	}
	if x.f.hideFunctionTags {
		return &lambda.GetFunctionOutput{Configuration: &c, TagsError: &ltypes.TagsError{
			ErrorCode: aws.String("AccessDeniedException"),
			Message:   aws.String("User: arn:aws:iam::" + fakeAccount + ":user/tester is not authorized to perform: lambda:ListTags on resource: " + aws.ToString(c.FunctionArn)),
		}}, nil
	}
	return &lambda.GetFunctionOutput{Configuration: &c, Tags: copyTags(fn.tags)}, nil
}

func (x fakeLambda) UpdateFunctionCode(_ context.Context, in *lambda.UpdateFunctionCodeInput, _ ...func(*lambda.Options)) (*lambda.UpdateFunctionCodeOutput, error) {
	err := x.f.call("UpdateFunctionCode")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	fn, ok := x.f.functions[aws.ToString(in.FunctionName)]
	if !ok {
		return nil, functionNotFound(aws.ToString(in.FunctionName))
	}
	if err := fn.busy(); err != nil {
		return nil, err
	}
	if x.f.slow > 0 {
		fn.conf.LastUpdateStatus, fn.left = ltypes.LastUpdateStatusInProgress, x.f.slow
	}
	fn.conf.CodeSha256 = aws.String(codeSha(in.ZipFile))
	if in.Architectures != nil {
		fn.conf.Architectures = in.Architectures
	}
	return &lambda.UpdateFunctionCodeOutput{}, nil
}

func (x fakeLambda) UpdateFunctionConfiguration(_ context.Context, in *lambda.UpdateFunctionConfigurationInput, _ ...func(*lambda.Options)) (*lambda.UpdateFunctionConfigurationOutput, error) {
	err := x.f.call("UpdateFunctionConfiguration")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	fn, ok := x.f.functions[aws.ToString(in.FunctionName)]
	if !ok {
		return nil, functionNotFound(aws.ToString(in.FunctionName))
	}
	if err := fn.busy(); err != nil {
		return nil, err
	}
	if x.f.slow > 0 {
		fn.conf.LastUpdateStatus, fn.left = ltypes.LastUpdateStatusInProgress, x.f.slow
	}
	c := &fn.conf
	if in.Runtime != "" {
		c.Runtime = in.Runtime
	}
	if in.Handler != nil {
		c.Handler = in.Handler
	}
	if in.Role != nil {
		c.Role = in.Role
	}
	if in.Timeout != nil {
		c.Timeout = in.Timeout
	}
	if in.MemorySize != nil {
		c.MemorySize = in.MemorySize
	}
	if in.Environment != nil {
		c.Environment = &ltypes.EnvironmentResponse{Variables: copyTags(in.Environment.Variables)}
	}
	return &lambda.UpdateFunctionConfigurationOutput{}, nil
}

func (x fakeLambda) DeleteFunction(_ context.Context, in *lambda.DeleteFunctionInput, _ ...func(*lambda.Options)) (*lambda.DeleteFunctionOutput, error) {
	err := x.f.call("DeleteFunction")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if _, ok := x.f.functions[aws.ToString(in.FunctionName)]; !ok {
		return nil, functionNotFound(aws.ToString(in.FunctionName))
	}
	delete(x.f.functions, aws.ToString(in.FunctionName))
	return &lambda.DeleteFunctionOutput{}, nil
}

func (x fakeLambda) TagResource(_ context.Context, in *lambda.TagResourceInput, _ ...func(*lambda.Options)) (*lambda.TagResourceOutput, error) {
	err := x.f.call("TagResource(lambda)")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	for _, fn := range x.f.functions {
		if aws.ToString(fn.conf.FunctionArn) == aws.ToString(in.Resource) {
			for k, v := range in.Tags {
				fn.tags[k] = v
			}
			return &lambda.TagResourceOutput{}, nil
		}
	}
	return nil, functionNotFound(aws.ToString(in.Resource))
}

func (x fakeLambda) ListTags(_ context.Context, in *lambda.ListTagsInput, _ ...func(*lambda.Options)) (*lambda.ListTagsOutput, error) {
	err := x.f.call("ListTags")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	for _, fn := range x.f.functions {
		if aws.ToString(fn.conf.FunctionArn) == aws.ToString(in.Resource) {
			return &lambda.ListTagsOutput{Tags: copyTags(fn.tags)}, nil
		}
	}
	return nil, functionNotFound(aws.ToString(in.Resource))
}

func (x fakeLambda) Invoke(context.Context, *lambda.InvokeInput, ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	panic("Invoke: not used by the pipeline")
}

// --- CloudWatch Logs

type fakeLogs struct{ f *fakeAWS }

func groupARN(name string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", fakeRegion, fakeAccount, name)
}

func (x fakeLogs) CreateLogGroup(_ context.Context, in *cloudwatchlogs.CreateLogGroupInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.CreateLogGroupOutput, error) {
	err := x.f.call("CreateLogGroup")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	name := aws.ToString(in.LogGroupName)
	if _, ok := x.f.groups[name]; ok {
		return nil, &cwtypes.ResourceAlreadyExistsException{Message: aws.String("The specified log group already exists")}
	}
	x.f.groups[name] = &fakeGroup{tags: copyTags(in.Tags)}
	return &cloudwatchlogs.CreateLogGroupOutput{}, nil
}

func (x fakeLogs) DescribeLogGroups(_ context.Context, in *cloudwatchlogs.DescribeLogGroupsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogGroupsOutput, error) {
	err := x.f.call("DescribeLogGroups")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := &cloudwatchlogs.DescribeLogGroupsOutput{}
	var names []string
	for n := range x.f.groups {
		if strings.HasPrefix(n, aws.ToString(in.LogGroupNamePrefix)) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		g := cwtypes.LogGroup{LogGroupName: aws.String(n), Arn: aws.String(groupARN(n) + ":*"), LogGroupArn: aws.String(groupARN(n))}
		if r := x.f.groups[n].retention; r != 0 {
			g.RetentionInDays = aws.Int32(r)
		}
		out.LogGroups = append(out.LogGroups, g)
	}
	return out, nil
}

func (x fakeLogs) PutRetentionPolicy(_ context.Context, in *cloudwatchlogs.PutRetentionPolicyInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.PutRetentionPolicyOutput, error) {
	err := x.f.call("PutRetentionPolicy")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	g, ok := x.f.groups[aws.ToString(in.LogGroupName)]
	if !ok {
		return nil, &cwtypes.ResourceNotFoundException{Message: aws.String("The specified log group does not exist.")}
	}
	g.retention = aws.ToInt32(in.RetentionInDays)
	return &cloudwatchlogs.PutRetentionPolicyOutput{}, nil
}

func (x fakeLogs) DeleteLogGroup(_ context.Context, in *cloudwatchlogs.DeleteLogGroupInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DeleteLogGroupOutput, error) {
	err := x.f.call("DeleteLogGroup")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if _, ok := x.f.groups[aws.ToString(in.LogGroupName)]; !ok {
		return nil, &cwtypes.ResourceNotFoundException{Message: aws.String("The specified log group does not exist.")}
	}
	delete(x.f.groups, aws.ToString(in.LogGroupName))
	return &cloudwatchlogs.DeleteLogGroupOutput{}, nil
}

func (x fakeLogs) groupByARN(arn string) *fakeGroup {
	for n, g := range x.f.groups {
		if groupARN(n) == arn {
			return g
		}
	}
	return nil
}

func (x fakeLogs) TagResource(_ context.Context, in *cloudwatchlogs.TagResourceInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.TagResourceOutput, error) {
	err := x.f.call("TagResource(logs)")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	g := x.groupByARN(aws.ToString(in.ResourceArn))
	if g == nil {
		return nil, &cwtypes.ResourceNotFoundException{Message: aws.String("The specified log group does not exist.")}
	}
	for k, v := range in.Tags {
		g.tags[k] = v
	}
	return &cloudwatchlogs.TagResourceOutput{}, nil
}

func (x fakeLogs) ListTagsForResource(_ context.Context, in *cloudwatchlogs.ListTagsForResourceInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.ListTagsForResourceOutput, error) {
	err := x.f.call("ListTagsForResource(logs)")
	defer x.f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	g := x.groupByARN(aws.ToString(in.ResourceArn))
	if g == nil {
		return nil, &cwtypes.ResourceNotFoundException{Message: aws.String("The specified log group does not exist.")}
	}
	return &cloudwatchlogs.ListTagsForResourceOutput{Tags: copyTags(g.tags)}, nil
}

func (x fakeLogs) FilterLogEvents(context.Context, *cloudwatchlogs.FilterLogEventsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error) {
	panic("FilterLogEvents: not used by the pipeline")
}

func (x fakeLogs) GetLogEvents(context.Context, *cloudwatchlogs.GetLogEventsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.GetLogEventsOutput, error) {
	panic("GetLogEvents: not used by the pipeline")
}

func (x fakeLogs) DescribeLogStreams(context.Context, *cloudwatchlogs.DescribeLogStreamsInput, ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogStreamsOutput, error) {
	panic("DescribeLogStreams: not used by the pipeline")
}

// busy is Lambda refusing a change while the function is Pending or being
// updated.
func (fn *fakeFunction) busy() error {
	if fn.conf.State == ltypes.StatePending || fn.conf.LastUpdateStatus == ltypes.LastUpdateStatusInProgress {
		return &ltypes.ResourceConflictException{Message: aws.String("The operation cannot be performed at this time. An update is in progress for resource: " + aws.ToString(fn.conf.FunctionArn))}
	}
	return nil
}
