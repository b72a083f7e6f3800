package emulator

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/orders-dev/orders/internal/emulator/emutest"
)

// A policy written from CloudWatch Logs' reference behaves as on AWS: the
// log group's ARN "includes a trailing :* ... Use this version to refer to
// the ARN in IAM policies when specifying permissions for most API actions.
// The exception is ... TagResource, UntagResource, and ListTagsForResource.
// The permissions for those three actions require the ARN version that
// doesn't include a trailing :*"
// (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_LogGroup.html);
// DescribeLogGroups has no resource type: it needs "*"
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html).
func TestLogsResourceARNForms(t *testing.T) {
	_, url := openAt(t, t.TempDir())
	ctx := context.Background()
	admin := iam.NewFromConfig(adminConfig(url))
	const group = "/app/orders"
	groupARN := "arn:aws:logs:us-east-1:000000000000:log-group:" + group
	if _, err := cwl.NewFromConfig(adminConfig(url)).CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	user := func(name, policy string) *cwl.Client {
		t.Helper()
		if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
		if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("logs"), PolicyDocument: aws.String(policy)}); err != nil {
			t.Fatal(err)
		}
		key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return cwl.NewFromConfig(emutest.ConfigFor(url, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), ""))
	}
	// As the reference says to write it.
	ref := user("reference", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["logs:TagResource","logs:UntagResource","logs:ListTagsForResource"],"Resource":"`+groupARN+`"},
		{"Effect":"Allow","Action":["logs:DescribeLogStreams","logs:PutRetentionPolicy","logs:CreateLogGroup"],"Resource":"`+groupARN+`:*"},
		{"Effect":"Allow","Action":"logs:TagResource","Resource":"arn:aws:logs:us-east-1:000000000000:log-group:/app/new"},
		{"Effect":"Allow","Action":"logs:CreateLogGroup","Resource":"arn:aws:logs:us-east-1:000000000000:log-group:/app/new:*"},
		{"Effect":"Allow","Action":"logs:DescribeLogGroups","Resource":"*"}]}`)
	steps := map[string]func(c *cwl.Client) error{
		"TagResource": func(c *cwl.Client) error {
			_, err := c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: aws.String(groupARN), Tags: map[string]string{"team": "orders"}})
			return err
		},
		"ListTagsForResource": func(c *cwl.Client) error {
			_, err := c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: aws.String(groupARN)})
			return err
		},
		"UntagResource": func(c *cwl.Client) error {
			_, err := c.UntagResource(ctx, &cwl.UntagResourceInput{ResourceArn: aws.String(groupARN), TagKeys: []string{"team"}})
			return err
		},
		"DescribeLogStreams": func(c *cwl.Client) error {
			_, err := c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String(group)})
			return err
		},
		"PutRetentionPolicy": func(c *cwl.Client) error {
			_, err := c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String(group), RetentionInDays: aws.Int32(7)})
			return err
		},
		"DescribeLogGroups": func(c *cwl.Client) error {
			_, err := c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})
			return err
		},
		"CreateLogGroup with tags": func(c *cwl.Client) error {
			_, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/app/new"), Tags: map[string]string{"team": "orders"}})
			return err
		},
	}
	for _, name := range []string{"TagResource", "ListTagsForResource", "UntagResource", "DescribeLogStreams", "PutRetentionPolicy", "DescribeLogGroups", "CreateLogGroup with tags"} {
		if err := steps[name](ref); err != nil {
			t.Errorf("%s with the policy written from AWS's reference: %v", name, err)
		}
	}

	// The forms swapped: each action is refused.
	swapped := user("swapped", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["logs:TagResource","logs:UntagResource","logs:ListTagsForResource"],"Resource":"`+groupARN+`:*"},
		{"Effect":"Allow","Action":["logs:DescribeLogStreams","logs:PutRetentionPolicy"],"Resource":"`+groupARN+`"},
		{"Effect":"Allow","Action":"logs:DescribeLogGroups","Resource":"`+groupARN+`:*"}]}`)
	for _, name := range []string{"TagResource", "ListTagsForResource", "UntagResource", "DescribeLogStreams", "PutRetentionPolicy", "DescribeLogGroups"} {
		if err := steps[name](swapped); errorCode(err) != "AccessDeniedException" {
			t.Errorf("%s with the other ARN form: %v, want AccessDeniedException", name, err)
		}
	}
}
