package sns

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// Behaviour pinned here is AWS's as the SNS API reference
// (https://docs.aws.amazon.com/sns/latest/api/) and recordings of real
// responses show it.

// PublishBatch names the offending id, and leaves out an empty list.
func TestPublishBatchIDsAndLists(t *testing.T) {
	e := newEnv(t)
	arn := e.createTopic(t, "batch")
	_, err := e.topic.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: &arn, PublishBatchRequestEntries: []types.PublishBatchRequestEntry{
		{Id: aws.String("ok"), Message: aws.String("m")}, {Id: aws.String("message.id"), Message: aws.String("m")}}})
	wantType[*types.InvalidBatchEntryIdException](t, err)
	if !contains(err.Error(), "The Id of a batch entry in the batch request contains an impermissible character: message.id") {
		t.Errorf("bad character: %v", err)
	}
	long := strings.Repeat("a", 81)
	_, err = e.topic.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: &arn, PublishBatchRequestEntries: []types.PublishBatchRequestEntry{
		{Id: aws.String(long), Message: aws.String("m")}}})
	wantType[*types.InvalidBatchEntryIdException](t, err)
	if !contains(err.Error(), "The Id of a batch entry in the batch request is too long: "+long) {
		t.Errorf("too long: %v", err)
	}
	// Repeated ids are found before bad ones.
	_, err = e.topic.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: &arn, PublishBatchRequestEntries: []types.PublishBatchRequestEntry{
		{Id: aws.String("a.b"), Message: aws.String("m")}, {Id: aws.String("a.b"), Message: aws.String("m")}}})
	wantType[*types.BatchEntryIdsNotDistinctException](t, err)

	out, err := e.topic.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: &arn, PublishBatchRequestEntries: []types.PublishBatchRequestEntry{
		{Id: aws.String("a"), Message: aws.String("m")}}})
	if err != nil || len(out.Successful) != 1 || out.Failed != nil {
		t.Fatalf("all published: %v %+v", err, out)
	}
}

// CreateTopic is idempotent: repeating it with tags the topic already
// carries (all or some) returns the topic; another tag or attribute value
// is InvalidParameter.
func TestCreateTopicRepeated(t *testing.T) {
	e := newEnv(t)
	tags := []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}}
	first, err := e.topic.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("again"), Tags: tags,
		Attributes: map[string]string{"DisplayName": "orders"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, again := range []*sns.CreateTopicInput{
		{Name: aws.String("again")},
		{Name: aws.String("again"), Tags: tags[1:]},
		{Name: aws.String("again"), Tags: []types.Tag{tags[1], tags[0]}, Attributes: map[string]string{"DisplayName": "orders"}},
	} {
		out, err := e.topic.CreateTopic(ctx, again)
		if err != nil || aws.ToString(out.TopicArn) != aws.ToString(first.TopicArn) {
			t.Fatalf("CreateTopic again %+v: %v", again, err)
		}
	}
	_, err = e.topic.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("again"), Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("other")}}})
	wantCode(t, err, "InvalidParameter")
	if !contains(err.Error(), "Invalid parameter: Tags Reason: Topic already exists with different tags") {
		t.Errorf("other tag: %v", err)
	}
	_, err = e.topic.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("again"), Attributes: map[string]string{"DisplayName": "other"}})
	wantCode(t, err, "InvalidParameter")
	if !contains(err.Error(), "Invalid parameter: Topic already exists with different attributes") {
		t.Errorf("other attribute: %v", err)
	}
	tagsNow, err := e.topic.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: first.TopicArn})
	if err != nil || len(tagsNow.Tags) != 2 {
		t.Fatalf("tags after repeats: %v %+v", err, tagsNow)
	}
}

// Subscribe repeated for the same endpoint is the same subscription when
// the attributes it names have the values the subscription has, defaults
// included (RawMessageDelivery false) and JSON compared by content.
func TestSubscribeRepeated(t *testing.T) {
	e := newEnv(t)
	arn := e.createTopic(t, "subs")
	_, queueARN := e.createQueue(t, "subs-q", arn)
	sub := e.subscribe(t, arn, queueARN, map[string]string{"FilterPolicy": `{"kind":["big"]}`})
	for _, attrs := range []map[string]string{
		{"RawMessageDelivery": "false"},
		{"FilterPolicy": `{ "kind" : [ "big" ] }`},
		{"FilterPolicyScope": "MessageAttributes"},
	} {
		out, err := e.topic.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("sqs"), Endpoint: &queueARN, Attributes: attrs, ReturnSubscriptionArn: true})
		if err != nil || aws.ToString(out.SubscriptionArn) != sub {
			t.Fatalf("Subscribe again with %v: %v", attrs, err)
		}
	}
	_, err := e.topic.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("sqs"), Endpoint: &queueARN,
		Attributes: map[string]string{"RawMessageDelivery": "true"}})
	wantCode(t, err, "InvalidParameter")
}

