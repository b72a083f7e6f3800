package emulator

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/orders-dev/orders/internal/emulator/emutest"
)

// A policy variable with no value in NotResource makes the statement not
// match, never "allow everything" ("Policy variables with no value",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-no-value):
// aws:username exists for IAM users, not for role sessions.
func TestUnresolvedVariableInNotResource(t *testing.T) {
	_, url := openAt(t, t.TempDir())
	ctx := context.Background()
	adminCfg := adminConfig(url)
	admin := iam.NewFromConfig(adminCfg)
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:CreateQueue",
		"NotResource":"arn:aws:sqs:*:*:${aws:username}-private"}]}`
	// A user: the variable resolves, so every queue but its own private one.
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	alice := sqs.NewFromConfig(emutest.ConfigFor(url, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), ""))
	if _, err := alice.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("shared")}); err != nil {
		t.Errorf("user creating a queue NotResource leaves open: %v", err)
	}
	if _, err := alice.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("alice-private")}); errorCode(err) != "AccessDenied" {
		t.Errorf("user creating the queue NotResource excludes: %v, want AccessDenied", err)
	}

	// A role session: ${aws:username} has no value, the statement does not apply.
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}`
	role, err := admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("worker"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("worker"), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	out, err := sts.NewFromConfig(adminCfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("worker-session")})
	if err != nil {
		t.Fatalf("the administrator assuming a role that trusts the account: %v", err)
	}
	c := out.Credentials
	session := sqs.NewFromConfig(emutest.ConfigFor(url, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)))
	if _, err := session.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("anything")}); errorCode(err) != "AccessDenied" {
		t.Errorf("role session with an unresolvable ${aws:username} in NotResource: %v, want AccessDenied", err)
	}
}

// ArnLike compares the six ARN components separately, so a queue policy
// naming "arn:aws:sns:us-east-1:*" as aws:SourceArn admits no topic: the
// '*' stays in the account field
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN).
func TestQueuePolicyArnLikeComponents(t *testing.T) {
	eval := policyEvaluator{parsed: newPolicyCache()}
	const queue = "arn:aws:sqs:us-east-1:000000000000:Q"
	const topic = "arn:aws:sns:us-east-1:000000000000:T"
	doc := func(pattern string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage",
			"Resource":"` + queue + `","Condition":{"ArnLike":{"aws:SourceArn":"` + pattern + `"}}}]}`
	}
	for pattern, want := range map[string]bool{
		"arn:aws:sns:us-east-1:*":   false,
		"arn:aws:sns:us-east-1:*:*": true,
		"arn:aws:sns:*:*:T":         true,
		"arn:aws:sns:*:T":           false,
	} {
		got, err := eval.AllowsService(doc(pattern), "sns.amazonaws.com", "sqs:SendMessage", queue, map[string][]string{"aws:SourceArn": {topic}})
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("queue policy ArnLike %q for %s: allows = %v, want %v", pattern, topic, got, want)
		}
	}
}
