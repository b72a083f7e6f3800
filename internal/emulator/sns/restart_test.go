package sns

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/store"
)

func fetchCert(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + CertPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(string(b), "-----BEGIN CERTIFICATE-----") {
		t.Fatalf("certificate: %d %q", resp.StatusCode, b)
	}
	return string(b)
}

func TestRestartKeepsTopicsSubscriptionsAndSigningKey(t *testing.T) {
	dir := t.TempDir()
	st1, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A generated (not injected) key, small so the test stays quick.
	e := start(t, envOptions{st: st1, snsOpts: Options{SigningKeyBits: 1024}})
	arn := e.createTopic(t, "durable")
	if _, err := e.topic.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: &arn, AttributeName: aws.String("DisplayName"), AttributeValue: aws.String("Durable")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.topic.TagResource(ctx, &sns.TagResourceInput{ResourceArn: &arn, Tags: []types.Tag{{Key: aws.String("orders:stack"), Value: aws.String("orders")}}}); err != nil {
		t.Fatal(err)
	}
	qurl, qarn := e.createQueue(t, "durable-q", arn)
	sub := e.subscribe(t, arn, qarn, map[string]string{"FilterPolicy": `{"amount":[{"numeric":[">",100]}]}`})
	cert := fetchCert(t, e.url)
	if err := st1.Close(); err != nil {
		t.Fatal(err)
	}

	st2, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st2.Close() })
	e2 := start(t, envOptions{st: st2, snsOpts: Options{SigningKeyBits: 1024}, dispatch: dispatch.Options{}})
	attrs, err := e2.topic.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
	if err != nil || attrs.Attributes["DisplayName"] != "Durable" || attrs.Attributes["SubscriptionsConfirmed"] != "1" {
		t.Fatalf("topic after restart: %v %v", attrs, err)
	}
	tags, err := e2.topic.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: &arn})
	if err != nil || len(tags.Tags) != 1 {
		t.Fatalf("tags after restart: %v %v", tags, err)
	}
	subAttrs, err := e2.topic.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: &sub})
	if err != nil || subAttrs.Attributes["FilterPolicy"] == "" || subAttrs.Attributes["Endpoint"] != qarn {
		t.Fatalf("subscription after restart: %v %v", subAttrs, err)
	}
	if again := fetchCert(t, e2.url); again != cert {
		t.Fatal("signing certificate changed across a restart")
	}
	// The filter policy still applies after reloading.
	num := func(v string) map[string]types.MessageAttributeValue {
		return map[string]types.MessageAttributeValue{"amount": {DataType: aws.String("Number"), StringValue: aws.String(v)}}
	}
	for _, amount := range []string{"50", "500"} {
		if _, err := e2.topic.Publish(ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String(amount), MessageAttributes: num(amount)}); err != nil {
			t.Fatal(err)
		}
	}
	url2 := strings.Replace(qurl, e.url, e2.url, 1)
	got := e2.drain(t, url2)
	if len(got) != 1 || !strings.Contains(got[0], `"Message" : "500"`) {
		t.Fatalf("deliveries after restart: %q", got)
	}
}

