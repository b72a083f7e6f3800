package sqs

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
)

func TestCreateQueueIsIdempotentAndURLPointsAtServer(t *testing.T) {
	e := newEnv(t)
	url := e.createQueue(t, "HighValueQueue", map[string]string{"VisibilityTimeout": "45"})
	if want := e.url + "/" + testAccount + "/HighValueQueue"; url != want {
		t.Fatalf("queue URL = %s, want %s", url, want)
	}
	again := e.createQueue(t, "HighValueQueue", map[string]string{"VisibilityTimeout": "45"})
	if again != url {
		t.Fatalf("same name and attributes gave %s, want %s", again, url)
	}
	// Attributes not in the request are not compared.
	if got := e.createQueue(t, "HighValueQueue", nil); got != url {
		t.Fatalf("no attributes gave %s, want %s", got, url)
	}
	_, err := e.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("HighValueQueue"), Attributes: map[string]string{"VisibilityTimeout": "60"}})
	wantType[*types.QueueNameExists](t, err)
	wantCode(t, err, "QueueAlreadyExists")
}

func TestCreateQueueRejectsBadNamesAndAttributes(t *testing.T) {
	e := newEnv(t)
	for _, name := range []string{"has space", strings.Repeat("a", 81), "bad!"} {
		_, err := e.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
		wantCode(t, err, "InvalidParameterValue")
	}
	_, err := e.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q.fifo"), Attributes: map[string]string{"FifoQueue": "true"}})
	wantType[*types.UnsupportedOperation](t, err)

	cases := []struct {
		attrs map[string]string
		check func(error)
	}{
		{map[string]string{"VisibilityTimeout": "43201"}, func(err error) { wantType[*types.InvalidAttributeValue](t, err) }},
		{map[string]string{"DelaySeconds": "x"}, func(err error) { wantType[*types.InvalidAttributeValue](t, err) }},
		{map[string]string{"MaximumMessageSize": "1023"}, func(err error) { wantType[*types.InvalidAttributeValue](t, err) }},
		{map[string]string{"Policy": "{not json"}, func(err error) { wantType[*types.InvalidAttributeValue](t, err) }},
		{map[string]string{"Bogus": "1"}, func(err error) { wantType[*types.InvalidAttributeName](t, err) }},
		{map[string]string{"QueueArn": "arn:aws:sqs:us-east-1:000000000000:x"}, func(err error) { wantType[*types.InvalidAttributeName](t, err) }},
		{map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:nope","maxReceiveCount":3}`}, func(err error) { wantCode(t, err, "InvalidParameterValue") }},
		{map[string]string{"RedrivePolicy": `{"maxReceiveCount":3}`}, func(err error) { wantCode(t, err, "InvalidParameterValue") }},
	}
	for i, c := range cases {
		_, err := e.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(fmt.Sprintf("q%d", i)), Attributes: c.attrs})
		c.check(err)
	}
	out, err := e.client.ListQueues(ctx, &sqs.ListQueuesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.QueueUrls) != 0 {
		t.Fatalf("rejected creates left queues: %v", out.QueueUrls)
	}
}

func TestGetQueueURLAndMissingQueues(t *testing.T) {
	e := newEnv(t)
	url := e.createQueue(t, "q1", nil)
	out, err := e.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("q1")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.QueueUrl) != url {
		t.Fatalf("GetQueueUrl = %s, want %s", aws.ToString(out.QueueUrl), url)
	}
	_, err = e.client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("nope")})
	wantType[*types.QueueDoesNotExist](t, err)
	wantCode(t, err, "AWS.SimpleQueueService.NonExistentQueue")

	missing := e.url + "/" + testAccount + "/nope"
	_, err = e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &missing, MessageBody: aws.String("x")})
	wantType[*types.QueueDoesNotExist](t, err)
	_, err = e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String("not a url"), MessageBody: aws.String("x")})
	wantType[*types.InvalidAddress](t, err)

	// Any host works: the queue is found by account and name.
	other := "https://sqs.us-east-1.amazonaws.com/" + testAccount + "/q1"
	if _, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &other, MessageBody: aws.String("x")}); err != nil {
		t.Fatalf("send via another host's URL: %v", err)
	}
}

