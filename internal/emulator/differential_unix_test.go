//go:build unix

package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/orders-dev/orders/internal/emulator/emutest"
)

// The differential test runs one scenario — the pipeline's resources and
// data path — through the real aws-sdk-go-v2 clients against a fresh
// moto_server and against the emulator, and compares what each answered.
//
// Observations fall in three groups:
//   - faithful: moto agrees with AWS here, so the emulator must agree with moto;
//   - aws: moto is known to differ from AWS; the emulator must give AWS's
//     documented answer (wantAWS), and moto's answer is only logged;
//   - anything else is recorded for the log, not compared (ids, timestamps).

// observations maps a name to a canonical JSON value, with the account id
// and the endpoint replaced by placeholders so the two runs compare.
type observations map[string]string

type recorder struct {
	t        *testing.T
	account  string
	endpoint string
	obs      observations
}

func (r *recorder) put(name string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		r.t.Fatalf("record %s: %v", name, err)
	}
	s := strings.ReplaceAll(string(b), r.account, "ACCOUNT")
	s = strings.ReplaceAll(s, strings.TrimPrefix(r.endpoint, "http://"), "ENDPOINT")
	r.obs[name] = s
}

// putErr records an operation's outcome: its error code, or "ok".
func (r *recorder) putErr(name string, err error) {
	if err == nil {
		r.put(name, "ok")
		return
	}
	code := errorCode(err)
	if code == "" {
		code = "non-API error: " + err.Error()
	}
	r.put(name, code)
}

// must fails the test on an error the scenario cannot go on without.
func (r *recorder) must(what string, err error) {
	r.t.Helper()
	if err != nil {
		r.t.Fatalf("%s against %s: %v", what, r.endpoint, err)
	}
}

func ddbItemJSON(item map[string]ddbtypes.AttributeValue) map[string]any {
	out := map[string]any{}
	for k, v := range item {
		out[k] = ddbValueJSON(v)
	}
	return out
}

// ddbValueJSON is a canonical form of an attribute value (sets sorted).
func ddbValueJSON(v ddbtypes.AttributeValue) any {
	switch v := v.(type) {
	case *ddbtypes.AttributeValueMemberS:
		return map[string]any{"S": v.Value}
	case *ddbtypes.AttributeValueMemberN:
		return map[string]any{"N": v.Value}
	case *ddbtypes.AttributeValueMemberB:
		return map[string]any{"B": v.Value}
	case *ddbtypes.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": v.Value}
	case *ddbtypes.AttributeValueMemberNULL:
		return map[string]any{"NULL": v.Value}
	case *ddbtypes.AttributeValueMemberSS:
		s := append([]string(nil), v.Value...)
		sort.Strings(s)
		return map[string]any{"SS": s}
	case *ddbtypes.AttributeValueMemberNS:
		s := append([]string(nil), v.Value...)
		sort.Strings(s)
		return map[string]any{"NS": s}
	case *ddbtypes.AttributeValueMemberBS:
		s := make([]string, len(v.Value))
		for i, b := range v.Value {
			s[i] = string(b)
		}
		sort.Strings(s)
		return map[string]any{"BS": s}
	case *ddbtypes.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			l[i] = ddbValueJSON(e)
		}
		return map[string]any{"L": l}
	case *ddbtypes.AttributeValueMemberM:
		return map[string]any{"M": ddbItemJSON(v.Value)}
	}
	return fmt.Sprintf("unknown %T", v)
}

// decodePolicy reads an IAM document as IAM returns it (URL-encoded) or as
// moto does (sometimes plain JSON).
func decodePolicy(doc string) any {
	if !strings.HasPrefix(strings.TrimSpace(doc), "{") {
		if d, err := url.QueryUnescape(doc); err == nil {
			doc = d
		}
	}
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return "undecodable: " + doc
	}
	return v
}

// runScenario drives cfg's endpoint through the scenario and returns what
// it observed.
func runScenario(t *testing.T, cfg aws.Config) observations {
	ctx := context.Background()
	endpoint := aws.ToString(cfg.BaseEndpoint)
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity at %s: %v", endpoint, err)
	}
	r := &recorder{t: t, account: aws.ToString(id.Account), endpoint: endpoint, obs: observations{}}
	r.put("sts.Account.is12digits", accountRE.MatchString(aws.ToString(id.Account)))

	scenarioDynamoDB(ctx, r, dynamodb.NewFromConfig(cfg))
	queueURL, queueARN := scenarioSQS(ctx, r, sqs.NewFromConfig(cfg))
	scenarioSNS(ctx, r, sns.NewFromConfig(cfg), sqs.NewFromConfig(cfg), queueURL, queueARN)
	scenarioIAM(ctx, r, iam.NewFromConfig(cfg))
	scenarioLogs(ctx, r, cloudwatchlogs.NewFromConfig(cfg))
	return r.obs
}

