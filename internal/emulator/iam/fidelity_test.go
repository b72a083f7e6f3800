package iam

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
)

// CreateRole answers Path, RoleName, RoleId, Arn, CreateDate and
// AssumeRolePolicyDocument (and what the request set: Description, Tags):
// no MaxSessionDuration and no RoleLastUsed, which only GetRole shows.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html (example response)
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html
func TestCreateRoleAnswersWhatAWSAnswers(t *testing.T) {
	e := newEnv(t, dispatch.Options{})
	create := rawIAM(t, e, url.Values{"Action": {"CreateRole"}, "Version": {"2010-05-08"}, "RoleName": {"R"},
		"AssumeRolePolicyDocument": {trustLambda}})
	for _, absent := range []string{"<MaxSessionDuration>", "<RoleLastUsed", "<Tags", "<PermissionsBoundary", "<Description"} {
		if strings.Contains(create, absent) {
			t.Errorf("CreateRole answered %s, AWS does not:\n%s", absent, create)
		}
	}
	for _, present := range []string{"<Path>/</Path>", "<RoleName>R</RoleName>", "<RoleId>AROA", "<Arn>arn:aws:iam::000000000000:role/R</Arn>", "<CreateDate>", "<AssumeRolePolicyDocument>"} {
		if !strings.Contains(create, present) {
			t.Errorf("CreateRole lacks %s:\n%s", present, create)
		}
	}
	get := rawIAM(t, e, url.Values{"Action": {"GetRole"}, "Version": {"2010-05-08"}, "RoleName": {"R"}})
	for _, present := range []string{"<MaxSessionDuration>3600</MaxSessionDuration>", "<RoleLastUsed"} {
		if !strings.Contains(get, present) {
			t.Errorf("GetRole lacks %s:\n%s", present, get)
		}
	}
	list := rawIAM(t, e, url.Values{"Action": {"ListRoles"}, "Version": {"2010-05-08"}})
	if !strings.Contains(list, "<MaxSessionDuration>3600</MaxSessionDuration>") || strings.Contains(list, "<RoleLastUsed") {
		t.Errorf("ListRoles shows MaxSessionDuration and no RoleLastUsed:\n%s", list)
	}

	out := must(e.client.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("S"), AssumeRolePolicyDocument: aws.String(trustLambda), MaxSessionDuration: aws.Int32(7200)}))(t)
	if out.Role.MaxSessionDuration != nil || out.Role.RoleLastUsed != nil {
		t.Errorf("SDK CreateRole: MaxSessionDuration %v RoleLastUsed %v, want both absent", out.Role.MaxSessionDuration, out.Role.RoleLastUsed)
	}
	got := must(e.client.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("S")}))(t)
	if aws.ToInt32(got.Role.MaxSessionDuration) != 7200 || got.Role.RoleLastUsed == nil {
		t.Errorf("SDK GetRole: MaxSessionDuration %v RoleLastUsed %v", got.Role.MaxSessionDuration, got.Role.RoleLastUsed)
	}
}

