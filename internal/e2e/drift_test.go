package e2e

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/orders-dev/orders/function"
	"github.com/orders-dev/orders/internal/config"
)

// otherArch is the architecture this machine does not run.
func otherArch() string {
	if function.HostArch() == function.ArchARM64 {
		return function.ArchX86_64
	}
	return function.ArchARM64
}

// drift changes, as the administrator, every part of a deployed stack that
// `orders up` repairs with a call of its own: the table's billing mode,
// every resource's stack tag, the role's trust policy and an attached
// managed policy, the function's code and environment, and the
// subscription's raw delivery. Each is a call the operator policy must
// allow for `up` to put it back.
func (m *emu) drift(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	cfg := m.admin()
	tag := config.StackTagKey
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("drift: %s: %v", what, err)
		}
	}

	ddb := dynamodb.NewFromConfig(cfg)
	_, err := ddb.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("OrdersTable"), BillingMode: dtypes.BillingModeProvisioned,
		ProvisionedThroughput: &dtypes.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}})
	must("table billing mode", err)
	_, err = ddb.UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: aws.String(m.arns.Table), TagKeys: []string{tag}})
	must("untag table", err)

	sn := sns.NewFromConfig(cfg)
	_, err = sn.UntagResource(ctx, &sns.UntagResourceInput{ResourceArn: aws.String(m.arns.Topic), TagKeys: []string{tag}})
	must("untag topic", err)
	subs, err := sn.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(m.arns.Topic)})
	must("list subscriptions", err)
	for _, s := range subs.Subscriptions {
		_, err = sn.SetSubscriptionAttributes(ctx, &sns.SetSubscriptionAttributesInput{SubscriptionArn: s.SubscriptionArn,
			AttributeName: aws.String("RawMessageDelivery"), AttributeValue: aws.String("true")})
		must("raw delivery", err)
	}

	q := sqs.NewFromConfig(cfg)
	u, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("HighValueQueue")})
	must("queue url", err)
	_, err = q.UntagQueue(ctx, &sqs.UntagQueueInput{QueueUrl: u.QueueUrl, TagKeys: []string{tag}})
	must("untag queue", err)

	im := iam.NewFromConfig(cfg)
	_, err = im.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String(roleName), TagKeys: []string{tag}})
	must("untag role", err)
	_, err = im.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String(roleName),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com","ec2.amazonaws.com"]},"Action":"sts:AssumeRole"}]}`)})
	must("trust policy", err)
	p, err := im.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("drift-managed"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}`)})
	must("create managed policy", err)
	_, err = im.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(roleName), PolicyArn: p.Policy.Arn})
	must("attach managed policy", err)

	lm := lambda.NewFromConfig(cfg)
	_, err = lm.UntagResource(ctx, &lambda.UntagResourceInput{Resource: aws.String(m.arns.Function), TagKeys: []string{tag}})
	must("untag function", err)
	zip, err := function.Zip(otherArch())
	must("other zip", err)
	_, err = lm.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: aws.String("ProcessOrderFunction"), ZipFile: zip})
	must("function code", err)
	_, err = lm.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("ProcessOrderFunction"),
		Environment: &ltypes.Environment{Variables: map[string]string{"TABLE_NAME": "OrdersTable", "TOPIC_ARN": m.arns.Topic, "THRESHOLD": "999"}}})
	must("function environment", err)

	_, err = cloudwatchlogs.NewFromConfig(cfg).UntagResource(ctx, &cloudwatchlogs.UntagResourceInput{ResourceArn: aws.String(m.arns.LogGroup), TagKeys: []string{tag}})
	must("untag log group", err)
}