func scenarioDynamoDB(ctx context.Context, r *recorder, c *dynamodb.Client) {
	r.must("CreateTable", createOrdersTable(ctx, c))
	w := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 100 * time.Millisecond })
	r.must("wait for the table", w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("OrdersTable")}, time.Minute))
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("OrdersTable")})
	r.must("DescribeTable", err)
	tb := d.Table
	r.put("ddb.describe.TableName", tb.TableName)
	r.put("ddb.describe.TableStatus", tb.TableStatus)
	r.put("ddb.describe.TableArn", tb.TableArn)
	r.put("ddb.describe.KeySchema", tb.KeySchema)
	r.put("ddb.describe.AttributeDefinitions", tb.AttributeDefinitions)
	r.put("ddb.describe.BillingMode", tb.BillingModeSummary.BillingMode)
	r.put("ddb.describe.ItemCount", tb.ItemCount)
	lt, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
	r.must("ListTables", err)
	r.put("ddb.ListTables", lt.TableNames)

	item := map[string]ddbtypes.AttributeValue{
		"OrderId": &ddbtypes.AttributeValueMemberS{Value: "ORD-1001"},
		"Amount":  &ddbtypes.AttributeValueMemberN{Value: "250.75"},
		"Big":     &ddbtypes.AttributeValueMemberN{Value: "98765432109876543210.123456789"},
		"Bin":     &ddbtypes.AttributeValueMemberB{Value: []byte{0, 1, 255}},
		"Flag":    &ddbtypes.AttributeValueMemberBOOL{Value: true},
		"Nothing": &ddbtypes.AttributeValueMemberNULL{Value: true},
		"SS":      &ddbtypes.AttributeValueMemberSS{Value: []string{"b", "a"}},
		"NS":      &ddbtypes.AttributeValueMemberNS{Value: []string{"2", "1.5"}},
		"BS":      &ddbtypes.AttributeValueMemberBS{Value: [][]byte{{2}, {1}}},
		"L":       &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{&ddbtypes.AttributeValueMemberS{Value: "x"}, &ddbtypes.AttributeValueMemberN{Value: "1"}}},
		"M":       &ddbtypes.AttributeValueMemberM{Value: map[string]ddbtypes.AttributeValue{"k": &ddbtypes.AttributeValueMemberS{Value: "v"}}},
	}
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("OrdersTable"), Item: item,
		ConditionExpression: aws.String("attribute_not_exists(OrderId)")})
	r.must("PutItem", err)
	got, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("OrdersTable"), ConsistentRead: aws.Bool(true),
		Key: map[string]ddbtypes.AttributeValue{"OrderId": &ddbtypes.AttributeValueMemberS{Value: "ORD-1001"}}})
	r.must("GetItem", err)
	r.put("ddb.GetItem.Item", ddbItemJSON(got.Item))

	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("OrdersTable"),
		Item:                                map[string]ddbtypes.AttributeValue{"OrderId": &ddbtypes.AttributeValueMemberS{Value: "ORD-1001"}},
		ConditionExpression:                 aws.String("attribute_not_exists(OrderId)"),
		ReturnValuesOnConditionCheckFailure: ddbtypes.ReturnValuesOnConditionCheckFailureAllOld})
	r.putErr("ddb.PutItem.conditionFails", err)
	var ccf *ddbtypes.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		r.put("ddb.PutItem.conditionFails.Item", ddbItemJSON(ccf.Item))
	}

	up, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("OrdersTable"),
		Key:                       map[string]ddbtypes.AttributeValue{"OrderId": &ddbtypes.AttributeValueMemberS{Value: "ORD-1001"}},
		UpdateExpression:          aws.String("SET #s = :s ADD Amount :inc REMOVE Nothing"),
		ConditionExpression:       aws.String("Amount > :min AND attribute_exists(Flag)"),
		ExpressionAttributeNames:  map[string]string{"#s": "Status"},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":s": &ddbtypes.AttributeValueMemberS{Value: "NOTIFIED"}, ":inc": &ddbtypes.AttributeValueMemberN{Value: "0.25"}, ":min": &ddbtypes.AttributeValueMemberN{Value: "100"}},
		ReturnValues:              ddbtypes.ReturnValueUpdatedNew})
	r.must("UpdateItem", err)
	r.put("ddb.UpdateItem.UpdatedNew", ddbItemJSON(up.Attributes))

	for i := range 5 {
		r.must("PutItem", putOrder(ctx, c, fmt.Sprintf("ORD-%d", i), fmt.Sprint(i)))
	}
	q, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("OrdersTable"), KeyConditionExpression: aws.String("OrderId = :id"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":id": &ddbtypes.AttributeValueMemberS{Value: "ORD-3"}}})
	r.must("Query", err)
	r.put("ddb.Query.Count", q.Count)
	r.put("ddb.Query.Items", []any{ddbItemJSON(q.Items[0])})
	var ids []string
	pages := 0
	p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String("OrdersTable"), Limit: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		r.must("Scan", err)
		pages++
		for _, it := range page.Items {
			ids = append(ids, it["OrderId"].(*ddbtypes.AttributeValueMemberS).Value)
		}
	}
	sort.Strings(ids)
	r.put("ddb.Scan.ids", ids)
	r.put("ddb.Scan.pagesAtLeast3", pages >= 3)

	_, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Missing")})
	r.putErr("ddb.DescribeTable.missing", err)
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("OrdersTable"),
		Item: map[string]ddbtypes.AttributeValue{"Amount": &ddbtypes.AttributeValueMemberN{Value: "1"}}})
	r.putErr("ddb.PutItem.missingKey", err)
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("OrdersTable"),
		Item: map[string]ddbtypes.AttributeValue{"OrderId": &ddbtypes.AttributeValueMemberN{Value: "1"}}})
	r.putErr("ddb.PutItem.wrongKeyType", err)
	_, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("OrdersTable"),
		Key: map[string]ddbtypes.AttributeValue{"OrderId": &ddbtypes.AttributeValueMemberN{Value: "1"}}})
	r.putErr("ddb.GetItem.wrongKeyType", err)
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("OrdersTable"),
		Item: map[string]ddbtypes.AttributeValue{"OrderId": &ddbtypes.AttributeValueMemberS{Value: ""}}})
	r.putErr("ddb.PutItem.emptyKey", err)
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("OrdersTable"),
		Item: map[string]ddbtypes.AttributeValue{"OrderId": &ddbtypes.AttributeValueMemberS{Value: "big"},
			"Blob": &ddbtypes.AttributeValueMemberS{Value: strings.Repeat("x", 400*1024)}}})
	r.putErr("ddb.PutItem.over400KB", err)
}

