package sns

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/orders-dev/orders/internal/emulator/sqs"
)

// envelopeKeys lists the top-level keys of a JSON object in document order.
func envelopeKeys(t *testing.T, body string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("envelope is not a JSON object: %q", body)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// verifySignature checks an envelope the way SNS's own verifiers do:
// download the certificate from SigningCertURL and check the signature over
// the canonical string.
func verifySignature(t *testing.T, env map[string]any) {
	t.Helper()
	resp, err := http.Get(env["SigningCertURL"].(string))
	if err != nil {
		t.Fatalf("fetch certificate: %v", err)
	}
	defer resp.Body.Close()
	pemBytes, _ := io.ReadAll(resp.Body)
	block, _ := pem.Decode(pemBytes)
	if resp.StatusCode != 200 || block == nil {
		t.Fatalf("certificate download: %d %q", resp.StatusCode, pemBytes)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, k := range []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"} {
		if v, ok := env[k]; ok {
			text.WriteString(k + "\n" + v.(string) + "\n")
		}
	}
	sig, err := base64.StdEncoding.DecodeString(env["Signature"].(string))
	if err != nil {
		t.Fatalf("Signature is not base64: %v", err)
	}
	pub := cert.PublicKey.(*rsa.PublicKey)
	if env["SignatureVersion"] == "2" {
		sum := sha256.Sum256([]byte(text.String()))
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
	} else {
		sum := sha1.Sum([]byte(text.String()))
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA1, sum[:], sig)
	}
	if err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
}