// A request's tags must have distinct keys.
func TestTagValidation(t *testing.T) {
	e := newEnv(t)
	arn := e.createTopic(t, "tagged")
	_, err := e.topic.TagResource(ctx, &sns.TagResourceInput{ResourceArn: &arn, Tags: []types.Tag{
		{Key: aws.String("k"), Value: aws.String("1")}, {Key: aws.String("k"), Value: aws.String("2")}}})
	wantCode(t, err, "InvalidParameter")
	_, err = e.topic.TagResource(ctx, &sns.TagResourceInput{ResourceArn: &arn, Tags: []types.Tag{{Key: aws.String(strings.Repeat("k", 129)), Value: aws.String("1")}}})
	wantCode(t, err, "InvalidParameter")
	_, err = e.topic.TagResource(ctx, &sns.TagResourceInput{ResourceArn: &arn, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String(strings.Repeat("v", 257))}}})
	wantCode(t, err, "InvalidParameter")
	many := make([]types.Tag, 51)
	for i := range many {
		many[i] = types.Tag{Key: aws.String(strings.Repeat("k", i+1)), Value: aws.String("v")}
	}
	_, err = e.topic.TagResource(ctx, &sns.TagResourceInput{ResourceArn: &arn, Tags: many})
	wantType[*types.TagLimitExceededException](t, err)
	out, err := e.topic.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: &arn})
	if err != nil || len(out.Tags) != 0 {
		t.Fatalf("refused tags were stored: %v %+v", err, out.Tags)
	}
}