func scenarioSQS(ctx context.Context, r *recorder, c *sqs.Client) (string, string) {
	out, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("HighValueQueue")})
	r.must("CreateQueue", err)
	url := aws.ToString(out.QueueUrl)
	r.put("sqs.CreateQueue.QueueUrl.path", url[strings.LastIndex(url[:strings.LastIndex(url, "/")], "/"):])
	again, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("HighValueQueue")})
	r.must("CreateQueue again", err)
	r.put("sqs.CreateQueue.sameURL", aws.ToString(again.QueueUrl) == url)
	_, err = c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("HighValueQueue"), Attributes: map[string]string{"VisibilityTimeout": "7"}})
	r.putErr("sqs.CreateQueue.differentAttributes", err)
	_, err = c.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("Missing")})
	r.putErr("sqs.GetQueueUrl.missing", err)

	attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	r.must("GetQueueAttributes", err)
	for _, k := range []string{"QueueArn", "VisibilityTimeout", "MessageRetentionPeriod", "MaximumMessageSize", "DelaySeconds",
		"ReceiveMessageWaitTimeSeconds", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
		"SqsManagedSseEnabled"} {
		r.put("sqs.attributes."+k, attrs.Attributes[k])
	}
	_, err = c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(url), Attributes: map[string]string{"VisibilityTimeout": "45"}})
	r.must("SetQueueAttributes", err)
	vt, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{"VisibilityTimeout"}})
	r.must("GetQueueAttributes", err)
	r.put("sqs.attributes.afterSet", vt.Attributes)

	sent, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(`{"OrderId":"ORD-1001","note":"héllo ✓"}`),
		MessageAttributes: map[string]sqstypes.MessageAttributeValue{
			"amount": {DataType: aws.String("Number"), StringValue: aws.String("250")},
			"kind":   {DataType: aws.String("String"), StringValue: aws.String("order")},
			"raw":    {DataType: aws.String("Binary"), BinaryValue: []byte{0, 1, 2}},
		}})
	r.must("SendMessage", err)
	r.put("sqs.SendMessage.MD5OfMessageBody", sent.MD5OfMessageBody)
	r.put("sqs.SendMessage.MD5OfMessageAttributes", sent.MD5OfMessageAttributes)
	rec, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 1,
		MessageAttributeNames:       []string{"All"},
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameApproximateReceiveCount}})
	r.must("ReceiveMessage", err)
	if len(rec.Messages) != 1 {
		r.t.Fatalf("ReceiveMessage at %s: %d messages, want 1", r.endpoint, len(rec.Messages))
	}
	m := rec.Messages[0]
	r.put("sqs.ReceiveMessage.Body", m.Body)
	r.put("sqs.ReceiveMessage.MD5OfBody", m.MD5OfBody)
	r.put("sqs.ReceiveMessage.MD5OfMessageAttributes", m.MD5OfMessageAttributes)
	r.put("sqs.ReceiveMessage.MessageAttributes", m.MessageAttributes)
	r.put("sqs.ReceiveMessage.sameMessageId", aws.ToString(m.MessageId) == aws.ToString(sent.MessageId))
	r.put("sqs.ReceiveMessage.Attributes", m.Attributes)
	_, err = c.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle})
	r.putErr("sqs.DeleteMessage", err)
	batch, err := c.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(url), Entries: []sqstypes.SendMessageBatchRequestEntry{
		{Id: aws.String("a"), MessageBody: aws.String("x")}, {Id: aws.String("b"), MessageBody: aws.String("y")}}})
	r.must("SendMessageBatch", err)
	r.put("sqs.SendMessageBatch.counts", []int{len(batch.Successful), len(batch.Failed)})
	_, err = c.PurgeQueue(ctx, &sqs.PurgeQueueInput{QueueUrl: aws.String(url)})
	r.putErr("sqs.PurgeQueue", err)
	return url, attrs.Attributes["QueueArn"]
}

