package sts

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

var ctx = context.Background()

const (
	account   = "000000000000"
	lambdaARN = "arn:aws:iam::000000000000:role/ProcessOrderFunction-role"
	openARN   = "arn:aws:iam::000000000000:role/Assumable"
	// taggingARN's trust policy also allows sts:TagSession.
	taggingARN = "arn:aws:iam::000000000000:role/Tagging"
)

// fakeRoles is a role directory standing in for IAM.
type fakeRoles map[string]RoleInfo

func (f fakeRoles) Role(_ context.Context, acct, nameOrARN string) (RoleInfo, bool) {
	for _, r := range f {
		if r.ARN == nameOrARN || r.Name == nameOrARN && acct == account {
			return r, true
		}
	}
	return RoleInfo{}, false
}

var roles = fakeRoles{
	"lambda": {Name: "ProcessOrderFunction-role", ARN: lambdaARN, RoleID: "AROAAAAAAAAAAAAAAAAAA", MaxSessionDuration: 3600,
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`},
	"open": {Name: "Assumable", ARN: openARN, RoleID: "AROABBBBBBBBBBBBBBBBB", MaxSessionDuration: 7200,
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}`},
	"tagging": {Name: "Tagging", ARN: taggingARN, RoleID: "AROACCCCCCCCCCCCCCCCC", MaxSessionDuration: 3600,
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`},
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	svc    *Service
	st     *store.Store
	clock  *clock
	url    string
	client *awssts.Client // administrator
}

func newEnv(t testing.TB, st *store.Store, opts dispatch.Options) *env {
	t.Helper()
	if st == nil {
		var err error
		if st, err = store.Open("", store.Options{InMemory: true}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
	}
	c := &clock{t: time.Now()}
	svc, err := New(st, Options{Roles: roles, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	if opts.Identity == nil {
		opts.Identity = svc
	}
	opts.Now = c.now
	d := dispatch.New(opts)
	svc.Register(d)
	cfg, srv := emutest.Config(t, d)
	return &env{svc: svc, st: st, clock: c, url: srv.URL, client: awssts.NewFromConfig(cfg)}
}

func (e *env) clientFor(c *types.Credentials) *awssts.Client {
	return awssts.NewFromConfig(emutest.ConfigFor(e.url, aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)))
}

func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestGetCallerIdentityAsAdministrator(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	out := must(e.client.GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{}))(t)
	// The default identity is an administrator IAM user, not the root user
	// (which cannot assume roles on AWS).
	if aws.ToString(out.Account) != account || aws.ToString(out.Arn) != "arn:aws:iam::000000000000:user/admin" || aws.ToString(out.UserId) != "AIDAADMIN"+account {
		t.Errorf("GetCallerIdentity = %s %s %s", aws.ToString(out.Account), aws.ToString(out.Arn), aws.ToString(out.UserId))
	}
}

func TestAssumeRoleAndSignAsTheSession(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	start := e.clock.now()
	out := must(e.client.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(openARN), RoleSessionName: aws.String("probe"), DurationSeconds: aws.Int32(1800)}))(t)
	c := out.Credentials
	if id := aws.ToString(c.AccessKeyId); !strings.HasPrefix(id, "ASIA") || len(id) != 20 {
		t.Errorf("AccessKeyId = %q", id)
	}
	if len(aws.ToString(c.SecretAccessKey)) != 40 || len(aws.ToString(c.SessionToken)) < 100 {
		t.Errorf("secret/token shapes: %d/%d characters", len(aws.ToString(c.SecretAccessKey)), len(aws.ToString(c.SessionToken)))
	}
	if d := c.Expiration.Sub(start); d < 1799*time.Second || d > 1801*time.Second {
		t.Errorf("Expiration %v is %v after issue, want 30m", c.Expiration, d)
	}
	if aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:sts::000000000000:assumed-role/Assumable/probe" ||
		aws.ToString(out.AssumedRoleUser.AssumedRoleId) != "AROABBBBBBBBBBBBBBBBB:probe" {
		t.Errorf("AssumedRoleUser = %+v", out.AssumedRoleUser)
	}

	who := must(e.clientFor(c).GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{}))(t)
	if aws.ToString(who.Arn) != "arn:aws:sts::000000000000:assumed-role/Assumable/probe" ||
		aws.ToString(who.UserId) != "AROABBBBBBBBBBBBBBBBB:probe" || aws.ToString(who.Account) != account {
		t.Errorf("as the session: %s %s %s", aws.ToString(who.Arn), aws.ToString(who.UserId), aws.ToString(who.Account))
	}

	// The issued secret is checked, and so is expiry.
	forged := *c
	forged.SecretAccessKey = aws.String(strings.Repeat("x", 40))
	_, err := e.clientFor(&forged).GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
	if apiCode(err) != "SignatureDoesNotMatch" {
		t.Errorf("wrong secret: %v", err)
	}
	e.clock.advance(31 * time.Minute)
	_, err = e.clientFor(c).GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
	// STS answers ExpiredToken (its SDK type ExpiredTokenException is
	// for web identity tokens).
	if apiCode(err) != "ExpiredToken" {
		t.Errorf("expired session: %v", err)
	}
}

func TestAssumeRoleErrors(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	_, err := e.client.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/Missing"), RoleSessionName: aws.String("s1")})
	if apiCode(err) != "AccessDenied" || !strings.Contains(err.Error(), "is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::000000000000:role/Missing") {
		t.Errorf("missing role: %v", err)
	}
	for name, in := range map[string]*awssts.AssumeRoleInput{
		"too short":              {RoleArn: aws.String(openARN), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(899)},
		"above role maximum":     {RoleArn: aws.String(openARN), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(7201)},
		"bad session name":       {RoleArn: aws.String(openARN), RoleSessionName: aws.String("has space")},
		"managed session policy": {RoleArn: aws.String(openARN), RoleSessionName: aws.String("s1"), PolicyArns: []types.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}}},
	} {
		if _, err := e.client.AssumeRole(ctx, in); apiCode(err) != "ValidationError" {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, err = e.client.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(openARN), RoleSessionName: aws.String("s1"), Policy: aws.String(`{"Statement":`)})
	var mpd *types.MalformedPolicyDocumentException
	if !errors.As(err, &mpd) {
		t.Errorf("malformed session policy: %v", err)
	}
}

func TestAssumeRoleChecksTrustForIssuedCredentials(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	sess := must(e.client.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(openARN), RoleSessionName: aws.String("first"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:*","Resource":"*"}]}`)}))(t)
	if sess.PackedPolicySize == nil {
		t.Error("PackedPolicySize missing with a session policy")
	}
	if np, ok := e.svc.SessionPolicy(ctx, aws.ToString(sess.Credentials.AccessKeyId)); !ok || np.Policy == nil || len(np.Policy.Statements) != 1 {
		t.Errorf("SessionPolicy = %+v %v", np, ok)
	}
	as := e.clientFor(sess.Credentials)
	// The Lambda role trusts only lambda.amazonaws.com.
	_, err := as.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(lambdaARN), RoleSessionName: aws.String("sneaky")})
	if apiCode(err) != "AccessDenied" {
		t.Errorf("assuming a role whose trust policy excludes the caller: %v", err)
	}
	// Role chaining is limited to one hour.
	_, err = as.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(openARN), RoleSessionName: aws.String("chain"), DurationSeconds: aws.Int32(7200)})
	if apiCode(err) != "ValidationError" || !strings.Contains(err.Error(), "role chaining") {
		t.Errorf("chained 2h session: %v", err)
	}
	chained := must(as.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(openARN), RoleSessionName: aws.String("chain")}))(t)
	if aws.ToString(chained.AssumedRoleUser.Arn) != "arn:aws:sts::000000000000:assumed-role/Assumable/chain" {
		t.Errorf("chained session = %+v", chained.AssumedRoleUser)
	}
}

