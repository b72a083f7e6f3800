package sts

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/store"
)

func TestSessionsSurviveRestartAndExpireForGood(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, st, dispatch.Options{})
	out := must(e.client.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(openARN), RoleSessionName: aws.String("kept"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)}))(t)
	akid := aws.ToString(out.Credentials.AccessKeyId)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st2, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e2 := newEnv(t, st2, dispatch.Options{})
	who := must(e2.clientFor(out.Credentials).GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{}))(t)
	if aws.ToString(who.Arn) != "arn:aws:sts::000000000000:assumed-role/Assumable/kept" || !strings.HasSuffix(aws.ToString(who.UserId), ":kept") {
		t.Errorf("after restart: %s %s", aws.ToString(who.Arn), aws.ToString(who.UserId))
	}
	if _, ok := e2.svc.SessionPolicy(ctx, akid); !ok {
		t.Error("session policy lost in restart")
	}
	if err := st2.Close(); err != nil {
		t.Fatal(err)
	}

	// Long after expiry the session is pruned, but its key still resolves
	// as expired rather than as a stranger's key (which would act as the
	// administrator).
	st3, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st3.Close()
	later := func() time.Time { return time.Now().Add(3 * 24 * time.Hour) }
	svc3, err := New(st3, Options{Roles: roles, Now: later})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := st3.Get(bucketSessions, akid); v != nil {
		t.Error("expired session not pruned")
	}
	_, _, _, expires, ok := svc3.Resolve(ctx, akid)
	if !ok || expires.After(later()) || !expires.Equal(out.Credentials.Expiration.UTC()) {
		t.Errorf("pruned session resolves as %v %v", expires, ok)
	}
	// and stays so across another restart.
	svc4, err := New(st3, Options{Roles: roles, Now: later})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, _, ok := svc4.Resolve(ctx, akid); !ok {
		t.Error("pruned session forgotten")
	}
}