func TestQueueAttributes(t *testing.T) {
	e := newEnv(t)
	url := e.createQueue(t, "attrs", nil)
	out, err := e.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"QueueArn": "arn:aws:sqs:us-east-1:000000000000:attrs", "VisibilityTimeout": "30",
		"MaximumMessageSize": "1048576", "MessageRetentionPeriod": "345600", "DelaySeconds": "0",
		"ReceiveMessageWaitTimeSeconds": "0", "SqsManagedSseEnabled": "true",
		"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0", "ApproximateNumberOfMessagesDelayed": "0",
	}
	for k, v := range want {
		if out.Attributes[k] != v {
			t.Errorf("%s = %q, want %q", k, out.Attributes[k], v)
		}
	}
	for _, k := range []string{"CreatedTimestamp", "LastModifiedTimestamp"} {
		if _, err := strconv.ParseInt(out.Attributes[k], 10, 64); err != nil {
			t.Errorf("%s = %q, want epoch seconds", k, out.Attributes[k])
		}
	}
	if _, ok := out.Attributes["Policy"]; ok {
		t.Errorf("Policy reported for a queue without one")
	}

	dlq := e.createQueue(t, "attrs-dlq", nil)
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:000000000000:attrs"}]}`
	_, err = e.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{
		"VisibilityTimeout": "5", "Policy": policy, "DelaySeconds": "2", "ReceiveMessageWaitTimeSeconds": "1",
		"MessageRetentionPeriod": "600", "MaximumMessageSize": "2048", "SqsManagedSseEnabled": "false",
		"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:attrs-dlq","maxReceiveCount":"4"}`,
	}})
	if err != nil {
		t.Fatal(err)
	}
	_ = dlq
	out, err = e.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"Policy", "VisibilityTimeout", "RedrivePolicy", "DelaySeconds", "MaximumMessageSize", "SqsManagedSseEnabled"}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Attributes["Policy"] != policy || out.Attributes["VisibilityTimeout"] != "5" || out.Attributes["DelaySeconds"] != "2" ||
		out.Attributes["MaximumMessageSize"] != "2048" || out.Attributes["SqsManagedSseEnabled"] != "false" {
		t.Fatalf("attributes after set: %v", out.Attributes)
	}
	if got := out.Attributes["RedrivePolicy"]; got != `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:attrs-dlq","maxReceiveCount":4}` {
		t.Fatalf("RedrivePolicy = %s", got)
	}
	if _, ok := out.Attributes["QueueArn"]; ok {
		t.Fatalf("unrequested attribute returned: %v", out.Attributes)
	}
	// An empty Policy removes it.
	if _, err := e.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"Policy": ""}}); err != nil {
		t.Fatal(err)
	}
	out, _ = e.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"Policy"}})
	if _, ok := out.Attributes["Policy"]; ok {
		t.Fatalf("Policy still set: %v", out.Attributes)
	}

	_, err = e.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []types.QueueAttributeName{"Nope"}})
	wantType[*types.InvalidAttributeName](t, err)
	_, err = e.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"ApproximateNumberOfMessages": "3"}})
	wantType[*types.InvalidAttributeName](t, err)
	_, err = e.client.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: &url, Attributes: map[string]string{"MessageRetentionPeriod": "59"}})
	wantType[*types.InvalidAttributeValue](t, err)
}

