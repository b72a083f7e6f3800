package iam

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/service"
)

// validRequests holds, for every IAM operation, a request that succeeds for
// an administrator against the state denyFixture builds.
func validRequests() map[string]url.Values {
	const policyARN = "arn:aws:iam::000000000000:policy/P"
	v := func(kv ...string) url.Values {
		out := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	return map[string]url.Values{
		"CreateRole":                    v("RoleName", "New", "AssumeRolePolicyDocument", trustLambda),
		"GetRole":                       v("RoleName", "R"),
		"DeleteRole":                    v("RoleName", "Empty"),
		"ListRoles":                     v(),
		"UpdateRole":                    v("RoleName", "R", "Description", "d"),
		"UpdateRoleDescription":         v("RoleName", "R", "Description", "d"),
		"UpdateAssumeRolePolicy":        v("RoleName", "R", "PolicyDocument", trustLambda),
		"TagRole":                       v("RoleName", "R", "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"),
		"UntagRole":                     v("RoleName", "R", "TagKeys.member.1", "t"),
		"ListRoleTags":                  v("RoleName", "R"),
		"PutRolePermissionsBoundary":    v("RoleName", "R", "PermissionsBoundary", policyARN),
		"DeleteRolePermissionsBoundary": v("RoleName", "R"),
		"PutRolePolicy":                 v("RoleName", "R", "PolicyName", "x", "PolicyDocument", functionPolicy),
		"GetRolePolicy":                 v("RoleName", "R", "PolicyName", "fn"),
		"DeleteRolePolicy":              v("RoleName", "R", "PolicyName", "fn"),
		"ListRolePolicies":              v("RoleName", "R"),
		"AttachRolePolicy":              v("RoleName", "R", "PolicyArn", basicExecution),
		"DetachRolePolicy":              v("RoleName", "R", "PolicyArn", policyARN),
		"ListAttachedRolePolicies":      v("RoleName", "R"),
		"CreatePolicy":                  v("PolicyName", "New", "PolicyDocument", functionPolicy),
		"GetPolicy":                     v("PolicyArn", policyARN),
		"DeletePolicy":                  v("PolicyArn", "arn:aws:iam::000000000000:policy/Unused"),
		"ListPolicies":                  v(),
		"GetPolicyVersion":              v("PolicyArn", policyARN, "VersionId", "v1"),
		"CreatePolicyVersion":           v("PolicyArn", policyARN, "PolicyDocument", functionPolicy),
		"DeletePolicyVersion":           v("PolicyArn", policyARN, "VersionId", "v2"),
		"ListPolicyVersions":            v("PolicyArn", policyARN),
		"SetDefaultPolicyVersion":       v("PolicyArn", policyARN, "VersionId", "v2"),
		"ListEntitiesForPolicy":         v("PolicyArn", policyARN),
		"CreateUser":                    v("UserName", "New"),
		"GetUser":                       v("UserName", "U"),
		"DeleteUser":                    v("UserName", "Idle"),
		"ListUsers":                     v(),
		"TagUser":                       v("UserName", "U", "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"),
		"UntagUser":                     v("UserName", "U", "TagKeys.member.1", "k"),
		"ListUserTags":                  v("UserName", "U"),
		"PutUserPermissionsBoundary":    v("UserName", "U", "PermissionsBoundary", policyARN),
		"DeleteUserPermissionsBoundary": v("UserName", "U"),
		"CreateAccessKey":               v("UserName", "U"),
		"DeleteAccessKey":               v("UserName", "U", "AccessKeyId", "AKIAPLACEHOLDER00000"),
		"ListAccessKeys":                v("UserName", "U"),
		"PutUserPolicy":                 v("UserName", "U", "PolicyName", "x", "PolicyDocument", functionPolicy),
		"GetUserPolicy":                 v("UserName", "U", "PolicyName", "up"),
		"DeleteUserPolicy":              v("UserName", "U", "PolicyName", "up"),
		"ListUserPolicies":              v("UserName", "U"),
		"AttachUserPolicy":              v("UserName", "U", "PolicyArn", policyARN),
		"DetachUserPolicy":              v("UserName", "U", "PolicyArn", basicExecution),
		"ListAttachedUserPolicies":      v("UserName", "U"),
		"SimulatePrincipalPolicy":       v("PolicySourceArn", "arn:aws:iam::000000000000:role/R", "ActionNames.member.1", "s3:GetObject"),
		"SimulateCustomPolicy":          v("PolicyInputList.member.1", functionPolicy, "ActionNames.member.1", "s3:GetObject"),
	}
}

func denyFixture(t *testing.T, e *env) {
	t.Helper()
	c := e.client
	for _, r := range []string{"R", "Empty"} {
		createRole(t, e, r)
	}
	must(c.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("R"), PolicyName: aws.String("fn"), PolicyDocument: aws.String(functionPolicy)}))(t)
	for _, p := range []string{"P", "Unused"} {
		must(c.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String(p), PolicyDocument: aws.String(functionPolicy)}))(t)
	}
	arn := aws.String("arn:aws:iam::000000000000:policy/P")
	must(c.CreatePolicyVersion(ctx, &awsiam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(functionPolicy)}))(t)
	must(c.AttachRolePolicy(ctx, &awsiam.AttachRolePolicyInput{RoleName: aws.String("R"), PolicyArn: arn}))(t)
	for _, u := range []string{"U", "Idle"} {
		must(c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(u)}))(t)
	}
	must(c.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("U"), PolicyName: aws.String("up"), PolicyDocument: aws.String(functionPolicy)}))(t)
	must(c.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("U"), PolicyArn: aws.String(basicExecution)}))(t)
}

func TestDenyAllAuthorizer(t *testing.T) {
	admin := newEnv(t, dispatch.Options{})
	denyFixture(t, admin)
	caller := service.Principal{ARN: "arn:aws:iam::000000000000:user/U", UserName: "U", AccessKeyID: "AKIADENIED0000000000"}
	denied := serve(t, admin.svc, admin.st, admin.dir, dispatch.Options{
		Identity: staticIdentity{akid: caller.AccessKeyID, secret: "secret", p: caller},
		Authz:    denyAll{},
	})
	before := dump(t, admin.st)
	requests := validRequests()
	for _, op := range admin.svc.Operations() {
		form, ok := requests[op]
		if !ok {
			t.Errorf("%s: no request in validRequests", op)
			continue
		}
		form = cloneValues(form)
		form.Set("Action", op)
		form.Set("Version", "2010-05-08")
		status, body := signedQuery(t, denied.url, "iam", caller.AccessKeyID, "secret", form)
		if status != 403 || !strings.Contains(body, "<Code>AccessDenied</Code>") ||
			!strings.Contains(body, "User: arn:aws:iam::000000000000:user/U is not authorized to perform: iam:") {
			t.Errorf("%s: %d %s", op, status, body)
		}
	}
	if after := dump(t, admin.st); !reflect.DeepEqual(before, after) {
		t.Errorf("denied requests changed the store")
	}
	// The same requests succeed for the administrator, each on a fresh
	// fixture (so the denials above are the authorizer's doing, not bad
	// input).
	for op, form := range requests {
		if op == "DeleteAccessKey" { // needs a real key id
			continue
		}
		admin := newEnv(t, dispatch.Options{})
		denyFixture(t, admin)
		form = cloneValues(form)
		form.Set("Action", op)
		form.Set("Version", "2010-05-08")
		if status, body := signedQuery(t, admin.url, "iam", "AKIDADMIN", "whatever", form); status != 200 {
			t.Errorf("%s as administrator: %d %s", op, status, body)
		}
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
