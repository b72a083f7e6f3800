package sqs

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
)

// Behaviour pinned here is AWS's as its API reference
// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/)
// and recordings of real responses show it.

// A batch answer leaves out the list that has no entries: AWS sends
// {"Successful":[...]} without "Failed" when every entry succeeded, and
// the SDK then reports Failed as nil, not as an empty list.
func TestBatchAnswersOmitEmptyLists(t *testing.T) {
	e := newEnv(t)
	url := e.createQueue(t, "omit", nil)
	sent, err := e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("a"), MessageBody: aws.String("one")}, {Id: aws.String("b"), MessageBody: aws.String("two")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if sent.Failed != nil || len(sent.Successful) != 2 {
		t.Fatalf("SendMessageBatch all ok: Successful=%d Failed=%#v, want Failed left out", len(sent.Successful), sent.Failed)
	}
	allBad, err := e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("a"), MessageBody: aws.String("x"), DelaySeconds: 901},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if allBad.Successful != nil || len(allBad.Failed) != 1 {
		t.Fatalf("SendMessageBatch all failed: Successful=%#v, want left out", allBad.Successful)
	}
	got, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10})
	if err != nil || len(got.Messages) != 2 {
		t.Fatalf("receive: %v %d", err, len(got.Messages))
	}
	vis, err := e.client.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: &url, Entries: []types.ChangeMessageVisibilityBatchRequestEntry{
		{Id: aws.String("a"), ReceiptHandle: got.Messages[0].ReceiptHandle, VisibilityTimeout: 60},
	}})
	if err != nil || vis.Failed != nil || len(vis.Successful) != 1 {
		t.Fatalf("ChangeMessageVisibilityBatch: %v %+v", err, vis)
	}
	del, err := e.client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: []types.DeleteMessageBatchRequestEntry{
		{Id: aws.String("a"), ReceiptHandle: got.Messages[0].ReceiptHandle}, {Id: aws.String("b"), ReceiptHandle: got.Messages[1].ReceiptHandle},
	}})
	if err != nil || del.Failed != nil || len(del.Successful) != 2 {
		t.Fatalf("DeleteMessageBatch: %v %+v", err, del)
	}
	bad, err := e.client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: []types.DeleteMessageBatchRequestEntry{
		{Id: aws.String("a"), ReceiptHandle: aws.String("garbage")},
	}})
	if err != nil || bad.Successful != nil || len(bad.Failed) != 1 {
		t.Fatalf("DeleteMessageBatch all failed: %v %+v", err, bad)
	}
}

// AWSTraceHeader: a sender sets it as a message system attribute, or the
// X-Ray header X-Amzn-Trace-Id carries it (the SDK sends that header from
// _X_AMZN_TRACE_ID inside Lambda); a receive returns it when asked for it
// by name or with All, through MessageSystemAttributeNames or the older
// AttributeNames
// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html).
func TestAWSTraceHeader(t *testing.T) {
	e := newEnv(t)
	url := e.createQueue(t, "trace", map[string]string{"VisibilityTimeout": "0"})
	const fromAttr = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
	const fromHeader = "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1"
	sent, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("a"),
		MessageSystemAttributes: map[string]types.MessageSystemAttributeValue{
			"AWSTraceHeader": {DataType: aws.String("String"), StringValue: aws.String(fromAttr)}}})
	if err != nil {
		t.Fatal(err)
	}
	if sent.MD5OfMessageSystemAttributes == nil {
		t.Fatal("MD5OfMessageSystemAttributes missing for a message sent with a system attribute")
	}
	withHeader := func(o *sqs.Options) {
		o.APIOptions = append(o.APIOptions, addHeader("X-Amzn-Trace-Id", fromHeader))
	}
	plain, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("b")}, withHeader)
	if err != nil {
		t.Fatal(err)
	}
	if plain.MD5OfMessageSystemAttributes != nil {
		t.Fatal("MD5OfMessageSystemAttributes covers only system attributes in the request")
	}
	if _, err := e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{
		{Id: aws.String("c"), MessageBody: aws.String("c")}}}, withHeader); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": fromAttr, "b": fromHeader, "c": fromHeader}
	asks := []*sqs.ReceiveMessageInput{
		{MessageSystemAttributeNames: []types.MessageSystemAttributeName{"AWSTraceHeader"}},
		{MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}},
		{AttributeNames: []types.QueueAttributeName{"All"}},
		{AttributeNames: []types.QueueAttributeName{"AWSTraceHeader"}},
	}
	for _, in := range asks {
		in.QueueUrl, in.MaxNumberOfMessages = &url, 10
		got := map[string]string{}
		for len(got) < 3 {
			out, err := e.client.ReceiveMessage(ctx, in)
			if err != nil || len(out.Messages) == 0 {
				t.Fatalf("receive %+v: %v", in, err)
			}
			for _, m := range out.Messages {
				got[aws.ToString(m.Body)] = m.Attributes["AWSTraceHeader"]
			}
		}
		for body, trace := range want {
			if got[body] != trace {
				t.Errorf("asked %v %v: message %s AWSTraceHeader = %q, want %q", in.MessageSystemAttributeNames, in.AttributeNames, body, got[body], trace)
			}
		}
	}
	out, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"SenderId"}})
	if err != nil || len(out.Messages) == 0 {
		t.Fatal(err)
	}
	if _, ok := out.Messages[0].Attributes["AWSTraceHeader"]; ok {
		t.Fatal("AWSTraceHeader returned without being asked for")
	}
}