// AddPermission adds a statement (Sid = label) to the topic's policy, the
// default one included; RemovePermission takes it out again.
func TestTopicPermissions(t *testing.T) {
	e := newEnv(t)
	arn := e.createTopic(t, "shared")
	if _, err := e.topic.AddPermission(ctx, &sns.AddPermissionInput{TopicArn: &arn, Label: aws.String("Cross"),
		AWSAccountId: []string{"111122223333"}, ActionName: []string{"Publish"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.topic.AddPermission(ctx, &sns.AddPermissionInput{TopicArn: &arn, Label: aws.String("Two"),
		AWSAccountId: []string{"111122223333", "444455556666"}, ActionName: []string{"Publish", "Subscribe"}}); err != nil {
		t.Fatal(err)
	}
	policy := func() map[string]any {
		out, err := e.topic.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
		if err != nil {
			t.Fatal(err)
		}
		var p map[string]any
		if err := json.Unmarshal([]byte(out.Attributes["Policy"]), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := policy()
	st := p["Statement"].([]any)
	if len(st) != 3 || st[0].(map[string]any)["Sid"] != "__default_statement_ID" || p["Id"] != "__default_policy_ID" {
		t.Fatalf("policy = %v", p)
	}
	got, _ := json.Marshal(st[1:])
	want := `[{"Action":"SNS:Publish","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Resource":"` + arn + `","Sid":"Cross"},` +
		`{"Action":["SNS:Publish","SNS:Subscribe"],"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root","arn:aws:iam::444455556666:root"]},"Resource":"` + arn + `","Sid":"Two"}]`
	if string(got) != want {
		t.Fatalf("statements =\n%s\nwant\n%s", got, want)
	}
	_, err := e.topic.AddPermission(ctx, &sns.AddPermissionInput{TopicArn: &arn, Label: aws.String("Cross"),
		AWSAccountId: []string{"111122223333"}, ActionName: []string{"Publish"}})
	wantCode(t, err, "InvalidParameter")
	if _, err := e.topic.AddPermission(ctx, &sns.AddPermissionInput{TopicArn: &arn, Label: aws.String("Lower"),
		AWSAccountId: []string{"111122223333"}, ActionName: []string{"publish"}}); err != nil {
		t.Fatal(err)
	}
	if st := policy()["Statement"].([]any); st[len(st)-1].(map[string]any)["Action"] != "SNS:publish" {
		t.Fatalf("an action is written as given: %v", st[len(st)-1])
	}
	if _, err := e.topic.RemovePermission(ctx, &sns.RemovePermissionInput{TopicArn: &arn, Label: aws.String("Lower")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.topic.AddPermission(ctx, &sns.AddPermissionInput{TopicArn: &arn, Label: aws.String("Bad"),
		AWSAccountId: []string{"111122223333"}, ActionName: []string{"CreateTopic"}})
	wantCode(t, err, "InvalidParameter")
	if _, err := e.topic.RemovePermission(ctx, &sns.RemovePermissionInput{TopicArn: &arn, Label: aws.String("Cross")}); err != nil {
		t.Fatal(err)
	}
	if st := policy()["Statement"].([]any); len(st) != 2 || st[1].(map[string]any)["Sid"] != "Two" {
		t.Fatalf("after RemovePermission: %v", st)
	}
	missing := arn + "-missing"
	_, err = e.topic.AddPermission(ctx, &sns.AddPermissionInput{TopicArn: &missing, Label: aws.String("X"),
		AWSAccountId: []string{"111122223333"}, ActionName: []string{"Publish"}})
	wantType[*types.NotFoundException](t, err)
}

// An http subscription is pending until the token SNS sent its endpoint in
// a SubscriptionConfirmation comes back through ConfirmSubscription,
// directly or by calling the SubscribeURL
// (https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.confirm.html).
func TestConfirmSubscription(t *testing.T) {
	e := newEnv(t)
	arn := e.createTopic(t, "web")
	type received struct {
		header http.Header
		body   map[string]string
	}
	got := make(chan received, 4)
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]string
		_ = json.Unmarshal(b, &m)
		got <- received{r.Header.Clone(), m}
	}))
	t.Cleanup(endpoint.Close)
	wait := func() received {
		select {
		case r := <-got:
			return r
		case <-time.After(30 * time.Second): // a failsafe, not a timing assertion
			t.Fatal("no SubscriptionConfirmation reached the endpoint")
		}
		return received{}
	}

	pending, err := e.topic.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("http"), Endpoint: aws.String(endpoint.URL + "/one")})
	if err != nil || aws.ToString(pending.SubscriptionArn) != "pending confirmation" {
		t.Fatalf("Subscribe http: %v %v", err, aws.ToString(pending.SubscriptionArn))
	}
	msg := wait()
	if msg.header.Get("x-amz-sns-message-type") != "SubscriptionConfirmation" || msg.body["Type"] != "SubscriptionConfirmation" ||
		msg.body["TopicArn"] != arn || msg.body["Token"] == "" || msg.body["Signature"] == "" ||
		!strings.Contains(msg.body["SubscribeURL"], "Action=ConfirmSubscription") {
		t.Fatalf("confirmation = %v %v", msg.header, msg.body)
	}
	// Signed as SNS signs a SubscriptionConfirmation (SignatureVersion 1:
	// SHA1withRSA over the fields' canonical text), with the certificate
	// the SigningCertURL serves.
	block, _ := pem.Decode([]byte(fetchCert(t, e.url)))
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, k := range []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"} {
		text.WriteString(k + "\n" + msg.body[k] + "\n")
	}
	sig, _ := base64.StdEncoding.DecodeString(msg.body["Signature"])
	if msg.body["SignatureVersion"] != "1" || msg.body["SigningCertURL"] != e.url+CertPath ||
		cert.CheckSignature(x509.SHA1WithRSA, []byte(text.String()), sig) != nil {
		t.Fatalf("confirmation signature does not verify: %v", msg.body)
	}
	_, err = e.topic.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: &arn, Token: aws.String("not-the-token")})
	wantCode(t, err, "InvalidParameter")
	confirmed, err := e.topic.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: &arn, Token: aws.String(msg.body["Token"])})
	if err != nil || !strings.HasPrefix(aws.ToString(confirmed.SubscriptionArn), arn+":") {
		t.Fatalf("ConfirmSubscription: %v %v", err, confirmed)
	}
	attrs, err := e.topic.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: confirmed.SubscriptionArn})
	if err != nil || attrs.Attributes["PendingConfirmation"] != "false" {
		t.Fatalf("after confirmation: %v %v", err, attrs.Attributes)
	}

	// The SubscribeURL confirms too: a plain GET, as a browser or an
	// endpoint's handler makes it.
	if _, err := e.topic.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("http"), Endpoint: aws.String(endpoint.URL + "/two")}); err != nil {
		t.Fatal(err)
	}
	msg = wait()
	resp, err := http.Get(msg.body["SubscribeURL"])
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<ConfirmSubscriptionResult><SubscriptionArn>"+arn+":") {
		t.Fatalf("GET SubscribeURL: %d %s", resp.StatusCode, body)
	}
	list, err := e.topic.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list.Subscriptions {
		if aws.ToString(s.SubscriptionArn) == "PendingConfirmation" || aws.ToString(s.SubscriptionArn) == "pending confirmation" {
			t.Fatalf("a confirmed subscription is still pending: %+v", list.Subscriptions)
		}
	}
}

