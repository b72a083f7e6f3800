package iam

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
)

func TestUsersAndAccessKeys(t *testing.T) {
	e := newEnv(t, dispatch.Options{})
	u := must(e.client.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("operator"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("ops")}}}))(t).User
	if aws.ToString(u.Arn) != "arn:aws:iam::000000000000:user/operator" || !strings.HasPrefix(aws.ToString(u.UserId), "AIDA") || len(aws.ToString(u.UserId)) != 21 {
		t.Errorf("CreateUser = %+v", u)
	}
	_, err := e.client.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("Operator")})
	var exists *types.EntityAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Errorf("duplicate user: %v", err)
	}
	got := must(e.client.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("operator")}))(t).User
	if aws.ToString(got.UserId) != aws.ToString(u.UserId) || len(got.Tags) != 1 {
		t.Errorf("GetUser = %+v", got)
	}
	root := must(e.client.GetUser(ctx, &awsiam.GetUserInput{}))(t).User
	if aws.ToString(root.Arn) != "arn:aws:iam::000000000000:root" || aws.ToString(root.UserId) != account {
		t.Errorf("GetUser as root = %+v", root)
	}
	_, err = e.client.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("ghost")})
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) || aws.ToString(nse.Message) != "The user with name ghost cannot be found." {
		t.Errorf("missing user: %v", err)
	}
	must(e.client.TagUser(ctx, &awsiam.TagUserInput{UserName: aws.String("operator"), Tags: []types.Tag{{Key: aws.String("x"), Value: aws.String("y")}}}))(t)
	must(e.client.UntagUser(ctx, &awsiam.UntagUserInput{UserName: aws.String("operator"), TagKeys: []string{"team"}}))(t)
	tags := must(e.client.ListUserTags(ctx, &awsiam.ListUserTagsInput{UserName: aws.String("operator")}))(t).Tags
	if len(tags) != 1 || aws.ToString(tags[0].Key) != "x" {
		t.Errorf("user tags = %+v", tags)
	}
	users := must(e.client.ListUsers(ctx, &awsiam.ListUsersInput{}))(t).Users
	if len(users) != 1 || aws.ToString(users[0].UserName) != "operator" {
		t.Errorf("ListUsers = %+v", users)
	}

	// Access keys, resolvable by the dispatcher, at most two.
	k1 := must(e.client.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("operator")}))(t).AccessKey
	id := aws.ToString(k1.AccessKeyId)
	if !strings.HasPrefix(id, "AKIA") || len(id) != 20 || len(aws.ToString(k1.SecretAccessKey)) != 40 || k1.Status != types.StatusTypeActive {
		t.Errorf("CreateAccessKey = %+v", k1)
	}
	p, secret, ok := e.svc.ResolveAccessKey(ctx, id)
	if !ok || secret != aws.ToString(k1.SecretAccessKey) || p.ARN != "arn:aws:iam::000000000000:user/operator" || p.UserName != "operator" || p.Admin {
		t.Errorf("ResolveAccessKey = %+v %q %v", p, secret, ok)
	}
	if uid, ok := e.svc.UserID(ctx, p.ARN); !ok || uid != aws.ToString(u.UserId) {
		t.Errorf("UserID = %q %v", uid, ok)
	}
	must(e.client.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("operator")}))(t)
	_, err = e.client.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("operator")})
	var le *types.LimitExceededException
	if !errors.As(err, &le) {
		t.Errorf("third access key: %v", err)
	}
	keys := must(e.client.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{UserName: aws.String("operator")}))(t).AccessKeyMetadata
	if len(keys) != 2 || aws.ToString(keys[0].AccessKeyId) != id {
		t.Errorf("ListAccessKeys = %+v", keys)
	}

	// The user signs its own requests: GetUser and ListAccessKeys default
	// to the caller.
	ue := serve(t, e.svc, e.st, e.dir, dispatch.Options{Identity: e.svc})
	self := awsiam.NewFromConfig(emutest.ConfigFor(ue.url, id, aws.ToString(k1.SecretAccessKey), ""))
	me := must(self.GetUser(ctx, &awsiam.GetUserInput{}))(t).User
	if aws.ToString(me.UserName) != "operator" {
		t.Errorf("GetUser as the user = %+v", me)
	}
	mine := must(self.ListAccessKeys(ctx, &awsiam.ListAccessKeysInput{}))(t).AccessKeyMetadata
	if len(mine) != 2 {
		t.Errorf("ListAccessKeys as the user = %+v", mine)
	}

	// User policies.
	must(e.client.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String("operator"), PolicyName: aws.String("inline"), PolicyDocument: aws.String(functionPolicy)}))(t)
	up := must(e.client.GetUserPolicy(ctx, &awsiam.GetUserPolicyInput{UserName: aws.String("operator"), PolicyName: aws.String("inline")}))(t)
	if decodeDoc(t, up.PolicyDocument) != functionPolicy || aws.ToString(up.UserName) != "operator" {
		t.Errorf("GetUserPolicy = %+v", up)
	}
	if names := must(e.client.ListUserPolicies(ctx, &awsiam.ListUserPoliciesInput{UserName: aws.String("operator")}))(t).PolicyNames; len(names) != 1 {
		t.Errorf("ListUserPolicies = %v", names)
	}
	must(e.client.AttachUserPolicy(ctx, &awsiam.AttachUserPolicyInput{UserName: aws.String("operator"), PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")}))(t)
	if at := must(e.client.ListAttachedUserPolicies(ctx, &awsiam.ListAttachedUserPoliciesInput{UserName: aws.String("operator")}))(t).AttachedPolicies; len(at) != 1 {
		t.Errorf("ListAttachedUserPolicies = %+v", at)
	}
	identity, _, ok := e.svc.PrincipalPolicies(ctx, "arn:aws:iam::000000000000:user/operator")
	if !ok || len(identity) != 2 {
		t.Errorf("user PrincipalPolicies = %+v %v", identity, ok)
	}

	// DeleteUser refuses while keys, inline or attached policies remain.
	var dc *types.DeleteConflictException
	steps := []struct {
		wantMsg string
		clear   func()
	}{
		{"must delete access keys first", func() {
			for _, k := range keys {
				must(e.client.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{UserName: aws.String("operator"), AccessKeyId: k.AccessKeyId}))(t)
			}
		}},
		{"must delete policies first", func() {
			must(e.client.DeleteUserPolicy(ctx, &awsiam.DeleteUserPolicyInput{UserName: aws.String("operator"), PolicyName: aws.String("inline")}))(t)
		}},
		{"must detach all policies first", func() {
			must(e.client.DetachUserPolicy(ctx, &awsiam.DetachUserPolicyInput{UserName: aws.String("operator"), PolicyArn: aws.String("arn:aws:iam::aws:policy/IAMReadOnlyAccess")}))(t)
		}},
	}
	for _, s := range steps {
		_, err := e.client.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("operator")})
		if !errors.As(err, &dc) || !strings.Contains(err.Error(), s.wantMsg) {
			t.Errorf("DeleteUser: %v, want DeleteConflict %q", err, s.wantMsg)
		}
		s.clear()
	}
	_, err = e.client.DeleteAccessKey(ctx, &awsiam.DeleteAccessKeyInput{UserName: aws.String("operator"), AccessKeyId: aws.String(id)})
	if !errors.As(err, &nse) {
		t.Errorf("deleting a deleted key: %v", err)
	}
	must(e.client.DeleteUser(ctx, &awsiam.DeleteUserInput{UserName: aws.String("operator")}))(t)

	// A deleted key never becomes an administrator key: it is still
	// claimed, with a secret nobody knows, so its signatures fail.
	p, secret, ok = e.svc.ResolveAccessKey(ctx, id)
	if !ok || secret == aws.ToString(k1.SecretAccessKey) || p.Admin {
		t.Errorf("deleted key resolves to %+v %v", p, ok)
	}
	_, err = self.ListRoles(ctx, &awsiam.ListRolesInput{})
	if apiCode(err) != "SignatureDoesNotMatch" {
		t.Errorf("request with a deleted key: %v", err)
	}
}