// MessageAttributeNames takes "All", ".*" and "prefix.*" patterns; what
// they select comes back with its MD5OfMessageAttributes (which the SDK
// checks).
func TestReceivePrefixFilters(t *testing.T) {
	e := newEnv(t)
	url := e.createQueue(t, "prefix", nil)
	attrs := map[string]types.MessageAttributeValue{
		"amount":       {DataType: aws.String("Number"), StringValue: aws.String("250")},
		"amount.cents": {DataType: aws.String("Number"), StringValue: aws.String("25000")},
		"currency":     {DataType: aws.String("String"), StringValue: aws.String("EUR")},
	}
	cases := map[string][]string{
		"amount.*": {"amount", "amount.cents"},
		".*":       {"amount", "amount.cents", "currency"},
		"All":      {"amount", "amount.cents", "currency"},
	}
	for pattern, want := range cases {
		if _, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("b"), MessageAttributes: attrs}); err != nil {
			t.Fatal(err)
		}
		out, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MessageAttributeNames: []string{pattern}})
		if err != nil || len(out.Messages) != 1 {
			t.Fatalf("receive %s: %v", pattern, err)
		}
		m := out.Messages[0]
		if got := strings.Join(sortedKeys(m.MessageAttributes), ","); got != strings.Join(want, ",") {
			t.Errorf("%s selected %s, want %v", pattern, got, want)
		}
		if m.MD5OfMessageAttributes == nil {
			t.Errorf("%s: MD5OfMessageAttributes missing", pattern)
		}
		if _, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
	}
}

// A standard queue takes a MessageGroupId (fair queues), held to the FIFO
// rule: 1 to 128 alphanumeric and punctuation characters
// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html).
func TestMessageGroupIDOnStandardQueue(t *testing.T) {
	e := newEnv(t)
	url := e.createQueue(t, "groups", nil)
	if _, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x"), MessageGroupId: aws.String("tenant-1")}); err != nil {
		t.Fatalf("a valid MessageGroupId: %v", err)
	}
	// A receive that asks for it gets the group back.
	got, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MessageSystemAttributeNames: []types.MessageSystemAttributeName{"MessageGroupId"}})
	if err != nil || len(got.Messages) != 1 || got.Messages[0].Attributes["MessageGroupId"] != "tenant-1" {
		t.Fatalf("MessageGroupId on receive: %v %+v", err, got.Messages)
	}
	for _, bad := range []string{"", strings.Repeat("g", 129), "has space", "naïve"} {
		_, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x"), MessageGroupId: aws.String(bad)})
		wantCode(t, err, "InvalidParameterValue")
		if !strings.Contains(err.Error(), "MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.") {
			t.Errorf("MessageGroupId %q: %v", bad, err)
		}
		b, err := e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{
			{Id: aws.String("a"), MessageBody: aws.String("x"), MessageGroupId: aws.String(bad)}}})
		if err != nil || len(b.Failed) != 1 || aws.ToString(b.Failed[0].Code) != "InvalidParameterValue" {
			t.Errorf("batch MessageGroupId %q: %v %+v", bad, err, b)
		}
	}
}

