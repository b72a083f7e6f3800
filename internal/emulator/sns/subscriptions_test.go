package sns

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

func TestSubscribeSQS(t *testing.T) {
	e := newEnv(t)
	arn := e.createTopic(t, "subs")
	_, qarn := e.createQueue(t, "subs-q", arn)
	sub := e.subscribe(t, arn, qarn, map[string]string{"RawMessageDelivery": "true"})
	if len(sub) <= len(arn)+1 || sub[:len(arn)+1] != arn+":" {
		t.Fatalf("SubscriptionArn = %s, want %s:<id>", sub, arn)
	}
	// The same endpoint again is the same subscription.
	if again := e.subscribe(t, arn, qarn, map[string]string{"RawMessageDelivery": "true"}); again != sub {
		t.Fatalf("resubscribe gave %s, want %s", again, sub)
	}
	if again := e.subscribe(t, arn, qarn, nil); again != sub {
		t.Fatalf("resubscribe without attributes gave %s, want %s", again, sub)
	}
	_, err := e.topic.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("sqs"), Endpoint: &qarn, Attributes: map[string]string{"RawMessageDelivery": "false"}})
	wantType[*types.InvalidParameterException](t, err)

	attrs, err := e.topic.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: &sub})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"SubscriptionArn": sub, "TopicArn": arn, "Owner": testAccount, "Protocol": "sqs", "Endpoint": qarn,
		"PendingConfirmation": "false", "ConfirmationWasAuthenticated": "true", "RawMessageDelivery": "true",
		"SubscriptionPrincipal": "arn:aws:iam::000000000000:user/admin", // the default administrator user
	}
	for k, v := range want {
		if attrs.Attributes[k] != v {
			t.Errorf("%s = %q, want %q", k, attrs.Attributes[k], v)
		}
	}
	set := func(name, value string) error {
		_, err := e.topic.SetSubscriptionAttributes(ctx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: &sub, AttributeName: &name, AttributeValue: &value})
		return err
	}
	if err := set("FilterPolicy", `{"amount":[{"numeric":[">",100]}]}`); err != nil {
		t.Fatal(err)
	}
	attrs, _ = e.topic.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: &sub})
	if attrs.Attributes["FilterPolicyScope"] != "MessageAttributes" || attrs.Attributes["FilterPolicy"] == "" {
		t.Fatalf("filter attributes: %v", attrs.Attributes)
	}
	wantType[*types.InvalidParameterException](t, set("RawMessageDelivery", "maybe"))
	wantType[*types.InvalidParameterException](t, set("FilterPolicy", `{"a":"not a list"}`))
	wantType[*types.InvalidParameterException](t, set("FilterPolicy", `{"a":{"nested":["x"]}}`))
	wantType[*types.InvalidParameterException](t, set("Bogus", "1"))

	topicAttrs, _ := e.topic.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
	if topicAttrs.Attributes["SubscriptionsConfirmed"] != "1" {
		t.Fatalf("SubscriptionsConfirmed = %s", topicAttrs.Attributes["SubscriptionsConfirmed"])
	}
	list, err := e.topic.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: &arn})
	if err != nil || len(list.Subscriptions) != 1 {
		t.Fatalf("ListSubscriptionsByTopic: %v %+v", err, list)
	}
	s := list.Subscriptions[0]
	if aws.ToString(s.SubscriptionArn) != sub || aws.ToString(s.Protocol) != "sqs" || aws.ToString(s.Endpoint) != qarn ||
		aws.ToString(s.TopicArn) != arn || aws.ToString(s.Owner) != testAccount {
		t.Fatalf("listed subscription = %+v", s)
	}

	if _, err := e.topic.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: &sub}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.topic.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: &sub}); err != nil {
		t.Fatalf("second Unsubscribe: %v", err)
	}
	_, err = e.topic.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: &sub})
	wantType[*types.NotFoundException](t, err)
	topicAttrs, _ = e.topic.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
	if topicAttrs.Attributes["SubscriptionsConfirmed"] != "0" || topicAttrs.Attributes["SubscriptionsDeleted"] != "1" {
		t.Fatalf("counts after unsubscribe: %v", topicAttrs.Attributes)
	}
	_, err = e.topic.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String("nonsense")})
	wantType[*types.InvalidParameterException](t, err)
}

func TestSubscribeValidationAndPending(t *testing.T) {
	e := newEnv(t)
	arn := e.createTopic(t, "v")
	cases := []struct{ protocol, endpoint string }{
		{"carrier-pigeon", "x"},
		{"sqs", "https://sqs.us-east-1.amazonaws.com/000000000000/q"},
		{"https", "http://example.com/hook"},
		{"lambda", "not-an-arn"},
	}
	for _, c := range cases {
		_, err := e.topic.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: &c.protocol, Endpoint: &c.endpoint})
		wantType[*types.InvalidParameterException](t, err)
	}
	missing := "arn:aws:sns:us-east-1:000000000000:missing"
	_, err := e.topic.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &missing, Protocol: aws.String("sqs"), Endpoint: aws.String("arn:aws:sqs:us-east-1:000000000000:q")})
	wantType[*types.NotFoundException](t, err)

	// HTTPS subscriptions wait for a confirmation that never comes here.
	out, err := e.topic.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("https"), Endpoint: aws.String("https://example.com/hook")})
	if err != nil || aws.ToString(out.SubscriptionArn) != "pending confirmation" {
		t.Fatalf("https subscribe: %v %v", out, err)
	}
	out, err = e.topic.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("https"), Endpoint: aws.String("https://example.com/hook"), ReturnSubscriptionArn: true})
	if err != nil || aws.ToString(out.SubscriptionArn) == "pending confirmation" {
		t.Fatalf("ReturnSubscriptionArn: %v %v", out, err)
	}
	list, err := e.topic.ListSubscriptions(ctx, &sns.ListSubscriptionsInput{})
	if err != nil || len(list.Subscriptions) != 1 || aws.ToString(list.Subscriptions[0].SubscriptionArn) != "PendingConfirmation" {
		t.Fatalf("pending subscription listing: %v %+v", err, list)
	}
	attrs, _ := e.topic.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
	if attrs.Attributes["SubscriptionsPending"] != "1" {
		t.Fatalf("SubscriptionsPending = %s", attrs.Attributes["SubscriptionsPending"])
	}
}
