package sts_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
	"github.com/orders-dev/orders/internal/emulator/iam"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
	"github.com/orders-dev/orders/internal/emulator/sts"
)

// identities chains STS sessions and IAM users' keys, as the emulator's
// wiring does.
type identities struct {
	sts *sts.Service
	iam *iam.Service
}

func (i identities) Resolve(ctx context.Context, akid string) (service.Principal, string, string, time.Time, bool) {
	if p, secret, token, exp, ok := i.sts.Resolve(ctx, akid); ok {
		return p, secret, token, exp, true
	}
	return i.iam.Resolve(ctx, akid)
}

// TestWithRealIAM wires STS to the IAM service as the lead does: roles
// through sts.RolesFunc converting iam.RoleInfo, users' ids through
// iam.Service itself.
func TestWithRealIAM(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	iamSvc, err := iam.New(st, iam.Options{})
	if err != nil {
		t.Fatal(err)
	}
	stsSvc, err := sts.New(st, sts.Options{
		Roles: sts.RolesFunc(func(ctx context.Context, account, nameOrARN string) (sts.RoleInfo, bool) {
			r, ok := iamSvc.Role(ctx, account, nameOrARN)
			return sts.RoleInfo(r), ok
		}),
		Users: iamSvc,
	})
	if err != nil {
		t.Fatal(err)
	}
	d := dispatch.New(dispatch.Options{Identity: identities{stsSvc, iamSvc}})
	iamSvc.Register(d)
	stsSvc.Register(d)
	cfg, srv := emutest.Config(t, d)
	admin := awsiam.NewFromConfig(cfg)
	if _, err := admin.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String("R"), AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	role, err := admin.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String("R")})
	if err != nil {
		t.Fatal(err)
	}
	out, err := awssts.NewFromConfig(cfg).AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: role.Role.Arn, RoleSessionName: aws.String("wired")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(out.AssumedRoleUser.AssumedRoleId), aws.ToString(role.Role.RoleId)+":wired"; got != want {
		t.Errorf("AssumedRoleId = %s, want %s", got, want)
	}

	if _, err := admin.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String("op")}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String("op")})
	if err != nil {
		t.Fatal(err)
	}
	user, _ := admin.GetUser(ctx, &awsiam.GetUserInput{UserName: aws.String("op")})
	asUser := awssts.NewFromConfig(emutest.ConfigFor(srv.URL, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), ""))
	who, err := asUser.GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Arn) != aws.ToString(user.User.Arn) || aws.ToString(who.UserId) != aws.ToString(user.User.UserId) {
		t.Errorf("user identity = %s %s", aws.ToString(who.Arn), aws.ToString(who.UserId))
	}
}
