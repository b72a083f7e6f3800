package emulator

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/orders-dev/orders/internal/emulator/realism"
)

func TestRealismNewQueueUnknownForAMoment(t *testing.T) {
	url, clock, _ := openRealism(t, awsRealism)
	ctx := context.Background()
	q := sqs.NewFromConfig(adminConfig(url))
	out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("fresh")})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(realism.SQSQueueCreate - time.Millisecond)
	if _, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("fresh")}); errorCode(err) != "AWS.SimpleQueueService.NonExistentQueue" {
		t.Fatalf("GetQueueUrl of a queue created %v ago: %v, want NonExistentQueue", realism.SQSQueueCreate-time.Millisecond, err)
	}
	if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: out.QueueUrl, MessageBody: aws.String("x")}); errorCode(err) != "AWS.SimpleQueueService.NonExistentQueue" {
		t.Fatalf("SendMessage to a queue created %v ago: %v, want NonExistentQueue", realism.SQSQueueCreate-time.Millisecond, err)
	}
	clock.Advance(time.Millisecond)
	if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: out.QueueUrl, MessageBody: aws.String("x")}); err != nil {
		t.Fatalf("SendMessage %v after CreateQueue: %v", realism.SQSQueueCreate, err)
	}
}

func TestRealismDeletedQueueLingers(t *testing.T) {
	url, clock, _ := openRealism(t, awsRealism)
	ctx := context.Background()
	q := sqs.NewFromConfig(adminConfig(url))
	out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("gone")})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(realism.SQSQueueCreate)
	if _, err := q.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: out.QueueUrl}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(realism.SQSDeleteQueue - time.Millisecond)
	got, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("gone")})
	if err != nil || aws.ToString(got.QueueUrl) != aws.ToString(out.QueueUrl) {
		t.Fatalf("GetQueueUrl while the deletion runs: %v, %v; want the queue's URL", got, err)
	}
	if _, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("gone")}); errorCode(err) != "AWS.SimpleQueueService.QueueDeletedRecently" {
		t.Fatalf("CreateQueue of the name %v after DeleteQueue: %v, want QueueDeletedRecently", realism.SQSDeleteQueue-time.Millisecond, err)
	}
	clock.Advance(time.Millisecond)
	if _, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("gone")}); errorCode(err) != "AWS.SimpleQueueService.NonExistentQueue" {
		t.Fatalf("GetQueueUrl %v after DeleteQueue: %v, want NonExistentQueue", realism.SQSDeleteQueue, err)
	}
	if _, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("gone")}); err != nil {
		t.Fatalf("CreateQueue of the name %v after DeleteQueue: %v", realism.SQSDeleteQueue, err)
	}
}

// snsToSQS makes a topic and a queue subscribed to it (raw delivery);
// policy, when set, is given to CreateQueue.
func snsToSQS(t *testing.T, url string, clock *testClock, name string, attrs map[string]string) (topicARN, queueURL, queueARN string) {
	t.Helper()
	ctx := context.Background()
	cfg := adminConfig(url)
	q, topics := sqs.NewFromConfig(cfg), sns.NewFromConfig(cfg)
	qo, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(realism.SQSQueueCreate)
	a, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: qo.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if err != nil {
		t.Fatal(err)
	}
	to, err := topics.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name + "-topic")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := topics.Subscribe(ctx, &sns.SubscribeInput{TopicArn: to.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(a.Attributes["QueueArn"]),
		Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(to.TopicArn), aws.ToString(qo.QueueUrl), a.Attributes["QueueArn"]
}

func snsPolicy(queueARN, topicARN string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"` +
		queueARN + `","Condition":{"ArnEquals":{"aws:SourceArn":"` + topicARN + `"}}}]}`
}

// received drains the queue without waiting and returns the bodies.
func received(t *testing.T, q *sqs.Client, queueURL string) []string {
	t.Helper()
	out, err := q.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10, WaitTimeSeconds: 0})
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, m := range out.Messages {
		bodies = append(bodies, aws.ToString(m.Body))
		if _, err := q.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(queueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
	}
	return bodies
}

