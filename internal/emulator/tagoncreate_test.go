package emulator

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	itypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	stypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/orders-dev/orders/internal/emulator/emutest"
)

// Creating a resource with tags needs the service's tagging action as well
// as the create action, on AWS:
//   - dynamodb:TagResource for CreateTable with Tags
//     (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/access-control-resource-based.html#rbac-tags),
//   - sqs:TagQueue for CreateQueue with tags
//     (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-abac-tagging-resource-control.html),
//   - sns:TagResource for CreateTopic with Tags (https://docs.aws.amazon.com/sns/latest/dg/sns-tags.html),
//   - iam:TagRole for CreateRole with Tags (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags_roles.html).
//
// (CreateFunction and lambda:TagResource are pinned in the lambda package,
// CreateLogGroup and logs:TagResource in logs.)
func TestTagOnCreateNeedsTaggingAction(t *testing.T) {
	_, url := openAt(t, t.TempDir())
	ctx := context.Background()
	admin := iam.NewFromConfig(adminConfig(url))
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("builder")}); err != nil {
		t.Fatal(err)
	}
	// Every create action, no tagging action.
	if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("builder"), PolicyName: aws.String("create"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*",
			"Action":["dynamodb:CreateTable","sqs:CreateQueue","sns:CreateTopic","iam:CreateRole"]}]}`)}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("builder")})
	if err != nil {
		t.Fatal(err)
	}
	cfg := emutest.ConfigFor(url, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	ddb, q, topics, roles := dynamodb.NewFromConfig(cfg), sqs.NewFromConfig(cfg), sns.NewFromConfig(cfg), iam.NewFromConfig(cfg)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	table := func(name string, tags []dtypes.Tag) error {
		_, err := ddb.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String(name), BillingMode: dtypes.BillingModePayPerRequest,
			AttributeDefinitions: []dtypes.AttributeDefinition{{AttributeName: aws.String("k"), AttributeType: dtypes.ScalarAttributeTypeS}},
			KeySchema:            []dtypes.KeySchemaElement{{AttributeName: aws.String("k"), KeyType: dtypes.KeyTypeHash}}, Tags: tags})
		return err
	}
	cases := []struct {
		action         string
		tagged, plain  func() error
		exists         func() bool
		deniedCodeWant string
	}{
		{"dynamodb:TagResource",
			func() error {
				return table("Tagged", []dtypes.Tag{{Key: aws.String("team"), Value: aws.String("orders")}})
			},
			func() error { return table("Plain", nil) },
			func() bool {
				_, err := dynamodb.NewFromConfig(adminConfig(url)).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Tagged")})
				return err == nil
			}, "AccessDeniedException"},
		{"sqs:TagQueue",
			func() error {
				_, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("tagged"), Tags: map[string]string{"team": "orders"}})
				return err
			},
			func() error {
				_, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("plain")})
				return err
			},
			func() bool {
				_, err := sqs.NewFromConfig(adminConfig(url)).GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("tagged")})
				return err == nil
			}, "AccessDenied"},
		{"sns:TagResource",
			func() error {
				_, err := topics.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("tagged"), Tags: []stypes.Tag{{Key: aws.String("team"), Value: aws.String("orders")}}})
				return err
			},
			func() error {
				_, err := topics.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("plain")})
				return err
			},
			func() bool {
				out, err := sns.NewFromConfig(adminConfig(url)).ListTopics(ctx, &sns.ListTopicsInput{})
				for _, tp := range out.Topics {
					if strings.HasSuffix(aws.ToString(tp.TopicArn), ":tagged") {
						return true
					}
				}
				return err != nil
			}, "AuthorizationError"},
		{"iam:TagRole",
			func() error {
				_, err := roles.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("tagged"), AssumeRolePolicyDocument: aws.String(trust),
					Tags: []itypes.Tag{{Key: aws.String("team"), Value: aws.String("orders")}}})
				return err
			},
			func() error {
				_, err := roles.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("plain"), AssumeRolePolicyDocument: aws.String(trust)})
				return err
			},
			func() bool {
				_, err := admin.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("tagged")})
				return err == nil
			}, "AccessDenied"},
	}
	for _, c := range cases {
		t.Run(c.action, func(t *testing.T) {
			err := c.tagged()
			if errorCode(err) != c.deniedCodeWant || !strings.Contains(err.Error(), c.action) {
				t.Fatalf("create with tags, without %s: %v, want %s naming %s", c.action, err, c.deniedCodeWant, c.action)
			}
			if c.exists() {
				t.Errorf("the denied create with tags stored the resource")
			}
			if err := c.plain(); err != nil {
				t.Errorf("create without tags needs no %s: %v", c.action, err)
			}
		})
	}
}
