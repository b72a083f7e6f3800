package iam

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
)

func TestRoleLifecycle(t *testing.T) {
	e := newEnv(t, dispatch.Options{})
	out := must(e.client.CreateRole(ctx, &awsiam.CreateRoleInput{
		RoleName:                 aws.String("ProcessOrderFunction-role"),
		Path:                     aws.String("/service/"),
		AssumeRolePolicyDocument: aws.String(trustLambda),
		Description:              aws.String("runs the function"),
		MaxSessionDuration:       aws.Int32(7200),
		Tags:                     []types.Tag{{Key: aws.String("orders:stack"), Value: aws.String("orders")}},
	}))(t)
	r := out.Role
	if got, want := aws.ToString(r.Arn), "arn:aws:iam::000000000000:role/service/ProcessOrderFunction-role"; got != want {
		t.Errorf("Arn = %q, want %q", got, want)
	}
	if id := aws.ToString(r.RoleId); !strings.HasPrefix(id, "AROA") || len(id) != 21 {
		t.Errorf("RoleId = %q, want AROA + 17 characters", id)
	}
	if r.CreateDate == nil || r.CreateDate.IsZero() {
		t.Error("CreateDate missing")
	}
	if got := decodeDoc(t, r.AssumeRolePolicyDocument); got != trustLambda {
		t.Errorf("trust policy round trip:\n%s", got)
	}
	if aws.ToString(r.Description) != "runs the function" {
		t.Errorf("Description = %q", aws.ToString(r.Description))
	}

	// Names are unique regardless of case, and lookups ignore case too.
	_, err := e.client.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("processorderfunction-ROLE"), AssumeRolePolicyDocument: aws.String(trustLambda)})
	var exists *types.EntityAlreadyExistsException
	if !errors.As(err, &exists) || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicate role: %v", err)
	}
	got := must(e.client.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("processorderfunction-role")}))(t)
	if aws.ToString(got.Role.RoleName) != "ProcessOrderFunction-role" || len(got.Role.Tags) != 1 || aws.ToInt32(got.Role.MaxSessionDuration) != 7200 {
		t.Errorf("GetRole: %+v", got.Role)
	}

	_, err = e.client.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("Nope")})
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) || aws.ToString(nse.Message) != "The role with name Nope cannot be found." {
		t.Errorf("missing role: %v", err)
	}

	must(e.client.UpdateRole(ctx, &awsiam.UpdateRoleInput{RoleName: aws.String("ProcessOrderFunction-role"), MaxSessionDuration: aws.Int32(3600)}))(t)
	desc := must(e.client.UpdateRoleDescription(ctx, &awsiam.UpdateRoleDescriptionInput{RoleName: aws.String("ProcessOrderFunction-role"), Description: aws.String("new")}))(t)
	if aws.ToString(desc.Role.Description) != "new" || aws.ToInt32(desc.Role.MaxSessionDuration) != 3600 {
		t.Errorf("after updates: %+v", desc.Role)
	}
	_, err = e.client.UpdateRole(ctx, &awsiam.UpdateRoleInput{RoleName: aws.String("ProcessOrderFunction-role"), MaxSessionDuration: aws.Int32(60)})
	if apiCode(err) != "ValidationError" {
		t.Errorf("MaxSessionDuration 60: %v", err)
	}

	newTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}`
	must(e.client.UpdateAssumeRolePolicy(ctx, &awsiam.UpdateAssumeRolePolicyInput{RoleName: aws.String("ProcessOrderFunction-role"), PolicyDocument: aws.String(newTrust)}))(t)
	got = must(e.client.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("ProcessOrderFunction-role")}))(t)
	if decodeDoc(t, got.Role.AssumeRolePolicyDocument) != newTrust {
		t.Errorf("UpdateAssumeRolePolicy not applied")
	}

	must(e.client.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("ProcessOrderFunction-role")}))(t)
	_, err = e.client.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("ProcessOrderFunction-role")})
	if !errors.As(err, &nse) {
		t.Errorf("delete twice: %v", err)
	}
}

func TestMalformedPolicyDocuments(t *testing.T) {
	e := newEnv(t, dispatch.Options{})
	var mpd *types.MalformedPolicyDocumentException
	for name, doc := range map[string]string{
		"not json":           `{"Version":`,
		"trust no principal": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`,
		"trust with s3":      `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"s3:GetObject"}]}`,
		"bad effect":         `{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Principal":"*","Action":"sts:AssumeRole"}]}`,
	} {
		_, err := e.client.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("R"), AssumeRolePolicyDocument: aws.String(doc)})
		if !errors.As(err, &mpd) {
			t.Errorf("%s: got %v, want MalformedPolicyDocument", name, err)
		}
	}
	createRole(t, e, "R")
	for name, doc := range map[string]string{
		"principal in identity policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`,
		"no resource":                  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}`,
		"garbage":                      `[]`,
	} {
		_, err := e.client.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("R"), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)})
		if !errors.As(err, &mpd) {
			t.Errorf("%s: got %v, want MalformedPolicyDocument", name, err)
		}
		_, err = e.client.CreatePolicy(ctx, &awsiam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)})
		if !errors.As(err, &mpd) {
			t.Errorf("CreatePolicy %s: got %v, want MalformedPolicyDocument", name, err)
		}
	}
}

func TestListRolesPaginates(t *testing.T) {
	e := newEnv(t, dispatch.Options{})
	for _, n := range []string{"c", "a", "B", "d"} {
		createRole(t, e, n)
	}
	must(e.client.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("svc"), Path: aws.String("/svc/"), AssumeRolePolicyDocument: aws.String(trustLambda)}))(t)
	var names []string
	p := awsiam.NewListRolesPaginator(e.client, &awsiam.ListRolesInput{MaxItems: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		out := must(p.NextPage(ctx))(t)
		pages++
		for _, r := range out.Roles {
			names = append(names, aws.ToString(r.RoleName))
			if r.AssumeRolePolicyDocument == nil {
				t.Errorf("ListRoles lacks the trust policy of %s", aws.ToString(r.RoleName))
			}
		}
	}
	if got := strings.Join(names, ","); got != "a,B,c,d,svc" || pages != 3 {
		t.Errorf("roles = %s in %d pages", got, pages)
	}
	out := must(e.client.ListRoles(ctx, &awsiam.ListRolesInput{PathPrefix: aws.String("/svc/")}))(t)
	if len(out.Roles) != 1 || aws.ToString(out.Roles[0].RoleName) != "svc" {
		t.Errorf("PathPrefix: %+v", out.Roles)
	}
	empty := newEnv(t, dispatch.Options{})
	out = must(empty.client.ListRoles(ctx, &awsiam.ListRolesInput{}))(t)
	if out.Roles == nil || len(out.Roles) != 0 || out.IsTruncated {
		t.Errorf("empty ListRoles: %+v", out)
	}
}

func TestRoleTagsAndBoundary(t *testing.T) {
	e := newEnv(t, dispatch.Options{})
	createRole(t, e, "R")
	must(e.client.TagRole(ctx, &awsiam.TagRoleInput{RoleName: aws.String("R"), Tags: []types.Tag{
		{Key: aws.String("b"), Value: aws.String("1")}, {Key: aws.String("a"), Value: aws.String("2")},
	}}))(t)
	must(e.client.TagRole(ctx, &awsiam.TagRoleInput{RoleName: aws.String("R"), Tags: []types.Tag{{Key: aws.String("B"), Value: aws.String("3")}}}))(t)
	tags := must(e.client.ListRoleTags(ctx, &awsiam.ListRoleTagsInput{RoleName: aws.String("R")}))(t)
	if len(tags.Tags) != 2 || aws.ToString(tags.Tags[0].Key) != "B" || aws.ToString(tags.Tags[0].Value) != "3" {
		t.Errorf("tags after retag (keys are case-insensitive): %+v", tags.Tags)
	}
	must(e.client.UntagRole(ctx, &awsiam.UntagRoleInput{RoleName: aws.String("R"), TagKeys: []string{"a"}}))(t)
	tags = must(e.client.ListRoleTags(ctx, &awsiam.ListRoleTagsInput{RoleName: aws.String("R")}))(t)
	if len(tags.Tags) != 1 {
		t.Errorf("tags after untag: %+v", tags.Tags)
	}

	boundaryARN := "arn:aws:iam::aws:policy/PowerUserAccess"
	must(e.client.PutRolePermissionsBoundary(ctx, &awsiam.PutRolePermissionsBoundaryInput{RoleName: aws.String("R"), PermissionsBoundary: aws.String(boundaryARN)}))(t)
	got := must(e.client.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("R")}))(t)
	if got.Role.PermissionsBoundary == nil || aws.ToString(got.Role.PermissionsBoundary.PermissionsBoundaryArn) != boundaryARN ||
		got.Role.PermissionsBoundary.PermissionsBoundaryType != types.PermissionsBoundaryAttachmentTypePolicy {
		t.Errorf("boundary: %+v", got.Role.PermissionsBoundary)
	}
	_, boundary, ok := e.svc.PrincipalPolicies(ctx, "arn:aws:sts::000000000000:assumed-role/R/s1")
	if !ok || boundary == nil || boundary.ID != boundaryARN {
		t.Errorf("PrincipalPolicies boundary = %+v, %v", boundary, ok)
	}
	_, err := e.client.PutRolePermissionsBoundary(ctx, &awsiam.PutRolePermissionsBoundaryInput{RoleName: aws.String("R"), PermissionsBoundary: aws.String("arn:aws:iam::000000000000:policy/Nope")})
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Errorf("missing boundary policy: %v", err)
	}
	must(e.client.DeleteRolePermissionsBoundary(ctx, &awsiam.DeleteRolePermissionsBoundaryInput{RoleName: aws.String("R")}))(t)
	got = must(e.client.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("R")}))(t)
	if got.Role.PermissionsBoundary != nil {
		t.Errorf("boundary still set: %+v", got.Role.PermissionsBoundary)
	}
}

func TestRoleInlinePolicies(t *testing.T) {
	e := newEnv(t, dispatch.Options{})
	createRole(t, e, "R")
	must(e.client.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("R"), PolicyName: aws.String("fn"), PolicyDocument: aws.String(functionPolicy)}))(t)
	must(e.client.PutRolePolicy(ctx, &awsiam.PutRolePolicyInput{RoleName: aws.String("R"), PolicyName: aws.String("extra"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sns:Publish","Resource":"*"}}`)}))(t)

	got := must(e.client.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: aws.String("R"), PolicyName: aws.String("fn")}))(t)
	raw := aws.ToString(got.PolicyDocument)
	if strings.ContainsAny(raw, "{\" \n") || !strings.Contains(raw, "%7B") || !strings.Contains(raw, "%20") {
		t.Errorf("document not URL-encoded as IAM returns it: %q", raw)
	}
	if decodeDoc(t, got.PolicyDocument) != functionPolicy || aws.ToString(got.RoleName) != "R" {
		t.Errorf("GetRolePolicy round trip: %q", decodeDoc(t, got.PolicyDocument))
	}
	list := must(e.client.ListRolePolicies(ctx, &awsiam.ListRolePoliciesInput{RoleName: aws.String("R")}))(t)
	if strings.Join(list.PolicyNames, ",") != "extra,fn" {
		t.Errorf("ListRolePolicies = %v", list.PolicyNames)
	}

	_, err := e.client.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("R")})
	var dc *types.DeleteConflictException
	if !errors.As(err, &dc) || aws.ToString(dc.Message) != "Cannot delete entity, must delete policies first." {
		t.Errorf("DeleteRole with inline policies: %v", err)
	}

	identity, _, ok := e.svc.PrincipalPolicies(ctx, "arn:aws:iam::000000000000:role/R")
	if !ok || len(identity) != 2 || identity[0].ID != "extra" || identity[1].ID != "fn" {
		t.Errorf("PrincipalPolicies = %+v", identity)
	}

	_, err = e.client.GetRolePolicy(ctx, &awsiam.GetRolePolicyInput{RoleName: aws.String("R"), PolicyName: aws.String("nope")})
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) || aws.ToString(nse.Message) != "The role policy with name nope cannot be found." {
		t.Errorf("missing inline policy: %v", err)
	}
	for _, n := range []string{"fn", "extra"} {
		must(e.client.DeleteRolePolicy(ctx, &awsiam.DeleteRolePolicyInput{RoleName: aws.String("R"), PolicyName: aws.String(n)}))(t)
	}
	_, err = e.client.DeleteRolePolicy(ctx, &awsiam.DeleteRolePolicyInput{RoleName: aws.String("R"), PolicyName: aws.String("fn")})
	if !errors.As(err, &nse) {
		t.Errorf("delete missing inline policy: %v", err)
	}
	must(e.client.DeleteRole(ctx, &awsiam.DeleteRoleInput{RoleName: aws.String("R")}))(t)
	if _, _, ok := e.svc.PrincipalPolicies(ctx, "arn:aws:sts::000000000000:assumed-role/R/s"); ok {
		t.Error("a session of a deleted role still has policies")
	}
}

func TestRoleLookupForOtherServices(t *testing.T) {
	e := newEnv(t, dispatch.Options{})
	must(e.client.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("R"), Path: aws.String("/p/"), AssumeRolePolicyDocument: aws.String(trustLambda), MaxSessionDuration: aws.Int32(7200)}))(t)
	info, ok := e.svc.Role(ctx, account, "R")
	if !ok || info.ARN != "arn:aws:iam::000000000000:role/p/R" || info.TrustPolicy != trustLambda || info.MaxSessionDuration != 7200 || !strings.HasPrefix(info.RoleID, "AROA") {
		t.Errorf("Role by name = %+v, %v", info, ok)
	}
	if byARN, ok := e.svc.Role(ctx, "111111111111", info.ARN); !ok || byARN != info {
		t.Errorf("Role by ARN = %+v, %v", byARN, ok)
	}
	for _, bad := range []string{"arn:aws:iam::000000000000:role/R", "arn:aws:iam::000000000000:role/p/Other", "arn:aws:iam::111111111111:role/p/R", "Other"} {
		if _, ok := e.svc.Role(ctx, account, bad); ok {
			t.Errorf("Role(%q) found a role", bad)
		}
	}
}