func TestRealismSNSDeliveryTakesTime(t *testing.T) {
	url, clock, _ := openRealism(t, awsRealism)
	ctx := context.Background()
	q := sqs.NewFromConfig(adminConfig(url))
	// The queue's policy comes with CreateQueue: it applies at once.
	topicARN := "arn:aws:sns:us-east-1:000000000000:orders-topic"
	queueARN := "arn:aws:sqs:us-east-1:000000000000:orders"
	_, queueURL, _ := snsToSQS(t, url, clock, "orders", map[string]string{"Policy": snsPolicy(queueARN, topicARN)})
	topics := sns.NewFromConfig(adminConfig(url))
	for i := 0; i < 5; i++ {
		if _, err := topics.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topicARN), Message: aws.String("hello")}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(realism.SNSDeliveryMin - time.Millisecond)
		if got := received(t, q, queueURL); len(got) != 0 {
			t.Fatalf("publish %d: received %v within %v of Publish, want nothing yet", i, got, realism.SNSDeliveryMin)
		}
		clock.Advance(realism.SNSDeliveryMax - realism.SNSDeliveryMin + time.Millisecond)
		if got := received(t, q, queueURL); len(got) != 1 || got[0] != "hello" {
			t.Fatalf("publish %d: received %v %v after Publish, want [hello]", i, got, realism.SNSDeliveryMax)
		}
	}
}

func TestRealismQueuePolicyReachesSNSLater(t *testing.T) {
	url, clock, _ := openRealism(t, awsRealism)
	ctx := context.Background()
	cfg := adminConfig(url)
	q, topics := sqs.NewFromConfig(cfg), sns.NewFromConfig(cfg)
	topicARN, queueURL, queueARN := snsToSQS(t, url, clock, "later", nil)
	if _, err := q.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(queueURL),
		Attributes: map[string]string{"Policy": snsPolicy(queueARN, topicARN)}}); err != nil {
		t.Fatal(err)
	}
	publish := func(msg string) {
		t.Helper()
		if _, err := topics.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topicARN), Message: aws.String(msg)}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(realism.SNSDeliveryMax)
	}
	publish("early")
	if got := received(t, q, queueURL); len(got) != 0 {
		t.Fatalf("a delivery right after SetQueueAttributes(Policy) arrived: %v; AWS judges it by the old policy (none) and drops it", got)
	}
	clock.Advance(realism.SQSPolicyPropagation - realism.SNSDeliveryMax)
	publish("late")
	if got := received(t, q, queueURL); len(got) != 1 || got[0] != "late" {
		t.Fatalf("a delivery %v after SetQueueAttributes(Policy): received %v, want [late]", realism.SQSPolicyPropagation, got)
	}
}

func TestRealismLogEventsReadableAfterIngestion(t *testing.T) {
	url, clock, _ := openRealism(t, awsRealism)
	ctx := context.Background()
	logs := cloudwatchlogs.NewFromConfig(adminConfig(url))
	if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	if _, err := logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	if _, err := logs.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"),
		LogEvents: []logtypes.InputLogEvent{{Timestamp: aws.Int64(clock.Now().UnixMilli()), Message: aws.String("order placed")}}}); err != nil {
		t.Fatal(err)
	}
	count := func() (get, filter int) {
		t.Helper()
		g, err := logs.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("g"), LogStreamName: aws.String("s"), StartFromHead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		f, err := logs.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("g")})
		if err != nil {
			t.Fatal(err)
		}
		return len(g.Events), len(f.Events)
	}
	clock.Advance(realism.LogsVisibleMin - time.Millisecond)
	if g, f := count(); g != 0 || f != 0 {
		t.Fatalf("%v after PutLogEvents: GetLogEvents %d, FilterLogEvents %d events; want none yet", realism.LogsVisibleMin-time.Millisecond, g, f)
	}
	clock.Advance(realism.LogsVisibleMax - realism.LogsVisibleMin + time.Millisecond)
	if g, f := count(); g != 1 || f != 1 {
		t.Fatalf("%v after PutLogEvents: GetLogEvents %d, FilterLogEvents %d events; want 1", realism.LogsVisibleMax, g, f)
	}
}