func scenarioSNS(ctx context.Context, r *recorder, c *sns.Client, q *sqs.Client, queueURL, queueARN string) {
	tp, err := c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("HighValueOrderTopic")})
	r.must("CreateTopic", err)
	topic := aws.ToString(tp.TopicArn)
	r.put("sns.CreateTopic.TopicArn", topic)
	again, err := c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("HighValueOrderTopic")})
	r.must("CreateTopic again", err)
	r.put("sns.CreateTopic.idempotent", aws.ToString(again.TopicArn) == topic)
	ta, err := c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(topic)})
	r.must("GetTopicAttributes", err)
	for _, k := range []string{"TopicArn", "Owner", "DisplayName", "SubscriptionsConfirmed", "SubscriptionsPending", "SubscriptionsDeleted"} {
		r.put("sns.attributes."+k, ta.Attributes[k])
	}
	r.put("sns.attributes.Policy", decodePolicy(ta.Attributes["Policy"]))
	_, err = c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String(topic + "-missing")})
	r.putErr("sns.GetTopicAttributes.missing", err)

	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"` +
		queueARN + `","Condition":{"ArnEquals":{"aws:SourceArn":"` + topic + `"}}}]}`
	_, err = q.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(queueURL), Attributes: map[string]string{"Policy": policy}})
	r.must("SetQueueAttributes Policy", err)
	sub, err := c.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(topic), Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN), ReturnSubscriptionArn: true})
	r.must("Subscribe", err)
	r.put("sns.Subscribe.arnUnderTopic", strings.HasPrefix(aws.ToString(sub.SubscriptionArn), topic+":"))
	subs, err := c.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(topic)})
	r.must("ListSubscriptionsByTopic", err)
	var listed []string
	for _, s := range subs.Subscriptions {
		listed = append(listed, aws.ToString(s.Protocol)+" "+aws.ToString(s.Endpoint)+" "+aws.ToString(s.Owner))
	}
	r.put("sns.ListSubscriptionsByTopic", listed)
	sa, err := c.GetSubscriptionAttributes(ctx, &sns.GetSubscriptionAttributesInput{SubscriptionArn: sub.SubscriptionArn})
	r.must("GetSubscriptionAttributes", err)
	for _, k := range []string{"Protocol", "Endpoint", "TopicArn", "RawMessageDelivery", "PendingConfirmation", "ConfirmationWasAuthenticated"} {
		r.put("sns.subscription."+k, sa.Attributes[k])
	}

	pub, err := c.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String(`{"OrderId":"ORD-1001","Amount":"250"}`),
		Subject: aws.String("High-value order ORD-1001"),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"amount": {DataType: aws.String("Number"), StringValue: aws.String("250")}}})
	r.must("Publish", err)
	rec, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), WaitTimeSeconds: 5})
	r.must("ReceiveMessage after Publish", err)
	if len(rec.Messages) != 1 {
		r.t.Fatalf("SNS→SQS at %s: %d messages, want 1", r.endpoint, len(rec.Messages))
	}
	var env map[string]any
	r.must("decode the SNS envelope", json.Unmarshal([]byte(aws.ToString(rec.Messages[0].Body)), &env))
	var keys []string
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	r.put("sns.envelope.keys", keys)
	for _, k := range []string{"Type", "TopicArn", "Subject", "Message", "MessageAttributes", "SignatureVersion"} {
		r.put("sns.envelope."+k, env[k])
	}
	r.put("sns.envelope.sameMessageId", env["MessageId"] == aws.ToString(pub.MessageId))
	_, err = c.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: sub.SubscriptionArn})
	r.putErr("sns.Unsubscribe", err)
}