func TestListQueuesPrefixAndPagination(t *testing.T) {
	e := newEnv(t)
	var want []string
	for i := range 5 {
		want = append(want, e.createQueue(t, fmt.Sprintf("orders-%d", i), nil))
	}
	e.createQueue(t, "other", nil)
	var got []string
	var token *string
	pages := 0
	for {
		out, err := e.client.ListQueues(ctx, &sqs.ListQueuesInput{QueueNamePrefix: aws.String("orders-"), MaxResults: aws.Int32(2), NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		got = append(got, out.QueueUrls...)
		if out.NextToken == nil {
			break
		}
		token = out.NextToken
	}
	slices.Sort(got)
	if !slices.Equal(got, want) || pages != 3 {
		t.Fatalf("paged ListQueues = %v in %d pages, want %v in 3", got, pages, want)
	}
	all, err := e.client.ListQueues(ctx, &sqs.ListQueuesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.QueueUrls) != 6 || all.NextToken != nil {
		t.Fatalf("ListQueues = %v (token %v)", all.QueueUrls, all.NextToken)
	}
	_, err = e.client.ListQueues(ctx, &sqs.ListQueuesInput{MaxResults: aws.Int32(1001)})
	wantCode(t, err, "InvalidParameterValue")
}

func TestDeleteQueueCooldown(t *testing.T) {
	clock := newFakeClock()
	e := start(t, openStore(t, ""), Options{Now: clock.Now}, dispatch.Options{Now: clock.Now})
	url := e.createQueue(t, "gone", nil)
	if _, err := e.client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &url}); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &url})
	wantType[*types.QueueDoesNotExist](t, err)
	_, err = e.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("gone")})
	wantType[*types.QueueDeletedRecently](t, err)
	clock.Advance(61 * time.Second)
	e.createQueue(t, "gone", nil)

	// With the cool-down shortened (as tests of other packages do), the
	// name is free again at once.
	short := start(t, openStore(t, ""), Options{DeletedCooldown: -1}, dispatch.Options{})
	u := short.createQueue(t, "again", nil)
	if _, err := short.client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: &u}); err != nil {
		t.Fatal(err)
	}
	short.createQueue(t, "again", nil)
}

func TestTags(t *testing.T) {
	e := newEnv(t)
	out, err := e.client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("tagged"), Tags: map[string]string{"orders:stack": "orders"}})
	if err != nil {
		t.Fatal(err)
	}
	url := aws.ToString(out.QueueUrl)
	if _, err := e.client.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: &url, Tags: map[string]string{"env": "dev", "team": "x"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.UntagQueue(ctx, &sqs.UntagQueueInput{QueueUrl: &url, TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := e.client.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: &url})
	if err != nil {
		t.Fatal(err)
	}
	if len(tags.Tags) != 2 || tags.Tags["orders:stack"] != "orders" || tags.Tags["env"] != "dev" {
		t.Fatalf("tags = %v", tags.Tags)
	}
	many := map[string]string{}
	for i := range 50 {
		many[fmt.Sprint("k", i)] = "v"
	}
	_, err = e.client.TagQueue(ctx, &sqs.TagQueueInput{QueueUrl: &url, Tags: many})
	wantCode(t, err, "InvalidParameterValue")
	missing := e.url + "/" + testAccount + "/nope"
	_, err = e.client.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: &missing})
	wantType[*types.QueueDoesNotExist](t, err)
}

func TestPurgeQueue(t *testing.T) {
	clock := newFakeClock()
	e := start(t, openStore(t, ""), Options{Now: clock.Now}, dispatch.Options{Now: clock.Now})
	url := e.createQueue(t, "purge", nil)
	for i := range 3 {
		if _, err := e.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(fmt.Sprint(i))}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.client.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: &url}); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: &url})
	wantType[*types.PurgeQueueInProgress](t, err)
	out, err := e.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 0 {
		t.Fatalf("purged queue returned %d messages", len(out.Messages))
	}
	clock.Advance(time.Minute)
	if _, err := e.client.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: &url}); err != nil {
		t.Fatalf("purge after the cool-down: %v", err)
	}
}