func TestIssueRoleSessionAndResolve(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	c, err := e.svc.IssueRoleSession(ctx, account, lambdaARN, "ProcessOrderFunction", 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if c.AssumedRoleARN != "arn:aws:sts::000000000000:assumed-role/ProcessOrderFunction-role/ProcessOrderFunction" ||
		c.AssumedRoleID != "AROAAAAAAAAAAAAAAAAAA:ProcessOrderFunction" {
		t.Errorf("credentials = %+v", c)
	}
	p, secret, token, expires, ok := e.svc.Resolve(ctx, c.AccessKeyID)
	if !ok || secret != c.SecretAccessKey || token != c.SessionToken || !expires.Equal(c.Expiration) ||
		p.ARN != c.AssumedRoleARN || p.RoleName != "ProcessOrderFunction-role" || p.SessionName != "ProcessOrderFunction" || p.Admin {
		t.Errorf("Resolve = %+v %v", p, ok)
	}
	if _, _, _, _, ok := e.svc.Resolve(ctx, "AKIAFOREIGNKEY000000"); ok {
		t.Error("a key STS did not issue resolved")
	}
	if _, err := e.svc.IssueRoleSession(ctx, account, "arn:aws:iam::000000000000:role/Missing", "x1", time.Hour); err == nil {
		t.Error("session of a missing role issued")
	}
	if _, err := e.svc.IssueRoleSession(ctx, account, lambdaARN, "bad name", time.Hour); err == nil {
		t.Error("session with an invalid name issued")
	}
	// The function signs as its role.
	fn := awssts.NewFromConfig(emutest.ConfigFor(e.url, c.AccessKeyID, c.SecretAccessKey, c.SessionToken))
	who := must(fn.GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{}))(t)
	if aws.ToString(who.Arn) != c.AssumedRoleARN {
		t.Errorf("function identity = %s", aws.ToString(who.Arn))
	}
}

type userDirectory map[string]string

func (u userDirectory) UserID(_ context.Context, arn string) (string, bool) {
	id, ok := u[arn]
	return id, ok
}

type staticIdentity struct {
	akid, secret string
	p            service.Principal
}

func (s staticIdentity) Resolve(_ context.Context, akid string) (service.Principal, string, string, time.Time, bool) {
	if akid != s.akid {
		return service.Principal{}, "", "", time.Time{}, false
	}
	return s.p, s.secret, "", time.Time{}, true
}

func TestGetCallerIdentityAsUser(t *testing.T) {
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	userARN := "arn:aws:iam::000000000000:user/operator"
	svc, err := New(st, Options{Roles: roles, Users: userDirectory{userARN: "AIDAOPERATOR000000000"}})
	if err != nil {
		t.Fatal(err)
	}
	d := dispatch.New(dispatch.Options{Identity: staticIdentity{akid: "AKIAOPERATOR00000000", secret: "s3cret",
		p: service.Principal{ARN: userARN, UserName: "operator", AccessKeyID: "AKIAOPERATOR00000000"}}})
	svc.Register(d)
	_, srv := emutest.Config(t, d)
	c := awssts.NewFromConfig(emutest.ConfigFor(srv.URL, "AKIAOPERATOR00000000", "s3cret", ""))
	who := must(c.GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{}))(t)
	if aws.ToString(who.Arn) != userARN || aws.ToString(who.UserId) != "AIDAOPERATOR000000000" || aws.ToString(who.Account) != account {
		t.Errorf("as a user: %s %s %s", aws.ToString(who.Arn), aws.ToString(who.UserId), aws.ToString(who.Account))
	}
}
