package emulator

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/orders-dev/orders/internal/emulator/emutest"
	"github.com/orders-dev/orders/internal/emulator/realism"
)

const lambdaTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// A new role cannot be assumed by Lambda for realism.IAMRoleAssumable:
// CreateFunction answers what AWS answers then.
func TestRealismNewRoleNotYetAssumableByLambda(t *testing.T) {
	url, clock, _ := openRealism(t, awsRealism)
	ctx := context.Background()
	cfg := adminConfig(url)
	role, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("fn-role"), AssumeRolePolicyDocument: aws.String(lambdaTrust)})
	if err != nil {
		t.Fatal(err)
	}
	fns := lambda.NewFromConfig(cfg)
	create := func() error {
		_, err := fns.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String("fn"), Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
			Role: role.Role.Arn, Code: &lambdatypes.FunctionCode{ZipFile: minimalZip(t)},
		})
		return err
	}
	clock.Advance(realism.IAMRoleAssumable - time.Millisecond)
	err = create()
	var ipv *lambdatypes.InvalidParameterValueException
	if !errors.As(err, &ipv) || aws.ToString(ipv.Message) != "The role defined for the function cannot be assumed by Lambda." {
		t.Fatalf("CreateFunction with a role created %v ago: %v, want InvalidParameterValueException (the role cannot be assumed)", realism.IAMRoleAssumable-time.Millisecond, err)
	}
	clock.Advance(time.Millisecond)
	if err := create(); err != nil {
		t.Fatalf("CreateFunction %v after the role was created: %v", realism.IAMRoleAssumable, err)
	}
}

// A policy change reaches a role session only realism.IAMPolicyPropagation
// later: until then the old decision stands, both ways.
func TestRealismPolicyChangesReachSessionsLater(t *testing.T) {
	url, clock, _ := openRealism(t, awsRealism)
	ctx := context.Background()
	cfg := adminConfig(url)
	admin := iam.NewFromConfig(cfg)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}`
	role, err := admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("worker"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:ListQueues","Resource":"*"}]}`
	if _, err := admin.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("worker"), PolicyName: aws.String("p"), PolicyDocument: aws.String(allow)}); err != nil {
		t.Fatal(err)
	}
	out, err := sts.NewFromConfig(cfg).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("session")})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	session := sqs.NewFromConfig(emutest.ConfigFor(url, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)))
	list := func() error {
		_, err := session.ListQueues(ctx, &sqs.ListQueuesInput{})
		return err
	}
	clock.Advance(realism.IAMPolicyPropagation - time.Millisecond)
	if err := list(); errorCode(err) != "AccessDenied" {
		t.Fatalf("ListQueues %v after the Allow was put: %v, want AccessDenied (not yet propagated)", realism.IAMPolicyPropagation-time.Millisecond, err)
	}
	clock.Advance(time.Millisecond)
	if err := list(); err != nil {
		t.Fatalf("ListQueues %v after the Allow was put: %v", realism.IAMPolicyPropagation, err)
	}
	// Removing it: the session keeps the old (allowing) decision a while.
	if _, err := admin.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("worker"), PolicyName: aws.String("p")}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(realism.IAMPolicyPropagation - time.Millisecond)
	if err := list(); err != nil {
		t.Fatalf("ListQueues just after the Allow was deleted: %v, want the old decision (allowed)", err)
	}
	clock.Advance(time.Millisecond)
	if err := list(); errorCode(err) != "AccessDenied" {
		t.Fatalf("ListQueues %v after the Allow was deleted: %v, want AccessDenied", realism.IAMPolicyPropagation, err)
	}
	// IAM's own API answers the new state at once.
	if l, err := admin.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("worker")}); err != nil || len(l.PolicyNames) != 0 {
		t.Fatalf("ListRolePolicies after DeleteRolePolicy = %v, %v", l, err)
	}
}

// A new access key is refused for realism.IAMAccessKeyPropagation, as AWS
// refuses a key it does not know yet; never served as the administrator.
func TestRealismNewAccessKeyRefusedAWhile(t *testing.T) {
	url, clock, _ := openRealism(t, awsRealism)
	ctx := context.Background()
	admin := iam.NewFromConfig(adminConfig(url))
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	alice := sts.NewFromConfig(emutest.ConfigFor(url, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), ""))
	clock.Advance(realism.IAMAccessKeyPropagation - time.Millisecond)
	if _, err := alice.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); errorCode(err) != "InvalidClientTokenId" {
		t.Fatalf("GetCallerIdentity with a key %v old: %v, want InvalidClientTokenId", realism.IAMAccessKeyPropagation-time.Millisecond, err)
	}
	clock.Advance(time.Millisecond)
	id, err := alice.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Arn) != "arn:aws:iam::000000000000:user/alice" {
		t.Fatalf("GetCallerIdentity with a key %v old: %v, %v; want alice", realism.IAMAccessKeyPropagation, id, err)
	}
}

// minimalZip is a valid function package (never run).
func minimalZip(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte("#!/bin/sh\n"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
