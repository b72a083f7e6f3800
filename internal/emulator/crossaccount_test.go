package emulator

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/orders-dev/orders/internal/emulator/emutest"
)

// A request for another account's resource needs that account's
// resource-based policy to allow it as well as the caller's identity-based
// policy ("Cross-account policy evaluation logic",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html):
// sqs:* on "*" does not reach a queue of account 111111111111, which has
// granted nothing here.
func TestCrossAccountNeedsResourcePolicy(t *testing.T) {
	_, url := openAt(t, t.TempDir())
	ctx := context.Background()
	admin := iam.NewFromConfig(adminConfig(url))
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("worker")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("worker"), PolicyName: aws.String("sqs"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("worker")})
	if err != nil {
		t.Fatal(err)
	}
	q := sqs.NewFromConfig(emutest.ConfigFor(url, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), ""))
	_, err = q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url + "/111111111111/Shared"), MessageBody: aws.String("x")})
	if errorCode(err) != "AccessDenied" || !strings.Contains(err.Error(), "no resource-based policy allows") {
		t.Errorf("SendMessage to another account's queue with only an identity policy: %v, want AccessDenied (no resource-based policy allows)", err)
	}
	// The same policy in the caller's own account is enough.
	own, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("Own")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: own.QueueUrl, MessageBody: aws.String("x")}); err != nil {
		t.Errorf("SendMessage within the account: %v", err)
	}
}
