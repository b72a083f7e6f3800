package sqs

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

func TestRestartKeepsQueuesAndMessages(t *testing.T) {
	dir := t.TempDir()
	st1, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := start(t, st1, Options{}, dispatch.Options{})
	url := e.createQueue(t, "durable", map[string]string{"VisibilityTimeout": "600"})
	if _, err := e.client.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: &url, Tags: map[string]string{"orders:stack": "orders"}}); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		_, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("m" + strconv.Itoa(i)),
			MessageAttributes: map[string]types.MessageAttributeValue{"n": {DataType: aws.String("Number"), StringValue: aws.String(strconv.Itoa(i))}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	// m0 is received and deleted, m1 received and left in flight.
	r0, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url})
	if err != nil || len(r0.Messages) != 1 || aws.ToString(r0.Messages[0].Body) != "m0" {
		t.Fatalf("receive m0: %v %+v", err, r0)
	}
	if _, err := e.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: r0.Messages[0].ReceiptHandle}); err != nil {
		t.Fatal(err)
	}
	r1, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url})
	if err != nil || len(r1.Messages) != 1 || aws.ToString(r1.Messages[0].Body) != "m1" {
		t.Fatalf("receive m1: %v %+v", err, r1)
	}
	gone := e.createQueue(t, "deleted", nil)
	if _, err := e.client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &gone}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st1.Close(); err != nil {
		t.Fatal(err)
	}

	st2, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st2.Close() })
	e2 := start(t, st2, Options{}, dispatch.Options{})
	url2 := e2.url + "/" + testAccount + "/durable"

	attrs, err := e2.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url2, AttributeNames: []types.QueueAttributeName{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	if attrs.Attributes["VisibilityTimeout"] != "600" || attrs.Attributes["ApproximateNumberOfMessages"] != "2" || attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] != "1" {
		t.Fatalf("attributes after restart: %v", attrs.Attributes)
	}
	tags, err := e2.client.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: &url2})
	if err != nil || tags.Tags["orders:stack"] != "orders" {
		t.Fatalf("tags after restart: %v %v", tags, err)
	}
	got, err := e2.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url2, MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, m := range got.Messages {
		bodies = append(bodies, aws.ToString(m.Body))
		if aws.ToString(m.MessageAttributes["n"].StringValue) != aws.ToString(m.Body)[1:] {
			t.Errorf("attributes of %s lost: %+v", aws.ToString(m.Body), m.MessageAttributes)
		}
	}
	if len(bodies) != 2 || bodies[0] != "m2" || bodies[1] != "m3" {
		t.Fatalf("unreceived messages after restart = %v, want [m2 m3]", bodies)
	}
	// The in-flight message's receipt handle from before the restart still
	// works, and its receive count was kept.
	if _, err := e2.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url2, ReceiptHandle: r1.Messages[0].ReceiptHandle, VisibilityTimeout: 0}); err != nil {
		t.Fatalf("old receipt handle after restart: %v", err)
	}
	again, err := e2.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url2, MessageSystemAttributeNames: []types.MessageSystemAttributeName{"ApproximateReceiveCount"}})
	if err != nil || len(again.Messages) != 1 || aws.ToString(again.Messages[0].Body) != "m1" || again.Messages[0].Attributes["ApproximateReceiveCount"] != "2" {
		t.Fatalf("in-flight message after restart: %v %+v", err, again.Messages)
	}
	// The deleted queue stays deleted and still cools down.
	_, err = e2.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("deleted")})
	wantType[*types.QueueDoesNotExist](t, err)
	_, err = e2.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("deleted")})
	wantType[*types.QueueDeletedRecently](t, err)
	// Nothing of the deleted queue is left in the store.
	if names, _ := st2.Buckets(prefixMsgs); len(names) != 1 {
		t.Fatalf("message buckets after restart: %v", names)
	}
}

// denyAll refuses everything, the way the lead's IAM enforcement answers.
type denyAll struct{}

func (denyAll) Authorize(_ context.Context, call *service.Call, action, resource string, _ map[string][]string) error {
	return service.AccessDenied(call.Service, call.Principal.ARN, action, resource, "because no identity-based policy allows the "+action+" action")
}

// user resolves one access key to a non-administrator principal.
type user struct{}

