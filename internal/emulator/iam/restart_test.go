package iam

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
)

func TestRestartKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir)
	svc, err := New(st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := serve(t, svc, st, dir, dispatch.Options{})
	c := e.client
	createRole(t, e, "R")
	must(c.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("R"), PolicyName: aws.String("fn"), PolicyDocument: aws.String(functionPolicy)}))(t)
	policyARN := aws.ToString(must(c.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("P"), PolicyDocument: aws.String(functionPolicy)}))(t).Policy.Arn)
	must(c.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: aws.String(policyARN), SetAsDefault: true,
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sns:Publish","Resource":"*"}]}`)}))(t)
	must(c.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("R"), PolicyArn: aws.String(policyARN)}))(t)
	must(c.PutRolePermissionsBoundary(ctx, &awsiam.PutRolePermissionsBoundaryInput{RoleName: aws.String("R"), PermissionsBoundary: aws.String(basicExecution)}))(t)
	must(c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("U")}))(t)
	live := must(c.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("U")}))(t).AccessKey
	gone := must(c.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("U")}))(t).AccessKey
	must(c.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{UserName: aws.String("U"), AccessKeyId: gone.AccessKeyId}))(t)
	roleBefore := must(c.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("R")}))(t).Role
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st2 := openStore(t, dir)
	t.Cleanup(func() { _ = st2.Close() })
	svc2, err := New(st2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c2 := serve(t, svc2, st2, dir, dispatch.Options{}).client
	role := must(c2.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("R")}))(t).Role
	if aws.ToString(role.RoleId) != aws.ToString(roleBefore.RoleId) || !role.CreateDate.Equal(*roleBefore.CreateDate) ||
		aws.ToString(role.AssumeRolePolicyDocument) != aws.ToString(roleBefore.AssumeRolePolicyDocument) ||
		aws.ToString(role.PermissionsBoundary.PermissionsBoundaryArn) != basicExecution {
		t.Errorf("role after restart: %+v", role)
	}
	doc := must(c2.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: aws.String("R"), PolicyName: aws.String("fn")}))(t)
	if decodeDoc(t, doc.PolicyDocument) != functionPolicy {
		t.Error("inline policy lost")
	}
	if p := must(c2.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String(policyARN)}))(t).Policy; aws.ToString(p.DefaultVersionId) != "v2" || aws.ToInt32(p.AttachmentCount) != 1 {
		t.Errorf("policy after restart: %+v", p)
	}
	identity, boundary, ok := svc2.PrincipalPolicies(ctx, "arn:aws:sts::000000000000:assumed-role/R/s")
	if !ok || len(identity) != 2 || identity[0].Policy == nil || identity[1].Policy == nil || boundary == nil || boundary.Policy == nil {
		t.Errorf("PrincipalPolicies after restart: %+v %+v", identity, boundary)
	}
	if _, secret, ok := svc2.ResolveAccessKey(ctx, aws.ToString(live.AccessKeyId)); !ok || secret != aws.ToString(live.SecretAccessKey) {
		t.Error("live access key lost")
	}
	if _, secret, ok := svc2.ResolveAccessKey(ctx, aws.ToString(gone.AccessKeyId)); !ok || secret == aws.ToString(gone.SecretAccessKey) {
		t.Error("deleted access key forgotten: it would act as the administrator")
	}
	// Ids keep counting after a restart.
	v3 := must(c2.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: aws.String(policyARN), PolicyDocument: aws.String(functionPolicy)}))(t)
	if aws.ToString(v3.PolicyVersion.VersionId) != "v3" {
		t.Errorf("next version = %s", aws.ToString(v3.PolicyVersion.VersionId))
	}
}