// FIFO-only attributes on a standard queue are unknown attributes, even
// FifoQueue=false (AWS: "Unknown Attribute FifoQueue."); nothing is created.
func TestFIFOAttributesOnStandardQueue(t *testing.T) {
	e := newEnv(t)
	for name, value := range map[string]string{
		"FifoQueue": "false", "ContentBasedDeduplication": "true",
		"DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perQueue",
	} {
		_, err := e.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("std"), Attributes: map[string]string{name: value}})
		wantType[*types.InvalidAttributeName](t, err)
		if !strings.Contains(err.Error(), "Unknown Attribute "+name+".") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := e.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("std")}); err == nil {
		t.Fatal("a refused CreateQueue created the queue")
	}
}

// Every QueueUrl parameter also takes the queue's name.
func TestQueueNameWhereURLExpected(t *testing.T) {
	e := newEnv(t)
	url := e.createQueue(t, "byname", nil)
	if _, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String("byname"), MessageBody: aws.String("x")}); err != nil {
		t.Fatalf("SendMessage by name: %v", err)
	}
	out, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String("byname")})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("ReceiveMessage by name: %v", err)
	}
	attrs, err := e.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String("byname"), AttributeNames: []types.QueueAttributeName{"QueueArn"}})
	if err != nil || attrs.Attributes["QueueArn"] != "arn:aws:sqs:us-east-1:000000000000:byname" {
		t.Fatalf("GetQueueAttributes by name: %v %v", err, attrs)
	}
	_, err = e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String("nosuch"), MessageBody: aws.String("x")})
	wantType[*types.QueueDoesNotExist](t, err)
	if _, err := e.client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String("byname")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url})
	wantType[*types.QueueDoesNotExist](t, err)
}

// ChangeMessageVisibility with the latest receipt handle of a message whose
// visibility timeout ran out (and that nobody received again) changes it:
// the API reference says only that such a call "might result in an error",
// and AWS accepts it. An older handle of a visible message is refused.
func TestChangeVisibilityAfterTimeout(t *testing.T) {
	clock := newFakeClock()
	e := start(t, openStore(t, ""), Options{Now: clock.Now}, dispatch.Options{})
	url := e.createQueue(t, "expired", map[string]string{"VisibilityTimeout": "30"})
	if _, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x")}); err != nil {
		t.Fatal(err)
	}
	first, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url})
	if err != nil || len(first.Messages) != 1 {
		t.Fatal(err)
	}
	clock.Advance(31 * time.Second)
	if _, err := e.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: first.Messages[0].ReceiptHandle, VisibilityTimeout: 60}); err != nil {
		t.Fatalf("latest handle after the timeout: %v", err)
	}
	hidden, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url})
	if err != nil || len(hidden.Messages) != 0 {
		t.Fatalf("the change must hide the message again: %v %d", err, len(hidden.Messages))
	}
	clock.Advance(61 * time.Second)
	second, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, VisibilityTimeout: 1})
	if err != nil || len(second.Messages) != 1 {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Second)
	_, err = e.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: first.Messages[0].ReceiptHandle, VisibilityTimeout: 60})
	wantType[*types.MessageNotInflight](t, err)
}

// addHeader sets a request header before signing, as an instrumented
// client (X-Ray) does.
func addHeader(name, value string) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Build.Add(middleware.BuildMiddlewareFunc("testHeader"+name, func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
			if req, ok := in.Request.(*smithyhttp.Request); ok {
				req.Header.Set(name, value)
			}
			return next.HandleBuild(ctx, in)
		}), middleware.After)
	}
}