func (user) Resolve(_ context.Context, akid string) (service.Principal, string, string, time.Time, bool) {
	if akid != "AKIAUSERTEST" {
		return service.Principal{}, "", "", time.Time{}, false
	}
	return service.Principal{ARN: "arn:aws:iam::000000000000:user/alice", UserName: "alice", AccessKeyID: akid}, "usersecret", "", time.Time{}, true
}

func TestDenyAllAuthorizerDeniesEveryOperation(t *testing.T) {
	st := openStore(t, "")
	e := start(t, st, Options{}, dispatch.Options{Identity: user{}, Authz: denyAll{}})
	// Admin keys are not checked: set up a queue with a message.
	url := e.createQueue(t, "guarded", nil)
	sent, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("keep")})
	if err != nil {
		t.Fatal(err)
	}
	cfg := e.client.Options()
	cfg.Credentials = staticCreds("AKIAUSERTEST", "usersecret")
	denied := sqs.New(cfg)

	handle := aws.String(encodeReceipt("x", aws.ToString(sent.MessageId), "n"))
	calls := map[string]func() error{
		"CreateQueue": func() error {
			_, err := denied.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("new")})
			return err
		},
		"GetQueueUrl": func() error {
			_, err := denied.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("guarded")})
			return err
		},
		"GetQueueAttributes": func() error {
			_, err := denied.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url})
			return err
		},
		"SetQueueAttributes": func() error {
			_, err := denied.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"DelaySeconds": "5"}})
			return err
		},
		"DeleteQueue": func() error {
			_, err := denied.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &url})
			return err
		},
		"ListQueues": func() error {
			_, err := denied.ListQueues(ctx, &sqs.ListQueuesInput{})
			return err
		},
		"PurgeQueue": func() error {
			_, err := denied.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: &url})
			return err
		},
		"ListDeadLetterSourceQueues": func() error {
			_, err := denied.ListDeadLetterSourceQueues(ctx, &sqs.ListDeadLetterSourceQueuesInput{QueueUrl: &url})
			return err
		},
		"SendMessage": func() error {
			_, err := denied.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String("x")})
			return err
		},
		"SendMessageBatch": func() error {
			_, err := denied.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &url, Entries: []types.SendMessageBatchRequestEntry{{Id: aws.String("a"), MessageBody: aws.String("x")}}})
			return err
		},
		"ReceiveMessage": func() error {
			_, err := denied.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url})
			return err
		},
		"DeleteMessage": func() error {
			_, err := denied.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: handle})
			return err
		},
		"DeleteMessageBatch": func() error {
			_, err := denied.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: &url, Entries: []types.DeleteMessageBatchRequestEntry{{Id: aws.String("a"), ReceiptHandle: handle}}})
			return err
		},
		"ChangeMessageVisibility": func() error {
			_, err := denied.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &url, ReceiptHandle: handle, VisibilityTimeout: 5})
			return err
		},
		"ChangeMessageVisibilityBatch": func() error {
			_, err := denied.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: &url, Entries: []types.ChangeMessageVisibilityBatchRequestEntry{{Id: aws.String("a"), ReceiptHandle: handle, VisibilityTimeout: 5}}})
			return err
		},
		"TagQueue": func() error {
			_, err := denied.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: &url, Tags: map[string]string{"a": "b"}})
			return err
		},
		"UntagQueue": func() error {
			_, err := denied.UntagQueue(ctx, &sqs.UntagQueueInput{QueueUrl: &url, TagKeys: []string{"a"}})
			return err
		},
		"ListQueueTags": func() error {
			_, err := denied.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: &url})
			return err
		},
		"AddPermission": func() error {
			_, err := denied.AddPermission(ctx, &sqs.AddPermissionInput{QueueUrl: &url, Label: aws.String("l"), AWSAccountIds: []string{"111122223333"}, Actions: []string{"SendMessage"}})
			return err
		},
		"RemovePermission": func() error {
			_, err := denied.RemovePermission(ctx, &sqs.RemovePermissionInput{QueueUrl: &url, Label: aws.String("l")})
			return err
		},
	}
	for _, op := range e.svc.Operations() {
		call, ok := calls[op]
		if !ok {
			t.Errorf("operation %s has no deny test", op)
			continue
		}
		err := call()
		wantCode(t, err, "AccessDenied")
		if !contains(err.Error(), "arn:aws:iam::000000000000:user/alice is not authorized to perform: sqs:") {
			t.Errorf("%s: denial message %q", op, err)
		}
	}
	// Nothing changed: one queue, its message still there, untouched.
	list, err := e.client.ListQueues(ctx, &sqs.ListQueuesInput{})
	if err != nil || len(list.QueueUrls) != 1 {
		t.Fatalf("queues after denied calls: %v %v", list, err)
	}
	attrs, err := e.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"All"}})
	if err != nil || attrs.Attributes["ApproximateNumberOfMessages"] != "1" || attrs.Attributes["DelaySeconds"] != "0" || attrs.Attributes["Policy"] != "" {
		t.Fatalf("queue after denied calls: %v %v", attrs, err)
	}
}