// A pending subscription's token and a policy AddPermission wrote survive
// a restart: the confirmation can come after it.
func TestRestartKeepsPendingTokenAndPermission(t *testing.T) {
	dir := t.TempDir()
	st1 := openStore(t, dir)
	e := start(t, envOptions{st: st1})
	arn := e.createTopic(t, "kept")
	tokens := make(chan string, 1)
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]string
		_ = json.NewDecoder(r.Body).Decode(&m)
		tokens <- m["Token"]
	}))
	t.Cleanup(endpoint.Close)
	if _, err := e.topic.Subscribe(ctx, &sns.SubscribeInput{TopicArn: &arn, Protocol: aws.String("http"), Endpoint: aws.String(endpoint.URL)}); err != nil {
		t.Fatal(err)
	}
	var token string
	select {
	case token = <-tokens:
	case <-time.After(30 * time.Second): // a failsafe, not a timing assertion
		t.Fatal("no SubscriptionConfirmation reached the endpoint")
	}
	if _, err := e.topic.AddPermission(ctx, &sns.AddPermissionInput{TopicArn: &arn, Label: aws.String("Kept"),
		AWSAccountId: []string{"111122223333"}, ActionName: []string{"Publish"}}); err != nil {
		t.Fatal(err)
	}
	if err := st1.Close(); err != nil {
		t.Fatal(err)
	}
	e = start(t, envOptions{st: openStore(t, dir)})
	out, err := e.topic.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: &arn, Token: &token})
	if err != nil || !strings.HasPrefix(aws.ToString(out.SubscriptionArn), arn+":") {
		t.Fatalf("confirm after restart: %v", err)
	}
	attrs, err := e.topic.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
	if err != nil || !strings.Contains(attrs.Attributes["Policy"], `"Sid":"Kept"`) || attrs.Attributes["SubscriptionsConfirmed"] != "1" {
		t.Fatalf("topic after restart: %v %v", err, attrs.Attributes)
	}
}

// An operation the model gives no output shape is answered with
// ResponseMetadata alone; one with an empty output shape (TagResource)
// with an empty result element.
func TestAnswersWithoutOutputShape(t *testing.T) {
	e := newEnv(t)
	arn := e.createTopic(t, "bare")
	post := func(form string) string {
		req, _ := http.NewRequest(http.MethodPost, e.url+"/", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		sum := sha256.Sum256([]byte(form))
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, req,
			hex.EncodeToString(sum[:]), "sns", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", form, resp.StatusCode, b)
		}
		return string(b)
	}
	topic := "&TopicArn=" + strings.ReplaceAll(arn, ":", "%3A")
	if body := post("Action=SetTopicAttributes&AttributeName=DisplayName&AttributeValue=x" + topic); strings.Contains(body, "SetTopicAttributesResult") ||
		!strings.Contains(body, "<ResponseMetadata><RequestId>") {
		t.Errorf("SetTopicAttributes: %s", body)
	}
	if body := post("Action=TagResource&Tags.member.1.Key=k&Tags.member.1.Value=v&ResourceArn=" + strings.ReplaceAll(arn, ":", "%3A")); !strings.Contains(body, "<TagResourceResult>") {
		t.Errorf("TagResource: %s", body)
	}
	if body := post("Action=DeleteTopic" + topic); strings.Contains(body, "DeleteTopicResult") {
		t.Errorf("DeleteTopic: %s", body)
	}
}
