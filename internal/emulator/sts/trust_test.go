package sts

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/service"
)

// rootKeys resolves one access key to the account's root user, as keys of
// the root user would be on AWS.
type rootKeys struct{}

func (rootKeys) Resolve(_ context.Context, akid string) (service.Principal, string, string, time.Time, bool) {
	if akid == "AKIAROOTROOTROOTROOT" {
		return service.Principal{ARN: "arn:aws:iam::000000000000:root", AccessKeyID: akid, Admin: true}, "root-secret", "", time.Time{}, true
	}
	return service.Principal{}, "", "", time.Time{}, false
}

// AWS evaluates the role's trust policy for every caller: an administrator
// whose identity policy allows sts:AssumeRole still cannot assume a role
// that does not trust it or its account ("Trust policy" in
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html,
// and https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage-assume.html).
func TestAssumeRoleChecksTrustForTheAdministrator(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	// The pipeline's role trusts lambda.amazonaws.com only.
	_, err := e.client.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(lambdaARN), RoleSessionName: aws.String("admin")})
	if apiCode(err) != "AccessDenied" {
		t.Errorf("administrator assuming a role that trusts only Lambda: %v, want AccessDenied", err)
	}
	// A role trusting the account admits the administrator user.
	out, err := e.client.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(openARN), RoleSessionName: aws.String("admin")})
	if err != nil {
		t.Fatalf("administrator assuming a role that trusts the account: %v", err)
	}
	if got := aws.ToString(out.AssumedRoleUser.Arn); got != "arn:aws:sts::000000000000:assumed-role/Assumable/admin" {
		t.Errorf("AssumedRoleUser = %s", got)
	}
}

// "You can't use the root user credentials to assume a role"
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html, tasks
// that are not available to the root user / AssumeRole).
func TestRootUserCannotAssumeRoles(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{Identity: rootKeys{}})
	root := e.clientFor(&types.Credentials{AccessKeyId: aws.String("AKIAROOTROOTROOTROOT"), SecretAccessKey: aws.String("root-secret")})
	_, err := root.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(openARN), RoleSessionName: aws.String("root")})
	if apiCode(err) != "AccessDenied" {
		t.Errorf("root user assuming a role that trusts its account: %v, want AccessDenied", err)
	}
}