func TestSendFromServiceChecksTheQueuePolicy(t *testing.T) {
	eval := &fakeEvaluator{allow: true}
	e := start(t, openStore(t, ""), Options{PolicyEvaluator: eval}, dispatch.Options{})
	url := e.createQueue(t, "target", nil)
	queueARN := "arn:aws:sqs:us-east-1:000000000000:target"
	topicARN := "arn:aws:sns:us-east-1:000000000000:HighValueOrderTopic"
	attrs := map[string]service.MessageAttribute{"amount": {DataType: "Number", StringValue: "250"}}

	// No policy at all: denied, as AWS does, without asking the evaluator.
	err := e.svc.SendFromService(ctx, "us-east-1", testAccount, queueARN, "sns.amazonaws.com", topicARN, "no policy", attrs, "")
	if !errors.Is(err, ErrDeliveryDenied) || eval.calls != 0 {
		t.Fatalf("delivery to a queue without policy: %v (evaluator called %d times)", err, eval.calls)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"` + queueARN + `"}]}`
	if _, err := e.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"Policy": policy}}); err != nil {
		t.Fatal(err)
	}
	eval.allow = false
	err = e.svc.SendFromService(ctx, "us-east-1", testAccount, queueARN, "sns.amazonaws.com", topicARN, "denied", attrs, "")
	if !errors.Is(err, ErrDeliveryDenied) {
		t.Fatalf("denied delivery: %v", err)
	}
	if eval.policy != policy || eval.principal != "sns.amazonaws.com" || eval.action != "sqs:SendMessage" || eval.resource != queueARN ||
		eval.conditions["aws:SourceArn"][0] != topicARN || eval.conditions["aws:SourceAccount"][0] != testAccount {
		t.Fatalf("evaluator asked %+v", eval)
	}
	eval.allow = true
	if err := e.svc.SendFromService(ctx, "us-east-1", testAccount, queueARN, "sns.amazonaws.com", topicARN, "allowed", attrs, ""); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SendFromService(ctx, "us-east-1", testAccount, "arn:aws:sqs:us-east-1:000000000000:missing", "sns.amazonaws.com", topicARN, "x", nil, ""); err == nil {
		t.Fatal("delivery to a missing queue succeeded")
	}
	out, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"},
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{"SenderId"}})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("receive: %v %+v", err, out)
	}
	m := out.Messages[0]
	if aws.ToString(m.Body) != "allowed" || aws.ToString(m.MessageAttributes["amount"].StringValue) != "250" || m.Attributes["SenderId"] != serviceSenderID {
		t.Fatalf("delivered message = %+v", m)
	}

	// Without an evaluator every delivery is allowed.
	open := start(t, openStore(t, ""), Options{}, dispatch.Options{})
	open.createQueue(t, "target", nil)
	if err := open.svc.SendFromService(ctx, "us-east-1", testAccount, queueARN, "sns.amazonaws.com", topicARN, "x", nil, ""); err != nil {
		t.Fatalf("delivery without evaluator: %v", err)
	}
}

type fakeEvaluator struct {
	allow                               bool
	calls                               int
	policy, principal, action, resource string
	conditions                          map[string][]string
}

func (f *fakeEvaluator) AllowsService(policy, principal, action, resource string, conditions map[string][]string) (bool, error) {
	f.calls++
	f.policy, f.principal, f.action, f.resource, f.conditions = policy, principal, action, resource, conditions
	return f.allow, nil
}