// anyAccountPolicy names no account, so moto's and the emulator's echo compare.
const anyAccountPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:PutItem","Resource":"arn:aws:dynamodb:*:*:table/OrdersTable"}]}`

func scenarioIAM(ctx context.Context, r *recorder, c *iam.Client) {
	role, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ProcessOrderFunction-role"), AssumeRolePolicyDocument: aws.String(trustPolicy),
		Description: aws.String("orders")})
	r.must("CreateRole", err)
	g, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("ProcessOrderFunction-role")})
	r.must("GetRole", err)
	for name, x := range map[string]*string{"create": role.Role.AssumeRolePolicyDocument, "get": g.Role.AssumeRolePolicyDocument} {
		r.put("iam.role."+name+".AssumeRolePolicyDocument", decodePolicy(aws.ToString(x)))
	}
	rl := g.Role
	r.put("iam.role.RoleName", rl.RoleName)
	r.put("iam.role.Path", rl.Path)
	r.put("iam.role.Arn", rl.Arn)
	r.put("iam.role.RoleId.prefix", aws.ToString(rl.RoleId)[:4])
	r.put("iam.role.Description", rl.Description)
	r.put("iam.role.MaxSessionDuration", rl.MaxSessionDuration)
	r.put("iam.role.documentURLEncoded", strings.HasPrefix(aws.ToString(rl.AssumeRolePolicyDocument), "%7B"))

	_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("ProcessOrderFunction-role"), PolicyName: aws.String("ProcessOrderFunction-policy"),
		PolicyDocument: aws.String(anyAccountPolicy)})
	r.must("PutRolePolicy", err)
	rp, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("ProcessOrderFunction-role"), PolicyName: aws.String("ProcessOrderFunction-policy")})
	r.must("GetRolePolicy", err)
	r.put("iam.GetRolePolicy.PolicyDocument", decodePolicy(aws.ToString(rp.PolicyDocument)))
	r.put("iam.GetRolePolicy.documentURLEncoded", strings.HasPrefix(aws.ToString(rp.PolicyDocument), "%7B"))
	lp, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("ProcessOrderFunction-role")})
	r.must("ListRolePolicies", err)
	r.put("iam.ListRolePolicies", lp.PolicyNames)
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("ProcessOrderFunction-role")})
	r.putErr("iam.DeleteRole.withPolicies", err)
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("Missing")})
	r.putErr("iam.GetRole.missing", err)
	_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("ProcessOrderFunction-role"), PolicyName: aws.String("bad"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":`)})
	r.putErr("iam.PutRolePolicy.malformed", err)
}

