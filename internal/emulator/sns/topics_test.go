package sns

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

func TestCreateTopicIsIdempotent(t *testing.T) {
	e := newEnv(t)
	in := &sns.CreateTopicInput{Name: aws.String("HighValueOrderTopic"), Attributes: map[string]string{"DisplayName": "Orders"},
		Tags: []types.Tag{{Key: aws.String("orders:stack"), Value: aws.String("orders")}}}
	out, err := e.topic.CreateTopic(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.TopicArn)
	if arn != "arn:aws:sns:us-east-1:000000000000:HighValueOrderTopic" {
		t.Fatalf("TopicArn = %s", arn)
	}
	again, err := e.topic.CreateTopic(ctx, in)
	if err != nil || aws.ToString(again.TopicArn) != arn {
		t.Fatalf("second CreateTopic: %v %v", again, err)
	}
	if got := e.createTopic(t, "HighValueOrderTopic"); got != arn {
		t.Fatalf("CreateTopic without attributes = %s", got)
	}
	_, err = e.topic.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("HighValueOrderTopic"), Attributes: map[string]string{"DisplayName": "Other"}})
	wantType[*types.InvalidParameterException](t, err)
	_, err = e.topic.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("HighValueOrderTopic"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	wantType[*types.InvalidParameterException](t, err)

	for _, name := range []string{"has space", "x.fifo", string(make([]byte, 257))} {
		_, err := e.topic.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(name)})
		wantType[*types.InvalidParameterException](t, err)
		wantCode(t, err, "InvalidParameter")
	}
	_, err = e.topic.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("t2"), Attributes: map[string]string{"Bogus": "1"}})
	wantType[*types.InvalidParameterException](t, err)
}

func TestTopicAttributes(t *testing.T) {
	e := newEnv(t)
	arn := e.createTopic(t, "attrs")
	out, err := e.topic.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"TopicArn": arn, "Owner": testAccount, "DisplayName": "",
		"SubscriptionsConfirmed": "0", "SubscriptionsPending": "0", "SubscriptionsDeleted": "0",
		"Policy":                  `{"Version":"2008-10-17","Id":"__default_policy_ID","Statement":[{"Sid":"__default_statement_ID","Effect":"Allow","Principal":{"AWS":"*"},"Action":["SNS:GetTopicAttributes","SNS:SetTopicAttributes","SNS:AddPermission","SNS:RemovePermission","SNS:DeleteTopic","SNS:Subscribe","SNS:ListSubscriptionsByTopic","SNS:Publish"],"Resource":"arn:aws:sns:us-east-1:000000000000:attrs","Condition":{"StringEquals":{"AWS:SourceOwner":"000000000000"}}}]}`,
		"EffectiveDeliveryPolicy": defaultEffectiveDeliveryPolicy,
	}
	for k, v := range want {
		got, ok := out.Attributes[k]
		if !ok || got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	set := func(name, value string) error {
		_, err := e.topic.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: &arn, AttributeName: &name, AttributeValue: &value})
		return err
	}
	if err := set("DisplayName", "Orders"); err != nil {
		t.Fatal(err)
	}
	policy := `{"Version":"2012-10-17","Statement":[]}`
	if err := set("Policy", policy); err != nil {
		t.Fatal(err)
	}
	if err := set("SignatureVersion", "2"); err != nil {
		t.Fatal(err)
	}
	out, _ = e.topic.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
	if out.Attributes["DisplayName"] != "Orders" || out.Attributes["Policy"] != policy || out.Attributes["SignatureVersion"] != "2" {
		t.Fatalf("after SetTopicAttributes: %v", out.Attributes)
	}
	wantType[*types.InvalidParameterException](t, set("SignatureVersion", "3"))
	wantType[*types.InvalidParameterException](t, set("Policy", "{nope"))
	wantType[*types.InvalidParameterException](t, set("NoSuchAttribute", "x"))
	missing := "arn:aws:sns:us-east-1:000000000000:missing"
	_, err = e.topic.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &missing})
	wantType[*types.NotFoundException](t, err)
	_, err = e.topic.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String("not-an-arn")})
	wantType[*types.InvalidParameterException](t, err)
}