// A document that is not JSON at all is MalformedPolicyDocument "This
// policy contains invalid Json", wherever IAM takes a document.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_policies.html
func TestInvalidJSONPolicyMessage(t *testing.T) {
	e := newEnv(t, dispatch.Options{})
	createRole(t, e, "R")
	const bad = `{"Version": "2012-10-17", "Statement": [`
	calls := map[string]func() error{
		"CreateRole": func() error {
			_, err := e.client.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("X"), AssumeRolePolicyDocument: aws.String(bad)})
			return err
		},
		"PutRolePolicy": func() error {
			_, err := e.client.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("R"), PolicyName: aws.String("p"), PolicyDocument: aws.String(bad)})
			return err
		},
		"CreatePolicy": func() error {
			_, err := e.client.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(bad)})
			return err
		},
		"UpdateAssumeRolePolicy": func() error {
			_, err := e.client.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: aws.String("R"), PolicyDocument: aws.String(bad)})
			return err
		},
		"SimulateCustomPolicy": func() error {
			_, err := e.client.SimulateCustomPolicy(ctx, &awsiam.SimulateCustomPolicyInput{PolicyInputList: []string{bad}, ActionNames: []string{"s3:GetObject"}})
			return err
		},
	}
	for op, call := range calls {
		var mpd *types.MalformedPolicyDocumentException
		if err := call(); !errors.As(err, &mpd) || aws.ToString(mpd.Message) != "This policy contains invalid Json" {
			t.Errorf("%s: got %v, want MalformedPolicyDocument: This policy contains invalid Json", op, err)
		}
	}
	// Valid JSON with a wrong structure keeps naming its problem.
	_, err := e.client.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("R"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}`)})
	var mpd *types.MalformedPolicyDocumentException
	if !errors.As(err, &mpd) || strings.Contains(aws.ToString(mpd.Message), "invalid Json") {
		t.Errorf("structural problem: %v", err)
	}
}

// A PolicyArn that is not an IAM policy ARN is 400 InvalidInput "ARN ... is
// not valid." (not NoSuchEntity); one shorter than the model's minimum of
// 20 is a ValidationError.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachRolePolicy.html (InvalidInput, 400)
func TestMalformedPolicyARNIsInvalidInput(t *testing.T) {
	e := newEnv(t, dispatch.Options{})
	createRole(t, e, "R")
	for _, arn := range []string{"not-an-arn-but-long-enough", "arn:aws:s3:::bucket/policy/x", "arn:aws:iam::000000000000:role/R", "arn:aws:iam:us-east-1:000000000000:policy/P"} {
		_, err := e.client.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("R"), PolicyArn: aws.String(arn)})
		var ii *types.InvalidInputException
		if !errors.As(err, &ii) || aws.ToString(ii.Message) != "ARN "+arn+" is not valid." || httpStatus(err) != 400 {
			t.Errorf("AttachRolePolicy %s: got %v, want 400 InvalidInput: ARN %s is not valid.", arn, err, arn)
		}
		_, err = e.client.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: aws.String(arn)})
		if !errors.As(err, &ii) {
			t.Errorf("GetPolicy %s: got %v, want InvalidInput", arn, err)
		}
	}
	_, err := e.client.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("R"), PolicyArn: aws.String("arn:aws:iam")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationError" || !strings.Contains(ae.ErrorMessage(), "greater than or equal to 20") {
		t.Errorf("short ARN: got %v, want ValidationError", err)
	}
	// A well-formed ARN of a policy that does not exist is still NoSuchEntity.
	_, err = e.client.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("R"), PolicyArn: aws.String("arn:aws:iam::000000000000:policy/Missing")})
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Errorf("missing policy: got %v, want NoSuchEntity", err)
	}
}

// httpStatus is the HTTP status of an SDK error (0 if none).
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// rawIAM posts an administrator-signed query and returns the XML body.
func rawIAM(t *testing.T, e *env, form url.Values) string {
	t.Helper()
	status, body := signedQuery(t, e.url, "iam", "test", "test", form)
	if status != http.StatusOK {
		t.Fatalf("%s: %d %s", form.Get("Action"), status, body)
	}
	return body
}

// A policy's Description is in GetPolicy's answer and not in
// ListPolicies'.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_Policy.html
func TestListPoliciesOmitsDescription(t *testing.T) {
	e := newEnv(t, dispatch.Options{})
	p := must(e.client.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("P"), Description: aws.String("reads orders"),
		PolicyDocument: aws.String(functionPolicy)}))(t)
	got := must(e.client.GetPolicy(ctx, &awsiam.GetPolicyInput{PolicyArn: p.Policy.Arn}))(t)
	if aws.ToString(got.Policy.Description) != "reads orders" {
		t.Errorf("GetPolicy Description = %q", aws.ToString(got.Policy.Description))
	}
	list := must(e.client.ListPolicies(ctx, &awsiam.ListPoliciesInput{Scope: types.PolicyScopeTypeLocal}))(t)
	if len(list.Policies) != 1 || list.Policies[0].Description != nil {
		t.Errorf("ListPolicies = %+v, want one policy without Description", list.Policies)
	}
}
