package iam

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/iampolicy"
)

const basicExecution = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"

func TestManagedPolicies(t *testing.T) {
	e := newEnv(t, dispatch.Options{})
	created := must(e.client.CreatePolicy(ctx, &awsiam.CreatePolicyInput{
		PolicyName: aws.String("orders-operator"), Path: aws.String("/orders/"),
		PolicyDocument: aws.String(functionPolicy), Description: aws.String("ops"),
		Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}},
	}))(t).Policy
	arn := aws.ToString(created.Arn)
	if arn != "arn:aws:iam::000000000000:policy/orders/orders-operator" || !strings.HasPrefix(aws.ToString(created.PolicyId), "ANPA") ||
		aws.ToString(created.DefaultVersionId) != "v1" || !created.IsAttachable {
		t.Errorf("CreatePolicy = %+v", created)
	}
	_, err := e.client.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("orders-operator"), PolicyDocument: aws.String(functionPolicy)})
	var exists *types.EntityAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Errorf("duplicate policy: %v", err)
	}

	got := must(e.client.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String(arn)}))(t).Policy
	if aws.ToString(got.PolicyName) != "orders-operator" || len(got.Tags) != 1 || aws.ToString(got.Description) != "ops" {
		t.Errorf("GetPolicy = %+v", got)
	}
	ver := must(e.client.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")}))(t).PolicyVersion
	if decodeDoc(t, ver.Document) != functionPolicy || !ver.IsDefaultVersion {
		t.Errorf("GetPolicyVersion = %+v", ver)
	}
	_, err = e.client.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v9")})
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Errorf("missing version: %v", err)
	}
	_, err = e.client.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::000000000000:policy/nope")})
	if !errors.As(err, &nse) || aws.ToString(nse.Message) != "Policy arn:aws:iam::000000000000:policy/nope was not found." {
		t.Errorf("missing policy: %v", err)
	}

	// Versions.
	v2 := must(e.client.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: aws.String(arn),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}`), SetAsDefault: true}))(t).PolicyVersion
	if aws.ToString(v2.VersionId) != "v2" || !v2.IsDefaultVersion {
		t.Errorf("CreatePolicyVersion = %+v", v2)
	}
	versions := must(e.client.ListPolicyVersions(ctx, &awsiam.ListPolicyVersionsInput{PolicyArn: aws.String(arn)}))(t).Versions
	if len(versions) != 2 || aws.ToString(versions[0].VersionId) != "v2" {
		t.Errorf("ListPolicyVersions = %+v", versions)
	}
	var paged []string
	vp := awsiam.NewListPolicyVersionsPaginator(e.client, &awsiam.ListPolicyVersionsInput{PolicyArn: aws.String(arn), MaxItems: aws.Int32(1)})
	for vp.HasMorePages() {
		for _, v := range must(vp.NextPage(ctx))(t).Versions {
			paged = append(paged, aws.ToString(v.VersionId))
		}
	}
	if strings.Join(paged, ",") != "v2,v1" {
		t.Errorf("paged versions = %v", paged)
	}
	_, err = e.client.DeletePolicyVersion(ctx, &awsiam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v2")})
	var dc *types.DeleteConflictException
	if !errors.As(err, &dc) {
		t.Errorf("deleting the default version: %v", err)
	}
	_, err = e.client.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	if !errors.As(err, &dc) {
		t.Errorf("deleting a policy with two versions: %v", err)
	}
	must(e.client.SetDefaultPolicyVersion(ctx, &awsiam.SetDefaultPolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v1")}))(t)
	must(e.client.DeletePolicyVersion(ctx, &awsiam.DeletePolicyVersionInput{PolicyArn: aws.String(arn), VersionId: aws.String("v2")}))(t)

	// Attachments, including AWS managed policies.
	createRole(t, e, "R")
	must(e.client.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("R"), PolicyArn: aws.String(arn)}))(t)
	must(e.client.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("R"), PolicyArn: aws.String(basicExecution)}))(t)
	must(e.client.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("R"), PolicyArn: aws.String(basicExecution)}))(t) // no-op
	attached := must(e.client.ListAttachedRolePolicies(ctx, &awsiam.ListAttachedRolePoliciesInput{RoleName: aws.String("R")}))(t).AttachedPolicies
	if len(attached) != 2 || aws.ToString(attached[1].PolicyName) != "AWSLambdaBasicExecutionRole" {
		t.Errorf("ListAttachedRolePolicies = %+v", attached)
	}
	_, err = e.client.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("R"), PolicyArn: aws.String("arn:aws:iam::aws:policy/NoSuchPolicy")})
	if !errors.As(err, &nse) {
		t.Errorf("attaching a missing policy: %v", err)
	}
	if got := must(e.client.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String(arn)}))(t).Policy; aws.ToInt32(got.AttachmentCount) != 1 {
		t.Errorf("AttachmentCount = %d", aws.ToInt32(got.AttachmentCount))
	}
	entities := must(e.client.ListEntitiesForPolicy(ctx, &awsiam.ListEntitiesForPolicyInput{PolicyArn: aws.String(basicExecution)}))(t)
	if len(entities.PolicyRoles) != 1 || aws.ToString(entities.PolicyRoles[0].RoleName) != "R" {
		t.Errorf("ListEntitiesForPolicy = %+v", entities.PolicyRoles)
	}

	identity, _, ok := e.svc.PrincipalPolicies(ctx, "arn:aws:sts::000000000000:assumed-role/R/sess")
	if !ok || len(identity) != 2 || identity[0].ID != arn || identity[1].ID != basicExecution {
		t.Fatalf("PrincipalPolicies = %+v", identity)
	}
	res := iampolicy.Evaluate(iampolicy.Input{Identity: identity}, iampolicy.Request{
		Principal: "arn:aws:sts::000000000000:assumed-role/R/sess", Action: "logs:PutLogEvents",
		Resource: "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f:log-stream:s",
	})
	if res.Decision != iampolicy.Allowed {
		t.Errorf("AWSLambdaBasicExecutionRole does not allow PutLogEvents: %+v", res)
	}

	_, err = e.client.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("R")})
	if !errors.As(err, &dc) || aws.ToString(dc.Message) != "Cannot delete entity, must detach all policies first." {
		t.Errorf("DeleteRole with attached policies: %v", err)
	}
	_, err = e.client.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: aws.String(arn)})
	if !errors.As(err, &dc) {
		t.Errorf("DeletePolicy while attached: %v", err)
	}
	must(e.client.DetachRolePolicy(ctx, &awsiam.DetachRolePolicyInput{RoleName: aws.String("R"), PolicyArn: aws.String(arn)}))(t)
	must(e.client.DetachRolePolicy(ctx, &awsiam.DetachRolePolicyInput{RoleName: aws.String("R"), PolicyArn: aws.String(basicExecution)}))(t)
	_, err = e.client.DetachRolePolicy(ctx, &awsiam.DetachRolePolicyInput{RoleName: aws.String("R"), PolicyArn: aws.String(arn)})
	if !errors.As(err, &nse) {
		t.Errorf("detaching twice: %v", err)
	}
	must(e.client.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("R")}))(t)
	must(e.client.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: aws.String(arn)}))(t)
	_, err = e.client.DeletePolicy(ctx, &awsiam.DeletePolicyInput{PolicyArn: aws.String(basicExecution)})
	if apiCode(err) != "UnmodifiableEntity" {
		t.Errorf("deleting an AWS managed policy: %v", err)
	}
}

func TestListPoliciesScopes(t *testing.T) {
	e := newEnv(t, dispatch.Options{})
	must(e.client.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("mine"), PolicyDocument: aws.String(functionPolicy)}))(t)
	local := must(e.client.ListPolicies(ctx, &awsiam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal}))(t).Policies
	if len(local) != 1 || aws.ToString(local[0].PolicyName) != "mine" {
		t.Errorf("Local = %+v", local)
	}
	awsOnly := must(e.client.ListPolicies(ctx, &awsiam.ListPoliciesInput{Scope: types.PolicyScopeTypeAws}))(t).Policies
	names := map[string]bool{}
	for _, p := range awsOnly {
		names[aws.ToString(p.PolicyName)] = true
		if !strings.HasPrefix(aws.ToString(p.Arn), "arn:aws:iam::aws:policy/") {
			t.Errorf("AWS scope lists %s", aws.ToString(p.Arn))
		}
	}
	for _, want := range []string{"AdministratorAccess", "AmazonDynamoDBFullAccess", "AWSLambdaBasicExecutionRole"} {
		if !names[want] {
			t.Errorf("AWS managed %s missing", want)
		}
	}
	var all []types.Policy
	p := awsiam.NewListPoliciesPaginator(e.client, &awsiam.ListPoliciesInput{MaxItems: aws.Int32(5)})
	for p.HasMorePages() {
		all = append(all, must(p.NextPage(ctx))(t).Policies...)
	}
	if len(all) != len(awsOnly)+1 {
		t.Errorf("All scope paged: %d policies, want %d", len(all), len(awsOnly)+1)
	}
	attached := must(e.client.ListPolicies(ctx, &awsiam.ListPoliciesInput{OnlyAttached: true}))(t).Policies
	if len(attached) != 0 {
		t.Errorf("OnlyAttached with nothing attached: %+v", attached)
	}
	admin := must(e.client.GetPolicyVersion(ctx, &awsiam.GetPolicyVersionInput{PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess"), VersionId: aws.String("v1")}))(t)
	if doc := decodeDoc(t, admin.PolicyVersion.Document); !strings.Contains(doc, `"Action": "*"`) {
		t.Errorf("AdministratorAccess document = %s", doc)
	}
}