func TestPublishDeliversTheEnvelope(t *testing.T) {
	e := newEnv(t)
	topicARN := e.createTopic(t, "HighValueOrderTopic")
	qurl, qarn := e.createQueue(t, "HighValueQueue", topicARN)
	subARN := e.subscribe(t, topicARN, qarn, nil)

	message := `{"OrderId":"ORD-1001","Amount":250,"Note":"<b>&\"quoted\"</b>"}`
	before := time.Now().UTC().Truncate(time.Millisecond)
	out, err := e.topic.Publish(ctx, &sns.PublishInput{TopicArn: &topicARN, Message: &message, Subject: aws.String("High value order ORD-1001"),
		MessageAttributes: map[string]types.MessageAttributeValue{"amount": {DataType: aws.String("Number"), StringValue: aws.String("250")}}})
	if err != nil {
		t.Fatal(err)
	}
	msgID := aws.ToString(out.MessageId)
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(msgID) {
		t.Fatalf("MessageId %q is not a UUID", msgID)
	}
	// Delivery is synchronous: no wait needed.
	got, err := e.queue.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &qurl, MessageAttributeNames: []string{"All"}})
	if err != nil || len(got.Messages) != 1 {
		t.Fatalf("queue after Publish: %v %+v", err, got)
	}
	body := aws.ToString(got.Messages[0].Body)
	if len(got.Messages[0].MessageAttributes) != 0 {
		t.Fatalf("enveloped delivery carries SQS attributes: %+v", got.Messages[0].MessageAttributes)
	}
	if !strings.HasPrefix(body, "{\n  \"Type\" : \"Notification\",\n  \"MessageId\" : \""+msgID+"\",\n") || !strings.HasSuffix(body, "}\n}") {
		t.Fatalf("envelope layout differs from SNS's:\n%s", body)
	}
	keys := envelopeKeys(t, body)
	wantKeys := []string{"Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL", "MessageAttributes"}
	if strings.Join(keys, ",") != strings.Join(wantKeys, ",") {
		t.Fatalf("envelope keys = %v, want %v", keys, wantKeys)
	}
	var env map[string]any
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		t.Fatal(err)
	}
	checks := map[string]string{
		"Type": "Notification", "MessageId": msgID, "TopicArn": topicARN, "Subject": "High value order ORD-1001",
		"Message": message, "SignatureVersion": "1",
		"SigningCertURL": e.url + "/SimpleNotificationService-local.pem",
		"UnsubscribeURL": e.url + "/?Action=Unsubscribe&SubscriptionArn=" + subARN,
	}
	for k, v := range checks {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if !strings.Contains(body, `<b>&`) {
		t.Errorf("Message must be written without HTML escaping, as SNS does: %s", body)
	}
	ts, err := time.Parse("2006-01-02T15:04:05.000Z", env["Timestamp"].(string))
	if err != nil || ts.Before(before) {
		t.Errorf("Timestamp %v: %v", env["Timestamp"], err)
	}
	attrs, _ := json.Marshal(env["MessageAttributes"])
	if string(attrs) != `{"amount":{"Type":"Number","Value":"250"}}` {
		t.Errorf("MessageAttributes = %s", attrs)
	}
	verifySignature(t, env)

	// Without Subject and attributes, neither key appears.
	if _, err := e.topic.Publish(ctx, &sns.PublishInput{TopicArn: &topicARN, Message: aws.String("plain")}); err != nil {
		t.Fatal(err)
	}
	bodies := e.drain(t, qurl)
	plain := bodies[len(bodies)-1]
	keys = envelopeKeys(t, plain)
	if strings.Join(keys, ",") != "Type,MessageId,TopicArn,Message,Timestamp,SignatureVersion,Signature,SigningCertURL,UnsubscribeURL" {
		t.Fatalf("envelope keys without Subject/attributes = %v", keys)
	}
	env = nil
	if err := json.Unmarshal([]byte(plain), &env); err != nil {
		t.Fatal(err)
	}
	verifySignature(t, env)

	// SignatureVersion 2 signs with SHA256.
	if _, err := e.topic.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: &topicARN, AttributeName: aws.String("SignatureVersion"), AttributeValue: aws.String("2")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.topic.Publish(ctx, &sns.PublishInput{TopicArn: &topicARN, Message: aws.String("v2"), Subject: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	bodies = e.drain(t, qurl)
	env = nil
	if err := json.Unmarshal([]byte(bodies[0]), &env); err != nil {
		t.Fatal(err)
	}
	if env["SignatureVersion"] != "2" {
		t.Fatalf("SignatureVersion = %v", env["SignatureVersion"])
	}
	verifySignature(t, env)
}

func TestRawDeliveryCarriesAttributes(t *testing.T) {
	e := newEnv(t)
	topicARN := e.createTopic(t, "raw")
	qurl, qarn := e.createQueue(t, "raw-q", topicARN)
	e.subscribe(t, topicARN, qarn, map[string]string{"RawMessageDelivery": "true"})
	_, err := e.topic.Publish(ctx, &sns.PublishInput{TopicArn: &topicARN, Message: aws.String(`{"OrderId":"ORD-1"}`), Subject: aws.String("ignored"),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"amount": {DataType: aws.String("Number"), StringValue: aws.String("250.10")},
			"kind":   {DataType: aws.String("String"), StringValue: aws.String("order")},
			"blob":   {DataType: aws.String("Binary"), BinaryValue: []byte{9, 8, 7}},
			"tags":   {DataType: aws.String("String.Array"), StringValue: aws.String(`["a","b"]`)},
		}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.queue.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: &qurl, MessageAttributeNames: []string{"All"}})
	if err != nil || len(got.Messages) != 1 {
		t.Fatalf("receive: %v %+v", err, got)
	}
	m := got.Messages[0]
	if aws.ToString(m.Body) != `{"OrderId":"ORD-1"}` {
		t.Fatalf("raw body = %q", aws.ToString(m.Body))
	}
	a := m.MessageAttributes
	if aws.ToString(a["amount"].DataType) != "Number" || aws.ToString(a["amount"].StringValue) != "250.10" ||
		aws.ToString(a["kind"].StringValue) != "order" || string(a["blob"].BinaryValue) != "\x09\x08\x07" ||
		aws.ToString(a["tags"].DataType) != "String.Array" || aws.ToString(a["tags"].StringValue) != `["a","b"]` {
		t.Fatalf("raw attributes = %+v", a)
	}
	if m.MD5OfMessageAttributes == nil {
		t.Fatal("MD5OfMessageAttributes missing")
	}
}

func TestFilterPolicyRoutesMessages(t *testing.T) {
	e := newEnv(t)
	topicARN := e.createTopic(t, "filtered")
	type route struct {
		name, policy, scope string
	}
	routes := []route{
		{"high", `{"amount":[{"numeric":[">",100]}]}`, ""},
		{"eu", `{"region":["eu-west-1","eu-central-1"]}`, ""},
		{"not-test", `{"env":[{"anything-but":["test"]}]}`, ""},
		{"no-env", `{"env":[{"exists":false}]}`, ""},
		{"ord-prefix", `{"order":[{"prefix":"ORD-"}]}`, ""},
		{"body", `{"Amount":[{"numeric":[">=",500]}],"Customer":{"tier":["gold"]}}`, "MessageBody"},
	}
	urls := map[string]string{}
	for _, r := range routes {
		url, arn := e.createQueue(t, "f-"+r.name, topicARN)
		urls[r.name] = url
		attrs := map[string]string{"FilterPolicy": r.policy, "RawMessageDelivery": "true"}
		if r.scope != "" {
			attrs["FilterPolicyScope"] = r.scope
		}
		e.subscribe(t, topicARN, arn, attrs)
	}
	str := func(v string) types.MessageAttributeValue {
		return types.MessageAttributeValue{DataType: aws.String("String"), StringValue: aws.String(v)}
	}
	num := func(v string) types.MessageAttributeValue {
		return types.MessageAttributeValue{DataType: aws.String("Number"), StringValue: aws.String(v)}
	}
	publish := func(msg string, attrs map[string]types.MessageAttributeValue) {
		t.Helper()
		if _, err := e.topic.Publish(ctx, &sns.PublishInput{TopicArn: &topicARN, Message: &msg, MessageAttributes: attrs}); err != nil {
			t.Fatal(err)
		}
	}
	publish("m1", map[string]types.MessageAttributeValue{"amount": num("250"), "region": str("eu-west-1"), "env": str("prod")})
	publish("m2", map[string]types.MessageAttributeValue{"amount": num("99.99"), "env": str("test"), "order": str("ORD-2")})
	publish("m3", map[string]types.MessageAttributeValue{"amount": str("250"), "region": str("us-east-1")})
	publish(`{"Amount":750,"Customer":{"tier":"gold"}}`, nil)
	publish(`{"Amount":750,"Customer":{"tier":"silver"}}`, nil)

	want := map[string][]string{
		"high":       {"m1"}, // m3's amount is a String: numeric matching needs a Number
		"eu":         {"m1"},
		"not-test":   {"m1"}, // a missing env matches nothing but exists:false
		"no-env":     {"m3", `{"Amount":750,"Customer":{"tier":"gold"}}`, `{"Amount":750,"Customer":{"tier":"silver"}}`},
		"ord-prefix": {"m2"},
		"body":       {`{"Amount":750,"Customer":{"tier":"gold"}}`},
	}
	for name, bodies := range want {
		got := e.drain(t, urls[name])
		if strings.Join(got, "|") != strings.Join(bodies, "|") {
			t.Errorf("queue %s got %q, want %q", name, got, bodies)
		}
	}
}

func TestDeniedDeliveryIsDroppedAndLogged(t *testing.T) {
	e := start(t, envOptions{sqsOpts: sqs.Options{PolicyEvaluator: policyEvaluator{allow: false}}})
	topicARN := e.createTopic(t, "denied")
	qurl, qarn := e.createQueue(t, "denied-q", topicARN)
	subARN := e.subscribe(t, topicARN, qarn, nil)
	out, err := e.topic.Publish(ctx, &sns.PublishInput{TopicArn: &topicARN, Message: aws.String("never arrives")})
	if err != nil {
		t.Fatalf("a denied delivery must not fail the Publish: %v", err)
	}
	if got := e.drain(t, qurl); len(got) != 0 {
		t.Fatalf("denied delivery reached the queue: %q", got)
	}
	logs := e.logs.String()
	for _, want := range []string{"level=WARN", "sns delivery dropped", "topic=" + topicARN, "subscription=" + subARN, "messageId=" + aws.ToString(out.MessageId), "queue policy does not allow"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

func TestFailedDeliveryGoesToSubscriptionDeadLetterQueue(t *testing.T) {
	e := newEnv(t)
	topicARN := e.createTopic(t, "dlq-topic")
	dlqURL, dlqARN := e.createQueue(t, "sub-dlq", topicARN)
	missingQueue := "arn:aws:sqs:us-east-1:000000000000:never-created"
	e.subscribe(t, topicARN, missingQueue, map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + dlqARN + `"}`})
	if _, err := e.topic.Publish(ctx, &sns.PublishInput{TopicArn: &topicARN, Message: aws.String("rescued")}); err != nil {
		t.Fatal(err)
	}
	got := e.drain(t, dlqURL)
	if len(got) != 1 || !strings.Contains(got[0], `"Message" : "rescued"`) {
		t.Fatalf("dead-letter queue got %q", got)
	}
}

func TestPublishValidation(t *testing.T) {
	e := newEnv(t)
	topicARN := e.createTopic(t, "v")
	cases := []struct {
		in    *sns.PublishInput
		check func(error)
	}{
		{&sns.PublishInput{TopicArn: &topicARN, Message: aws.String("")}, func(err error) { wantType[*types.InvalidParameterException](t, err) }},
		{&sns.PublishInput{TopicArn: &topicARN, Message: aws.String(strings.Repeat("x", 262145))}, func(err error) { wantType[*types.InvalidParameterException](t, err) }},
		{&sns.PublishInput{TopicArn: &topicARN, Message: aws.String("x"), Subject: aws.String("line\nbreak")}, func(err error) { wantType[*types.InvalidParameterException](t, err) }},
		{&sns.PublishInput{TopicArn: &topicARN, Message: aws.String("x"), Subject: aws.String(strings.Repeat("s", 101))}, func(err error) { wantType[*types.InvalidParameterException](t, err) }},
		{&sns.PublishInput{TopicArn: &topicARN, Message: aws.String("x"), MessageStructure: aws.String("json")}, func(err error) { wantType[*types.InvalidParameterException](t, err) }},
		{&sns.PublishInput{TopicArn: &topicARN, Message: aws.String(`{"sqs":"x"}`), MessageStructure: aws.String("json")}, func(err error) { wantType[*types.InvalidParameterException](t, err) }},
		{&sns.PublishInput{TopicArn: &topicARN, Message: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{"a": {DataType: aws.String("Date"), StringValue: aws.String("x")}}},
			func(err error) {
				wantType[*types.InvalidParameterValueException](t, err)
				wantCode(t, err, "ParameterValueInvalid")
			}},
		{&sns.PublishInput{TopicArn: &topicARN, Message: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{"a": {DataType: aws.String("Number"), StringValue: aws.String("12abc")}}},
			func(err error) { wantType[*types.InvalidParameterValueException](t, err) }},
		{&sns.PublishInput{TopicArn: &topicARN, Message: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{"a": {DataType: aws.String("String"), StringValue: aws.String("")}}},
			func(err error) { wantType[*types.InvalidParameterValueException](t, err) }},
		{&sns.PublishInput{TopicArn: &topicARN, Message: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{"a": {DataType: aws.String("String.Array"), StringValue: aws.String("[not json")}}},
			func(err error) { wantType[*types.InvalidParameterValueException](t, err) }},
		{&sns.PublishInput{TopicArn: aws.String("arn:aws:sns:us-east-1:000000000000:missing"), Message: aws.String("x")}, func(err error) { wantType[*types.NotFoundException](t, err) }},
		{&sns.PublishInput{Message: aws.String("x")}, func(err error) { wantType[*types.InvalidParameterException](t, err) }},
		{&sns.PublishInput{TopicArn: aws.String("garbage"), Message: aws.String("x")}, func(err error) { wantType[*types.InvalidParameterException](t, err) }},
		{&sns.PublishInput{PhoneNumber: aws.String("+15555550100"), Message: aws.String("x")}, func(err error) { wantType[*types.InvalidParameterException](t, err) }},
	}
	for _, c := range cases {
		_, err := e.topic.Publish(ctx, c.in)
		c.check(err)
	}
}

func TestMessageStructureJSON(t *testing.T) {
	e := newEnv(t)
	topicARN := e.createTopic(t, "structured")
	qurl, qarn := e.createQueue(t, "structured-q", topicARN)
	e.subscribe(t, topicARN, qarn, map[string]string{"RawMessageDelivery": "true"})
	msg := `{"default":"for everyone","sqs":"for queues","email":"for people"}`
	if _, err := e.topic.Publish(ctx, &sns.PublishInput{TopicArn: &topicARN, Message: &msg, MessageStructure: aws.String("json")}); err != nil {
		t.Fatal(err)
	}
	if got := e.drain(t, qurl); len(got) != 1 || got[0] != "for queues" {
		t.Fatalf("structured delivery = %q", got)
	}
}

func TestPublishBatch(t *testing.T) {
	e := newEnv(t)
	topicARN := e.createTopic(t, "batch")
	qurl, qarn := e.createQueue(t, "batch-q", topicARN)
	e.subscribe(t, topicARN, qarn, map[string]string{"RawMessageDelivery": "true"})
	out, err := e.topic.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: &topicARN, PublishBatchRequestEntries: []types.PublishBatchRequestEntry{
		{Id: aws.String("one"), Message: aws.String("first")},
		{Id: aws.String("two"), Message: aws.String("second"), MessageAttributes: map[string]types.MessageAttributeValue{"n": {DataType: aws.String("Number"), StringValue: aws.String("2")}}},
		{Id: aws.String("bad"), Message: aws.String("x"), MessageAttributes: map[string]types.MessageAttributeValue{"n": {DataType: aws.String("Number"), StringValue: aws.String("two")}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Successful) != 2 || len(out.Failed) != 1 {
		t.Fatalf("PublishBatch: %+v", out)
	}
	if f := out.Failed[0]; aws.ToString(f.Id) != "bad" || aws.ToString(f.Code) != "ParameterValueInvalid" || !f.SenderFault {
		t.Fatalf("failed entry: %+v", f)
	}
	if got := e.drain(t, qurl); len(got) != 2 {
		t.Fatalf("batch delivered %q", got)
	}
	entry := func(id string) types.PublishBatchRequestEntry {
		return types.PublishBatchRequestEntry{Id: aws.String(id), Message: aws.String("m")}
	}
	_, err = e.topic.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: &topicARN, PublishBatchRequestEntries: []types.PublishBatchRequestEntry{}})
	wantType[*types.EmptyBatchRequestException](t, err)
	var eleven []types.PublishBatchRequestEntry
	for i := range 11 {
		eleven = append(eleven, entry(string(rune('a'+i))))
	}
	_, err = e.topic.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: &topicARN, PublishBatchRequestEntries: eleven})
	wantType[*types.TooManyEntriesInBatchRequestException](t, err)
	_, err = e.topic.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: &topicARN, PublishBatchRequestEntries: []types.PublishBatchRequestEntry{entry("a"), entry("a")}})
	wantType[*types.BatchEntryIdsNotDistinctException](t, err)
	_, err = e.topic.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: &topicARN, PublishBatchRequestEntries: []types.PublishBatchRequestEntry{entry("no spaces allowed")}})
	wantType[*types.InvalidBatchEntryIdException](t, err)
	big := strings.Repeat("x", 200_000)
	_, err = e.topic.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: &topicARN, PublishBatchRequestEntries: []types.PublishBatchRequestEntry{
		{Id: aws.String("a"), Message: &big}, {Id: aws.String("b"), Message: &big}}})
	wantType[*types.BatchRequestTooLongException](t, err)
}