func TestListTopicsPaginates(t *testing.T) {
	e := newEnv(t)
	for i := range 105 {
		e.createTopic(t, fmt.Sprintf("topic-%03d", i))
	}
	var all []string
	p := sns.NewListTopicsPaginator(e.topic, &sns.ListTopicsInput{})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, tp := range out.Topics {
			all = append(all, aws.ToString(tp.TopicArn))
		}
	}
	if len(all) != 105 || pages != 2 {
		t.Fatalf("listed %d topics in %d pages, want 105 in 2", len(all), pages)
	}
	seen := map[string]bool{}
	for _, a := range all {
		if seen[a] {
			t.Fatalf("topic %s listed twice", a)
		}
		seen[a] = true
	}
}

func TestDeleteTopicRemovesSubscriptions(t *testing.T) {
	e := newEnv(t)
	arn := e.createTopic(t, "doomed")
	_, qarn := e.createQueue(t, "doomed-q", arn)
	e.subscribe(t, arn, qarn, nil)
	if _, err := e.topic.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: &arn}); err != nil {
		t.Fatal(err)
	}
	// Deleting it again is not an error, as on AWS.
	if _, err := e.topic.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: &arn}); err != nil {
		t.Fatalf("second DeleteTopic: %v", err)
	}
	subs, err := e.topic.ListSubscriptions(ctx, &sns.ListSubscriptionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(subs.Subscriptions) != 0 {
		t.Fatalf("subscriptions left after DeleteTopic: %+v", subs.Subscriptions)
	}
	_, err = e.topic.Publish(ctx, &sns.PublishInput{TopicArn: &arn, Message: aws.String("x")})
	wantType[*types.NotFoundException](t, err)
}

func TestTags(t *testing.T) {
	e := newEnv(t)
	arn := e.createTopic(t, "tagged")
	tags := []types.Tag{{Key: aws.String("orders:stack"), Value: aws.String("orders")}, {Key: aws.String("env"), Value: aws.String("dev")}}
	if _, err := e.topic.TagResource(ctx, &sns.TagResourceInput{ResourceArn: &arn, Tags: tags}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.topic.TagResource(ctx, &sns.TagResourceInput{ResourceArn: &arn, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.topic.UntagResource(ctx, &sns.UntagResourceInput{ResourceArn: &arn, TagKeys: []string{"nope"}}); err != nil {
		t.Fatal(err)
	}
	out, err := e.topic.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tg := range out.Tags {
		got[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	if len(got) != 2 || got["orders:stack"] != "orders" || got["env"] != "prod" {
		t.Fatalf("tags = %v", got)
	}
	if _, err := e.topic.UntagResource(ctx, &sns.UntagResourceInput{ResourceArn: &arn, TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	out, _ = e.topic.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: &arn})
	if len(out.Tags) != 1 {
		t.Fatalf("tags after untag: %+v", out.Tags)
	}
	var many []types.Tag
	for i := range 50 {
		many = append(many, types.Tag{Key: aws.String(fmt.Sprint("k", i)), Value: aws.String("v")})
	}
	_, err = e.topic.TagResource(ctx, &sns.TagResourceInput{ResourceArn: &arn, Tags: many})
	wantType[*types.TagLimitExceededException](t, err)
	missing := "arn:aws:sns:us-east-1:000000000000:missing"
	_, err = e.topic.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: &missing})
	wantType[*types.ResourceNotFoundException](t, err)
}

func TestTopicsArePerRegion(t *testing.T) {
	e := newEnv(t)
	arn := e.createTopic(t, "regional")
	opts := e.topic.Options()
	opts.Region = "eu-west-1"
	eu := sns.New(opts)
	list, err := eu.ListTopics(ctx, &sns.ListTopicsInput{})
	if err != nil || len(list.Topics) != 0 {
		t.Fatalf("eu-west-1 lists us-east-1 topics: %v %+v", err, list)
	}
	_, err = eu.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
	wantType[*types.InvalidParameterException](t, err)
	out, err := eu.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("regional")})
	if err != nil || aws.ToString(out.TopicArn) != "arn:aws:sns:eu-west-1:000000000000:regional" {
		t.Fatalf("CreateTopic in eu-west-1: %v %v", out, err)
	}
}