// AddPermission writes a statement per label into the queue's Policy as
// SQS writes it, visible through GetQueueAttributes; RemovePermission takes
// it out again, and the policy goes when its last statement does
// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_AddPermission.html).
func TestAddRemovePermission(t *testing.T) {
	e := newEnv(t)
	url := e.createQueue(t, "shared", nil)
	arn := "arn:aws:sqs:us-east-1:000000000000:shared"
	if _, err := e.client.AddPermission(ctx, &sqs.AddPermissionInput{QueueUrl: &url, Label: aws.String("OneAccount"),
		AWSAccountIds: []string{"111122223333"}, Actions: []string{"SendMessage"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.AddPermission(ctx, &sqs.AddPermissionInput{QueueUrl: &url, Label: aws.String("Two"),
		AWSAccountIds: []string{"111122223333", "444455556666"}, Actions: []string{"ReceiveMessage", "DeleteMessage"}}); err != nil {
		t.Fatal(err)
	}
	policy := func() string {
		out, err := e.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"Policy"}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Attributes["Policy"]
	}
	want := `{"Version":"2008-10-17","Id":"` + arn + `/SQSDefaultPolicy","Statement":[` +
		`{"Sid":"OneAccount","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"SQS:SendMessage","Resource":"` + arn + `"},` +
		`{"Sid":"Two","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root","arn:aws:iam::444455556666:root"]},"Action":["SQS:ReceiveMessage","SQS:DeleteMessage"],"Resource":"` + arn + `"}]}`
	if got := policy(); got != want {
		t.Fatalf("Policy =\n%s\nwant\n%s", got, want)
	}
	_, err := e.client.AddPermission(ctx, &sqs.AddPermissionInput{QueueUrl: &url, Label: aws.String("Two"),
		AWSAccountIds: []string{"111122223333"}, Actions: []string{"SendMessage"}})
	wantCode(t, err, "InvalidParameterValue")
	_, err = e.client.AddPermission(ctx, &sqs.AddPermissionInput{QueueUrl: &url, Label: aws.String("Bad"),
		AWSAccountIds: []string{"*"}, Actions: []string{"SendMessage"}})
	wantCode(t, err, "InvalidParameterValue")
	_, err = e.client.AddPermission(ctx, &sqs.AddPermissionInput{QueueUrl: &url, Label: aws.String("Bad"),
		AWSAccountIds: []string{"111122223333"}, Actions: []string{"CreateQueue"}})
	wantCode(t, err, "InvalidParameterValue")
	if got := policy(); got != want {
		t.Fatalf("a refused AddPermission changed the policy:\n%s", got)
	}

	if _, err := e.client.RemovePermission(ctx, &sqs.RemovePermissionInput{QueueUrl: &url, Label: aws.String("OneAccount")}); err != nil {
		t.Fatal(err)
	}
	if got := policy(); strings.Contains(got, "OneAccount") || !strings.Contains(got, `"Sid":"Two"`) {
		t.Fatalf("after RemovePermission: %s", got)
	}
	_, err = e.client.RemovePermission(ctx, &sqs.RemovePermissionInput{QueueUrl: &url, Label: aws.String("OneAccount")})
	wantCode(t, err, "InvalidParameterValue")
	if _, err := e.client.RemovePermission(ctx, &sqs.RemovePermissionInput{QueueUrl: &url, Label: aws.String("Two")}); err != nil {
		t.Fatal(err)
	}
	if got := policy(); got != "" {
		t.Fatalf("policy left after its last statement went: %s", got)
	}
}

// Over awsJson SQS answers with the query-compatible code in
// x-amzn-query-error ("CODE;Sender"), which is what the SDK reports, and
// the status of the model's awsQueryError trait
// (aws-sdk-go-v2/service/sqs/schemas; API reference "Errors").
func TestQueryCompatibleErrorCodes(t *testing.T) {
	e := newEnv(t)
	url := e.createQueue(t, "codes", nil)
	missing := e.url + "/000000000000/missing"
	twelve := make([]types.SendMessageBatchRequestEntry, 11)
	for i := range twelve {
		twelve[i] = types.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint("e", i)), MessageBody: aws.String("x")}
	}
	cases := []struct {
		name   string
		call   func() error
		code   string
		status int
	}{
		{"queue missing", func() error {
			_, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &missing, MessageBody: aws.String("x")})
			return err
		}, "AWS.SimpleQueueService.NonExistentQueue", 400},
		{"empty body", func() error {
			_, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("")})
			return err
		}, "MissingParameter", 400},
		{"queue exists", func() error {
			_, err := e.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("codes"), Attributes: map[string]string{"DelaySeconds": "9"}})
			return err
		}, "QueueAlreadyExists", 400},
		{"bad receipt", func() error {
			_, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: aws.String("garbage")})
			return err
		}, "ReceiptHandleIsInvalid", 404},
		{"empty batch", func() error {
			_, err := e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{}})
			return err
		}, "AWS.SimpleQueueService.EmptyBatchRequest", 400},
		{"too many entries", func() error {
			_, err := e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: twelve})
			return err
		}, "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400},
		{"repeated ids", func() error {
			_, err := e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{
				{Id: aws.String("a"), MessageBody: aws.String("x")}, {Id: aws.String("a"), MessageBody: aws.String("y")}}})
			return err
		}, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400},
		{"bad batch id", func() error {
			_, err := e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{
				{Id: aws.String("a.b"), MessageBody: aws.String("x")}}})
			return err
		}, "AWS.SimpleQueueService.InvalidBatchEntryId", 400},
		{"batch too long", func() error {
			big := strings.Repeat("x", 600_000)
			_, err := e.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{
				{Id: aws.String("a"), MessageBody: &big}, {Id: aws.String("b"), MessageBody: &big}}})
			if err != nil && !strings.Contains(err.Error(), "Batch requests cannot be longer than 1048576 bytes. You have sent 1200000 bytes.") {
				t.Errorf("BatchRequestTooLong message: %v", err)
			}
			return err
		}, "AWS.SimpleQueueService.BatchRequestTooLong", 400},
	}
	for _, c := range cases {
		err := c.call()
		wantCode(t, err, c.code)
		var re *smithyhttp.ResponseError
		if !errors.As(err, &re) || re.HTTPStatusCode() != c.status {
			t.Errorf("%s: status %v, want %d", c.name, err, c.status)
		}
	}
}

