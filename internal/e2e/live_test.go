package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// The function's role, live: a session of it (what the function runs as)
// may make exactly the function's calls. Each other call — the ones
// verify's simulation must find denied, and the same calls reached by
// another operation or another spelling of the resource — is refused by
// the service with its own error code, naming the action.
func TestRoleSessionLive(t *testing.T) {
	m := startEmulator(t)
	mustOrders(t, m.admin(), 0, "up")
	ctx := context.Background()

	// Another table, topic and log group, for calls outside the stack.
	admin := m.admin()
	if _, err := dynamodb.NewFromConfig(admin).CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("OtherTable"),
		BillingMode:          dtypes.BillingModePayPerRequest,
		AttributeDefinitions: []dtypes.AttributeDefinition{{AttributeName: aws.String("OrderId"), AttributeType: dtypes.ScalarAttributeTypeS}},
		KeySchema:            []dtypes.KeySchemaElement{{AttributeName: aws.String("OrderId"), KeyType: dtypes.KeyTypeHash}}}); err != nil {
		t.Fatal(err)
	}
	other, err := sns.NewFromConfig(admin).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("OtherTopic")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cloudwatchlogs.NewFromConfig(admin).CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/aws/lambda/OtherFunction")}); err != nil {
		t.Fatal(err)
	}
	queueURL, err := sqs.NewFromConfig(admin).GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("HighValueQueue")})
	if err != nil {
		t.Fatal(err)
	}
	otherTableARN := strings.Replace(m.arns.Table, "OrdersTable", "OtherTable", 1)

	role, _ := m.assumeRole(t, m.arns.Role, "live")
	ddb, topic, logs := dynamodb.NewFromConfig(role), sns.NewFromConfig(role), cloudwatchlogs.NewFromConfig(role)
	key := func(id string) map[string]dtypes.AttributeValue {
		return map[string]dtypes.AttributeValue{"OrderId": &dtypes.AttributeValueMemberS{Value: id}}
	}
	item := func(id string) map[string]dtypes.AttributeValue {
		return map[string]dtypes.AttributeValue{"OrderId": &dtypes.AttributeValueMemberS{Value: id}, "Amount": &dtypes.AttributeValueMemberN{Value: "1"}}
	}
	stream := func(group, name string) error {
		_, err := logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(name)})
		return err
	}

	for _, tc := range []struct {
		name   string
		action string // "" when allowed
		code   string
		call   func() error
	}{
		{"PutItem on the table", "", "", func() error {
			_, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("OrdersTable"), Item: item("LIVE-1")})
			return err
		}},
		{"PutItem on the table named by its ARN", "", "", func() error {
			_, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(m.arns.Table), Item: item("LIVE-2")})
			return err
		}},
		{"Publish to the topic", "", "", func() error {
			_, err := topic.Publish(ctx, &sns.PublishInput{TopicArn: aws.String(m.arns.Topic), Message: aws.String(`{"OrderId":"LIVE-3"}`)})
			return err
		}},
		{"PublishBatch to the topic", "", "", func() error {
			_, err := topic.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: aws.String(m.arns.Topic),
				PublishBatchRequestEntries: []snstypes.PublishBatchRequestEntry{{Id: aws.String("1"), Message: aws.String(`{"OrderId":"LIVE-4"}`)}}})
			return err
		}},
		{"CreateLogStream in its log group", "", "", func() error { return stream(logGroupName, "live-own") }},
		{"PutLogEvents in its log group", "", "", func() error {
			_, err := logs.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(logGroupName), LogStreamName: aws.String("live-own"),
				LogEvents: []logstypes.InputLogEvent{{Message: aws.String("live"), Timestamp: aws.Int64(1)}}})
			return err
		}},

		{"GetItem on the table", "dynamodb:GetItem", "AccessDeniedException", func() error {
			_, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("OrdersTable"), Key: key("LIVE-1")})
			return err
		}},
		{"DeleteItem on the table", "dynamodb:DeleteItem", "AccessDeniedException", func() error {
			_, err := ddb.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("OrdersTable"), Key: key("LIVE-1")})
			return err
		}},
		{"UpdateItem on the table", "dynamodb:UpdateItem", "AccessDeniedException", func() error {
			_, err := ddb.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("OrdersTable"), Key: key("LIVE-1"),
				UpdateExpression: aws.String("SET Amount = :a"), ExpressionAttributeValues: map[string]dtypes.AttributeValue{":a": &dtypes.AttributeValueMemberN{Value: "2"}}})
			return err
		}},
		{"Scan of the table", "dynamodb:Scan", "AccessDeniedException", func() error {
			_, err := ddb.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("OrdersTable")})
			return err
		}},
		{"Query of the table", "dynamodb:Query", "AccessDeniedException", func() error {
			_, err := ddb.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("OrdersTable"), KeyConditionExpression: aws.String("OrderId = :id"),
				ExpressionAttributeValues: map[string]dtypes.AttributeValue{":id": &dtypes.AttributeValueMemberS{Value: "LIVE-1"}}})
			return err
		}},
		// BatchWriteItem is its own IAM action: PutItem does not grant it.
		{"BatchWriteItem on the table", "dynamodb:BatchWriteItem", "AccessDeniedException", func() error {
			_, err := ddb.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]dtypes.WriteRequest{
				"OrdersTable": {{PutRequest: &dtypes.PutRequest{Item: item("LIVE-5")}}}}})
			return err
		}},
		{"PutItem on another table", "dynamodb:PutItem", "AccessDeniedException", func() error {
			_, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("OtherTable"), Item: item("LIVE-6")})
			return err
		}},
		{"PutItem on another table named by its ARN", "dynamodb:PutItem", "AccessDeniedException", func() error {
			_, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(otherTableARN), Item: item("LIVE-7")})
			return err
		}},
		{"Publish to another topic", "sns:Publish", "AuthorizationError", func() error {
			_, err := topic.Publish(ctx, &sns.PublishInput{TopicArn: other.TopicArn, Message: aws.String("x")})
			return err
		}},
		{"Publish to another topic as TargetArn", "sns:Publish", "AuthorizationError", func() error {
			_, err := topic.Publish(ctx, &sns.PublishInput{TargetArn: other.TopicArn, Message: aws.String("x")})
			return err
		}},
		{"PublishBatch to another topic", "sns:Publish", "AuthorizationError", func() error {
			_, err := topic.PublishBatch(ctx, &sns.PublishBatchInput{TopicArn: other.TopicArn,
				PublishBatchRequestEntries: []snstypes.PublishBatchRequestEntry{{Id: aws.String("1"), Message: aws.String("x")}}})
			return err
		}},
		{"Subscribe to the topic", "sns:Subscribe", "AuthorizationError", func() error {
			_, err := topic.Subscribe(ctx, &sns.SubscribeInput{TopicArn: aws.String(m.arns.Topic), Protocol: aws.String("sqs"), Endpoint: aws.String(m.arns.Queue)})
			return err
		}},
		{"SendMessage to the queue", "sqs:SendMessage", "AccessDenied", func() error {
			_, err := sqs.NewFromConfig(role).SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: queueURL.QueueUrl, MessageBody: aws.String("x")})
			return err
		}},
		{"SendMessageBatch to the queue", "sqs:SendMessage", "AccessDenied", func() error {
			_, err := sqs.NewFromConfig(role).SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: queueURL.QueueUrl,
				Entries: []sqstypes.SendMessageBatchRequestEntry{{Id: aws.String("1"), MessageBody: aws.String("x")}}})
			return err
		}},
		{"ReceiveMessage from the queue", "sqs:ReceiveMessage", "AccessDenied", func() error {
			_, err := sqs.NewFromConfig(role).ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: queueURL.QueueUrl})
			return err
		}},
		{"PassRole via CreateFunction", "lambda:CreateFunction", "AccessDeniedException", func() error {
			_, err := lambda.NewFromConfig(role).CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("Escalate"),
				Role: aws.String(m.arns.Role), Runtime: "provided.al2023", Handler: aws.String("bootstrap"), Code: &lambdatypes.FunctionCode{ZipFile: []byte("PK")}})
			return err
		}},
		{"Invoke the function", "lambda:InvokeFunction", "AccessDeniedException", func() error {
			_, err := lambda.NewFromConfig(role).Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("ProcessOrderFunction"), Payload: []byte(`{}`)})
			return err
		}},
		{"PutRolePolicy on its own role", "iam:PutRolePolicy", "AccessDenied", func() error {
			_, err := iam.NewFromConfig(role).PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(roleName), PolicyName: aws.String("escalate"),
				PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)})
			return err
		}},
		{"AssumeRole of its own role", "sts:AssumeRole", "AccessDenied", func() error {
			_, err := sts.NewFromConfig(role).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(m.arns.Role), RoleSessionName: aws.String("again")})
			return err
		}},
		{"CreateLogStream in another log group", "logs:CreateLogStream", "AccessDeniedException", func() error {
			return stream("/aws/lambda/OtherFunction", "live-other")
		}},
		{"CreateLogGroup", "logs:CreateLogGroup", "AccessDeniedException", func() error {
			_, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/aws/lambda/Mine")})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if tc.action == "" {
				if err != nil {
					t.Errorf("a call the function makes: %v", err)
				}
				return
			}
			if errorCode(err) != tc.code || !strings.Contains(fmt.Sprint(err), "not authorized to perform: "+tc.action) ||
				!strings.Contains(fmt.Sprint(err), "assumed-role/"+roleName+"/live") {
				t.Errorf("got %v (code %q), want %s naming the session and %s", err, errorCode(err), tc.code, tc.action)
			}
		})
	}

	t.Run("nothing refused was done", func(t *testing.T) {
		for _, id := range []string{"LIVE-5"} {
			if it := m.item(t, id); it != nil {
				t.Errorf("%s was written by a refused call", id)
			}
		}
		if it := m.item(t, "LIVE-1"); attr(it, "Amount") != "1" {
			t.Errorf("LIVE-1 %v, want untouched by the refused UpdateItem/DeleteItem", it)
		}
		if q := m.drainQueue(t); len(q) != 2 {
			t.Errorf("queue holds %+v, want exactly the two allowed publishes", q)
		}
	})
}