func scenarioLogs(ctx context.Context, r *recorder, c *cloudwatchlogs.Client) {
	group := "/aws/lambda/ProcessOrderFunction"
	_, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)})
	r.must("CreateLogGroup", err)
	_, err = c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)})
	r.putErr("logs.CreateLogGroup.again", err)
	_, err = c.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{LogGroupName: aws.String(group), RetentionInDays: aws.Int32(14)})
	r.must("PutRetentionPolicy", err)
	dg, err := c.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/lambda/")})
	r.must("DescribeLogGroups", err)
	var groups []string
	for _, g := range dg.LogGroups {
		groups = append(groups, fmt.Sprintf("%s retention=%d arn=%s", aws.ToString(g.LogGroupName), aws.ToInt32(g.RetentionInDays), aws.ToString(g.Arn)))
	}
	r.put("logs.DescribeLogGroups", groups)
	_, err = c.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String("2025/01/01/[$LATEST]abc")})
	r.must("CreateLogStream", err)
	base := time.Now().Add(-time.Minute).UnixMilli()
	msgs := []string{"START RequestId: 1 Version: $LATEST", `{"msg":"order","OrderId":"ORD-1001","outcome":"notified"}`, "END RequestId: 1", "REPORT RequestId: 1 Duration: 2.00 ms"}
	var events []logstypes.InputLogEvent
	for i, m := range msgs {
		events = append(events, logstypes.InputLogEvent{Timestamp: aws.Int64(base + int64(i)), Message: aws.String(m)})
	}
	_, err = c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String("2025/01/01/[$LATEST]abc"), LogEvents: events})
	r.must("PutLogEvents", err)
	ge, err := c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String("2025/01/01/[$LATEST]abc"), StartFromHead: aws.Bool(true)})
	r.must("GetLogEvents", err)
	var got []string
	for _, e := range ge.Events {
		got = append(got, fmt.Sprintf("%d %s", aws.ToInt64(e.Timestamp)-base, aws.ToString(e.Message)))
	}
	r.put("logs.GetLogEvents", got)
	for name, pattern := range map[string]string{"term": "ORD-1001", "phrase": `"RequestId: 1"`, "two terms": "REPORT Duration"} {
		fe, err := c.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(group), FilterPattern: aws.String(pattern)})
		r.must("FilterLogEvents", err)
		var found []string
		for _, e := range fe.Events {
			found = append(found, aws.ToString(e.Message))
		}
		r.put("logs.FilterLogEvents."+name, found)
	}
	ls, err := c.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String(group)})
	r.must("DescribeLogStreams", err)
	var streams []string
	for _, s := range ls.LogStreams {
		streams = append(streams, aws.ToString(s.LogStreamName))
	}
	r.put("logs.DescribeLogStreams", streams)
	_, err = c.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("/missing")})
	r.putErr("logs.DescribeLogStreams.missingGroup", err)
}

// wantAWS lists where moto is known to differ from AWS, with AWS's answer
// (as AWS documents it, and as the peer tests check through botocore). The
// emulator must give AWS's answer; moto's is logged.
var wantAWS = map[string]string{
	// AWS: "One or more parameter values were invalid: Type mismatch for
	// key OrderId expected: S actual: N" (ValidationException). moto stores
	// or looks up the item under a numeric key instead.
	"ddb.PutItem.wrongKeyType": `"ValidationException"`,
	"ddb.GetItem.wrongKeyType": `"ValidationException"`,
	// DynamoDB answers numbers in canonical form (250.75 + 0.25 is "251");
	// moto keeps the scale of its float arithmetic ("251.00").
	"ddb.UpdateItem.UpdatedNew": `{"Amount":{"N":"251"},"Status":{"S":"NOTIFIED"}}`,
	// A topic signs with SignatureVersion 1 (SHA1withRSA) unless its
	// SignatureVersion attribute is set to 2; moto writes "2".
	"sns.envelope.SignatureVersion": `"1"`,
}

// TestDifferentialMoto compares the emulator with moto_server on the
// scenario above.
func TestDifferentialMoto(t *testing.T) {
	t.Parallel()
	motoURL := emutest.Moto(t)
	moto := runScenario(t, adminConfig(motoURL))
	_, emuURL := openAt(t, t.TempDir())
	emu := runScenario(t, adminConfig(emuURL))

	var names []string
	for k := range emu {
		names = append(names, k)
	}
	for k := range moto {
		if _, ok := emu[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	t.Logf("%d observations compared", len(names))
	for _, name := range names {
		e, m := emu[name], moto[name]
		if want, ok := wantAWS[name]; ok {
			if e != want {
				t.Errorf("%s: emulator %s, want AWS's %s", name, e, want)
			}
			if m != want {
				t.Logf("%s: moto answers %s where AWS answers %s (the emulator follows AWS)", name, m, want)
			}
			continue
		}
		if e != m {
			t.Errorf("%s:\n  emulator %s\n  moto     %s", name, e, m)
		}
	}
}