// What a message keeps from its request (AWSTraceHeader from the X-Ray
// header, MessageGroupId) and a policy AddPermission wrote survive a
// restart.
func TestRestartKeepsTraceGroupAndPermission(t *testing.T) {
	dir := t.TempDir()
	st1 := openStore(t, dir)
	e := start(t, st1, Options{}, dispatch.Options{})
	url := e.createQueue(t, "kept", nil)
	const trace = "Root=1-67891233-abcdef012345678912345678;Sampled=1"
	if _, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x"), MessageGroupId: aws.String("g1")},
		func(o *sqs.Options) { o.APIOptions = append(o.APIOptions, addHeader("X-Amzn-Trace-Id", trace)) }); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.AddPermission(ctx, &sqs.AddPermissionInput{QueueUrl: &url, Label: aws.String("Kept"),
		AWSAccountIds: []string{"111122223333"}, Actions: []string{"SendMessage"}}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st1.Close(); err != nil {
		t.Fatal(err)
	}
	e = start(t, openStore(t, dir), Options{}, dispatch.Options{})
	got, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MessageSystemAttributeNames: []types.MessageSystemAttributeName{"All"}})
	if err != nil || len(got.Messages) != 1 {
		t.Fatalf("receive after restart: %v", err)
	}
	if a := got.Messages[0].Attributes; a["AWSTraceHeader"] != trace || a["MessageGroupId"] != "g1" {
		t.Fatalf("system attributes after restart: %v", a)
	}
	attrs, err := e.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"Policy"}})
	if err != nil || !strings.Contains(attrs.Attributes["Policy"], `"Sid":"Kept"`) {
		t.Fatalf("policy after restart: %v %v", err, attrs.Attributes)
	}
}
