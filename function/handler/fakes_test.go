package handler

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"
)

// fakeTable is an in-memory DynamoDB table keyed by OrderId that evaluates the
// two condition expressions the handler uses, the way DynamoDB does, and
// checks the request the way DynamoDB would reject it.
type fakeTable struct {
	t     *testing.T
	mu    sync.Mutex
	name  string
	items map[string]map[string]types.AttributeValue
	puts  int // PutItem calls that reached the table
	// fail, when set, may return an error instead of running the call.
	fail func(in *dynamodb.PutItemInput) error
	// beforePut, when set, runs before the condition is evaluated (to
	// simulate a concurrent writer).
	beforePut func(in *dynamodb.PutItemInput)
	// noOldItem simulates an endpoint that ignores ALL_OLD.
	noOldItem bool
}

func newFakeTable(t *testing.T) *fakeTable {
	return &fakeTable{t: t, name: "OrdersTable", items: map[string]map[string]types.AttributeValue{}}
}

var placeholder = regexp.MustCompile(`[#:][A-Za-z0-9_]+`)

func (f *fakeTable) PutItem(ctx context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	f.t.Helper()
	if f.fail != nil {
		if err := f.fail(in); err != nil {
			return nil, err
		}
	}
	if f.beforePut != nil {
		f.beforePut(in)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if aws.ToString(in.TableName) != f.name {
		return nil, apiErr("ResourceNotFoundException", "Requested resource not found")
	}
	f.checkPlaceholders(in)
	id, ok := in.Item[attrOrderID].(*types.AttributeValueMemberS)
	if !ok || id.Value == "" {
		return nil, apiErr("ValidationException", "One or more parameter values were invalid: Missing the key OrderId in the item")
	}
	old, exists := f.items[id.Value]
	var pass bool
	switch aws.ToString(in.ConditionExpression) {
	case condAbsent:
		pass = !exists
	case condPending:
		pass = exists && stringAttr(old, attrStatus) == StatusPendingNotify &&
			numbersEqual(old[attrAmount], in.ExpressionAttributeValues[":amount"])
	default:
		f.t.Fatalf("fake DynamoDB: unexpected condition %q", aws.ToString(in.ConditionExpression))
	}
	f.puts++
	if !pass {
		ccf := &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
		if exists && !f.noOldItem && in.ReturnValuesOnConditionCheckFailure == types.ReturnValuesOnConditionCheckFailureAllOld {
			ccf.Item = maps.Clone(old)
		}
		return nil, &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "PutItem", Err: ccf}
	}
	f.items[id.Value] = maps.Clone(in.Item)
	return &dynamodb.PutItemOutput{}, nil
}

// checkPlaceholders fails the test where DynamoDB would answer
// ValidationException: a placeholder used but not defined, or defined but unused.
func (f *fakeTable) checkPlaceholders(in *dynamodb.PutItemInput) {
	f.t.Helper()
	used := map[string]bool{}
	for _, p := range placeholder.FindAllString(aws.ToString(in.ConditionExpression), -1) {
		used[p] = true
		if strings.HasPrefix(p, "#") {
			if _, ok := in.ExpressionAttributeNames[p]; !ok {
				f.t.Errorf("condition uses undefined name %s", p)
			}
		} else if _, ok := in.ExpressionAttributeValues[p]; !ok {
			f.t.Errorf("condition uses undefined value %s", p)
		}
	}
	for k := range in.ExpressionAttributeNames {
		if !used[k] {
			f.t.Errorf("ExpressionAttributeNames has unused %s", k)
		}
	}
	for k := range in.ExpressionAttributeValues {
		if !used[k] {
			f.t.Errorf("ExpressionAttributeValues has unused %s", k)
		}
	}
}

// numbersEqual compares two N attributes as DynamoDB does: by value.
func numbersEqual(a, b types.AttributeValue) bool {
	na, ok1 := a.(*types.AttributeValueMemberN)
	nb, ok2 := b.(*types.AttributeValueMemberN)
	if !ok1 || !ok2 {
		return false
	}
	x, err1 := ParseAmount(na.Value)
	y, err2 := ParseAmount(nb.Value)
	return err1 == nil && err2 == nil && x.Cmp(y) == 0
}

func (f *fakeTable) item(id string) map[string]types.AttributeValue {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.items[id])
}

func (f *fakeTable) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.items)
}

// attrs renders an item as name → "S:value"/"N:value" for easy comparison.
func attrs(item map[string]types.AttributeValue) map[string]string {
	out := map[string]string{}
	for k, v := range item {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			out[k] = "S:" + v.Value
		case *types.AttributeValueMemberN:
			out[k] = "N:" + v.Value
		default:
			out[k] = fmt.Sprintf("%T", v)
		}
	}
	return out
}

// fakeTopic records what was published.
type fakeTopic struct {
	mu        sync.Mutex
	published []*sns.PublishInput // successful publishes only
	attempts  int
	fail      func(attempt int) error
}

func (f *fakeTopic) Publish(ctx context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts++
	if f.fail != nil {
		if err := f.fail(f.attempts); err != nil {
			return nil, err
		}
	}
	f.published = append(f.published, in)
	return &sns.PublishOutput{MessageId: aws.String(fmt.Sprintf("msg-%d", len(f.published)))}, nil
}

func (f *fakeTopic) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.published)
}

func apiErr(code, msg string) error {
	return &smithy.GenericAPIError{Code: code, Message: msg, Fault: smithy.FaultClient}
}

// rig is a Handler wired to fakes, with its log captured.
type rig struct {
	h     *Handler
	table *fakeTable
	topic *fakeTopic
	logs  *bytes.Buffer
	clock time.Time
}

const testTopic = "arn:aws:sns:us-east-1:123456789012:HighValueOrderTopic"

func newRig(t *testing.T, threshold string) *rig {
	r := &rig{table: newFakeTable(t), topic: &fakeTopic{}, logs: &bytes.Buffer{},
		clock: time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("X", 3600))}
	cfg := Config{TableName: "OrdersTable", TopicARN: testTopic, Threshold: MustParseAmount(threshold)}
	r.h = New(cfg, r.table, r.topic, slog.New(slog.NewJSONHandler(&syncWriter{w: r.logs}, nil)))
	r.h.now = func() time.Time { return r.clock }
	return r
}

// tick moves the clock on, so a replay's ReceivedAt would differ if it were rewritten.
func (r *rig) tick() { r.clock = r.clock.Add(time.Minute) }

func (r *rig) handle(t *testing.T, payload string) (Result, error) {
	t.Helper()
	return r.h.Handle(context.Background(), []byte(payload))
}

// logLines decodes every log line written so far.
func (r *rig) logLines(t *testing.T) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(r.logs.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	return lines
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func attrS(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func attrN(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