func TestDenyAllAuthorizerDeniesEveryOperation(t *testing.T) {
	e := start(t, envOptions{dispatch: dispatch.Options{Identity: user{}, Authz: denyAll{}}})
	arn := e.createTopic(t, "guarded")
	_, qarn := e.createQueue(t, "guarded-q", arn)
	sub := e.subscribe(t, arn, qarn, nil)
	cfg := e.topic.Options()
	cfg.Credentials = staticCreds("AKIAUSERTEST", "usersecret")
	denied := sns.New(cfg)
	calls := map[string]func() error{
		"CreateTopic": func() error {
			_, err := denied.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("new")})
			return err
		},
		"DeleteTopic": func() error { _, err := denied.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: &arn}); return err },
		"ListTopics":  func() error { _, err := denied.ListTopics(ctx, &sns.ListTopicsInput{}); return err },
		"GetTopicAttributes": func() error {
			_, err := denied.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
			return err
		},
		"SetTopicAttributes": func() error {
			_, err := denied.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: &arn, AttributeName: aws.String("DisplayName"), AttributeValue: aws.String("x")})
			return err
		},
		"Subscribe": func() error {
			_, err := denied.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("sqs"), Endpoint: aws.String("arn:aws:sqs:us-east-1:000000000000:other")})
			return err
		},
		"Unsubscribe": func() error {
			_, err := denied.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: &sub})
			return err
		},
		"ListSubscriptions": func() error { _, err := denied.ListSubscriptions(ctx, &sns.ListSubscriptionsInput{}); return err },
		"ListSubscriptionsByTopic": func() error {
			_, err := denied.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: &arn})
			return err
		},
		"GetSubscriptionAttributes": func() error {
			_, err := denied.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: &sub})
			return err
		},
		"SetSubscriptionAttributes": func() error {
			_, err := denied.SetSubscriptionAttributes(ctx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: &sub, AttributeName: aws.String("RawMessageDelivery"), AttributeValue: aws.String("true")})
			return err
		},
		"Publish": func() error {
			_, err := denied.Publish(ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("x")})
			return err
		},
		"PublishBatch": func() error {
			_, err := denied.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: &arn, PublishBatchRequestEntries: []types.PublishBatchRequestEntry{{Id: aws.String("a"), Message: aws.String("x")}}})
			return err
		},
		"TagResource": func() error {
			_, err := denied.TagResource(ctx, &sns.TagResourceInput{ResourceArn: &arn, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
			return err
		},
		"UntagResource": func() error {
			_, err := denied.UntagResource(ctx, &sns.UntagResourceInput{ResourceArn: &arn, TagKeys: []string{"k"}})
			return err
		},
		"ListTagsForResource": func() error {
			_, err := denied.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: &arn})
			return err
		},
		"ConfirmSubscription": func() error {
			_, err := denied.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: &arn, Token: aws.String("t")})
			return err
		},
		"AddPermission": func() error {
			_, err := denied.AddPermission(ctx, &sns.AddPermissionInput{TopicArn: &arn, Label: aws.String("l"), AWSAccountId: []string{"111122223333"}, ActionName: []string{"Publish"}})
			return err
		},
		"RemovePermission": func() error {
			_, err := denied.RemovePermission(ctx, &sns.RemovePermissionInput{TopicArn: &arn, Label: aws.String("l")})
			return err
		},
	}
	for _, op := range e.sns.Operations() {
		call, ok := calls[op]
		if !ok {
			t.Errorf("operation %s has no deny test", op)
			continue
		}
		err := call()
		wantType[*types.AuthorizationErrorException](t, err)
		if !contains(err.Error(), "arn:aws:iam::000000000000:user/alice is not authorized to perform: sns:") {
			t.Errorf("%s: denial message %q", op, err)
		}
	}
	// Nothing changed and nothing was delivered.
	attrs, err := e.topic.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
	if err != nil || attrs.Attributes["DisplayName"] != "" || attrs.Attributes["SubscriptionsConfirmed"] != "1" {
		t.Fatalf("topic after denied calls: %v %v", attrs, err)
	}
	topics, _ := e.topic.ListTopics(ctx, &sns.ListTopicsInput{})
	if len(topics.Topics) != 1 {
		t.Fatalf("topics after denied calls: %+v", topics.Topics)
	}
	subAttrs, _ := e.topic.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: &sub})
	if subAttrs.Attributes["RawMessageDelivery"] != "false" {
		t.Fatalf("subscription changed by a denied call: %v", subAttrs.Attributes)
	}
	if got := e.drain(t, "http://x/000000000000/guarded-q"); len(got) != 0 {
		t.Fatalf("denied Publish delivered %q", got)
	}
}
