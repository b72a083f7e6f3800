package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// clock is the emulator's time: real time plus an offset a test moves.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// advance moves the clock forward by d until the end of t.
func (c *clock) advance(t *testing.T, d time.Duration) {
	c.offset.Add(int64(d))
	t.Cleanup(func() { c.offset.Add(-int64(d)) })
}

// call is one request to one of the seven services, signed with cfg. Each
// carries a body (a POST), so that tampering with the body is possible.
type call struct {
	service string
	run     func(ctx context.Context, cfg aws.Config, optFns ...func(*middleware.Stack) error) error
}

// query services answer SignatureDoesNotMatch, ExpiredToken and
// InvalidClientTokenId; JSON and REST ones InvalidSignatureException,
// ExpiredTokenException and UnrecognizedClientException, as AWS does.
var queryStyle = map[string]bool{"sns": true, "sqs": true, "iam": true, "sts": true}

func codeFor(service, query, json string) string {
	if queryStyle[service] {
		return query
	}
	return json
}

var streamSeq atomic.Int64

// calls are one operation per service that the function's role and the
// test user may both make (or, for the role, are refused by IAM only after
// the signature was accepted).
func (m *emu) calls() []call {
	return []call{
		{"dynamodb", func(ctx context.Context, cfg aws.Config, fns ...func(*middleware.Stack) error) error {
			_, err := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.APIOptions = append(o.APIOptions, fns...) }).PutItem(ctx, &dynamodb.PutItemInput{
				TableName: aws.String("OrdersTable"),
				Item:      map[string]dtypes.AttributeValue{"OrderId": &dtypes.AttributeValueMemberS{Value: "SIG-PROBE"}, "Amount": &dtypes.AttributeValueMemberN{Value: "1"}}})
			return err
		}},
		{"sns", func(ctx context.Context, cfg aws.Config, fns ...func(*middleware.Stack) error) error {
			_, err := sns.NewFromConfig(cfg, func(o *sns.Options) { o.APIOptions = append(o.APIOptions, fns...) }).Publish(ctx, &sns.PublishInput{
				TopicArn: aws.String(m.arns.Topic), Message: aws.String(`{"OrderId":"SIG-PROBE"}`)})
			return err
		}},
		{"logs", func(ctx context.Context, cfg aws.Config, fns ...func(*middleware.Stack) error) error {
			_, err := cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.APIOptions = append(o.APIOptions, fns...) }).CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{
				LogGroupName: aws.String(logGroupName), LogStreamName: aws.String(fmt.Sprintf("sig-PROBE-%d", streamSeq.Add(1)))})
			return err
		}},
		{"sts", func(ctx context.Context, cfg aws.Config, fns ...func(*middleware.Stack) error) error {
			_, err := sts.NewFromConfig(cfg, func(o *sts.Options) { o.APIOptions = append(o.APIOptions, fns...) }).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		}},
		{"sqs", func(ctx context.Context, cfg aws.Config, fns ...func(*middleware.Stack) error) error {
			_, err := sqs.NewFromConfig(cfg, func(o *sqs.Options) { o.APIOptions = append(o.APIOptions, fns...) }).GetQueueUrl(ctx, &sqs.GetQueueUrlInput{
				QueueName: aws.String("HighValueQueue")})
			return err
		}},
		{"iam", func(ctx context.Context, cfg aws.Config, fns ...func(*middleware.Stack) error) error {
			_, err := iam.NewFromConfig(cfg, func(o *iam.Options) { o.APIOptions = append(o.APIOptions, fns...) }).GetRole(ctx, &iam.GetRoleInput{
				RoleName: aws.String(roleName)})
			return err
		}},
		{"lambda", func(ctx context.Context, cfg aws.Config, fns ...func(*middleware.Stack) error) error {
			_, err := lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.APIOptions = append(o.APIOptions, fns...) }).Invoke(ctx, &lambda.InvokeInput{
				FunctionName: aws.String("ProcessOrderFunction"), InvocationType: ltypes.InvocationTypeDryRun, Payload: []byte(`{"OrderId":"SIG-PROBE"}`)})
			return err
		}},
	}
}

// tamperAfterSigning changes the request body once it is signed, keeping
// its length (and Content-Length): "PROBE" becomes "PROBF" where the body
// has it (a well-formed request for something else, as a man in the middle
// would send), else the last byte goes up by one.
func tamperAfterSigning(stack *middleware.Stack) error {
	return stack.Finalize.Insert(middleware.FinalizeMiddlewareFunc("TamperBody", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		req, ok := in.Request.(*smithyhttp.Request)
		if !ok {
			return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("tamper: unexpected request type %T", in.Request)
		}
		body, err := io.ReadAll(req.GetStream())
		if err != nil || len(body) == 0 {
			return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("tamper: no body to change (%v)", err)
		}
		if i := bytes.Index(body, []byte("PROBE")); i >= 0 {
			body[i+4] = 'F'
		} else {
			body[len(body)-1]++
		}
		if req, err = req.SetStream(bytes.NewReader(body)); err != nil {
			return middleware.FinalizeOutput{}, middleware.Metadata{}, err
		}
		in.Request = req
		return next.HandleFinalize(ctx, in)
	}), "Signing", middleware.After)
}

// declareBodyHash sends the body's SHA-256 in X-Amz-Content-Sha256 (signed,
// as S3 clients do). A server that takes that header's word for the body,
// instead of hashing what it received, accepts a body swapped after signing.
func declareBodyHash(stack *middleware.Stack) error {
	return stack.Build.Add(middleware.BuildMiddlewareFunc("DeclareBodyHash", func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
		req, ok := in.Request.(*smithyhttp.Request)
		if !ok {
			return middleware.BuildOutput{}, middleware.Metadata{}, fmt.Errorf("declare hash: unexpected request type %T", in.Request)
		}
		var body []byte
		if s := req.GetStream(); s != nil {
			b, err := io.ReadAll(s)
			if err != nil {
				return middleware.BuildOutput{}, middleware.Metadata{}, err
			}
			body = b
		}
		req, err := req.SetStream(bytes.NewReader(body))
		if err != nil {
			return middleware.BuildOutput{}, middleware.Metadata{}, err
		}
		sum := sha256.Sum256(body)
		req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
		in.Request = req
		return next.HandleBuild(ctx, in)
	}), middleware.After)
}

// Requests signed with credentials the emulator issued — an IAM user's
// key, a session of the function's role — are held to AWS's rules: the
// signature must verify with the issued secret, over the body actually
// received, with the issued session token, before the session expires;
// otherwise the service refuses them with its own error code, on every one
// of the seven services. Requests signed with any other keys act as the
// account's administrator.
//
// The "declared body hash" subtests fail today: the dispatcher takes
// X-Amz-Content-Sha256's word for the body (internal/emulator/dispatch/
// verify.go), so a body swapped after signing is executed.
func TestSignatures(t *testing.T) {
	var clk clock
	m := startEmulator(t, withClock(clk.Now))
	mustOrders(t, m.admin(), 0, "up")
	ctx := context.Background()

	// A user allowed exactly the probe calls, and a session of the
	// function's role (allowed the DynamoDB, SNS and Logs calls; the
	// others pass the signature check and are then refused by IAM).
	user := m.createUser(t, "signer", []byte(fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[
		"dynamodb:PutItem","sns:Publish","logs:CreateLogStream","sqs:GetQueueUrl","iam:GetRole","lambda:InvokeFunction"],
		"Resource":[%q,%q,%q,%q,%q,%q]}]}`, m.arns.Table, m.arns.Topic, m.arns.LogGroup+":*", m.arns.Queue, m.arns.Role, m.arns.Function)))
	role, assumed := m.assumeRole(t, m.arns.Role, "signatures")
	if d := time.Until(aws.ToTime(assumed.Credentials.Expiration)); d < 50*time.Minute || d > time.Hour+time.Minute {
		t.Fatalf("a default AssumeRole session expires in %s, want one hour", d)
	}
	roleCreds, _ := role.Credentials.Retrieve(ctx)
	userCreds, _ := user.Credentials.Retrieve(ctx)
	roleRefused := map[string]string{"sqs": "AccessDenied", "iam": "AccessDenied", "lambda": "AccessDeniedException"}

	principals := []struct {
		name    string
		cfg     aws.Config
		refused map[string]string // what IAM refuses once the signature is accepted
	}{
		{"user key", user, nil},
		{"role session", role, roleRefused},
	}
	for _, p := range principals {
		for _, c := range m.calls() {
			t.Run(p.name+"/"+c.service, func(t *testing.T) {
				err := c.run(ctx, p.cfg)
				if want := p.refused[c.service]; want == "" && err != nil {
					t.Errorf("correctly signed: %v", err)
				} else if want != "" && errorCode(err) != want {
					t.Errorf("correctly signed, not allowed: %v (code %q), want %s from IAM", err, errorCode(err), want)
				}

				err = c.run(ctx, p.cfg, tamperAfterSigning)
				expectRefused(t, "body changed after signing", err, codeFor(c.service, "SignatureDoesNotMatch", "InvalidSignatureException"))
				wrong := p.cfg.Copy()
				creds, _ := p.cfg.Credentials.Retrieve(ctx)
				wrong.Credentials = staticCreds(creds.AccessKeyID, wrongSecret(creds.SecretAccessKey), creds.SessionToken)
				err = c.run(ctx, wrong)
				expectRefused(t, "wrong secret", err, codeFor(c.service, "SignatureDoesNotMatch", "InvalidSignatureException"))
			})
		}
	}

	// The hash of the signed body, declared in a (signed) header, says
	// nothing about the body received: it must be hashed, as AWS does.
	for _, p := range principals {
		for _, c := range m.calls() {
			t.Run(p.name+" declared body hash/"+c.service, func(t *testing.T) {
				err := c.run(ctx, p.cfg, declareBodyHash, tamperAfterSigning)
				expectRefused(t, "body changed after signing, the signed body's hash declared in X-Amz-Content-Sha256", err,
					codeFor(c.service, "SignatureDoesNotMatch", "InvalidSignatureException"))
			})
		}
	}
	t.Run("no tampered order stored", func(t *testing.T) {
		if it := m.item(t, "SIG-PROBF"); it != nil {
			t.Errorf("a PutItem whose body was changed after signing was executed: the table holds OrderId %s Amount %s", attr(it, "OrderId"), attr(it, "Amount"))
		}
	})

	for _, c := range m.calls() {
		t.Run("role session token/"+c.service, func(t *testing.T) {
			other, _ := m.assumeRole(t, m.arns.Role, "other")
			otherCreds, _ := other.Credentials.Retrieve(ctx)
			for name, token := range map[string]string{"another session's token": otherCreds.SessionToken, "no token": ""} {
				cfg := role.Copy()
				cfg.Credentials = staticCreds(roleCreds.AccessKeyID, roleCreds.SecretAccessKey, token)
				expectRefused(t, name, c.run(ctx, cfg), codeFor(c.service, "InvalidClientTokenId", "UnrecognizedClientException"))
			}
		})
	}

	t.Run("expired session", func(t *testing.T) {
		short, out := m.assumeRoleFor(t, 900)
		for _, c := range m.calls() {
			if err := c.run(ctx, short); err != nil && errorCode(err) != roleRefused[c.service] {
				t.Errorf("%s before expiry: %v", c.service, err)
			}
		}
		// One second past Expiration (by the emulator's clock): every
		// service refuses the session, and it never falls back to admin.
		clk.advance(t, time.Until(aws.ToTime(out.Credentials.Expiration))+time.Second)
		for _, c := range m.calls() {
			expectRefused(t, c.service+" after expiry", c.run(ctx, short), codeFor(c.service, "ExpiredToken", "ExpiredTokenException"))
		}
	})

	// A deleted key must not become a key "the emulator did not issue",
	// which would make it the administrator's.
	t.Run("deleted user key", func(t *testing.T) {
		c := iam.NewFromConfig(m.admin())
		if _, err := c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("signer"), AccessKeyId: aws.String(userCreds.AccessKeyID)}); err != nil {
			t.Fatal(err)
		}
		for _, c := range m.calls() {
			err := c.run(ctx, user)
			// AWS answers InvalidClientTokenId (UnrecognizedClientException
			// for JSON services); the emulator gives the deleted key a
			// random secret, so it answers with a signature mismatch.
			// Either refuses the caller, which is what matters here.
			awsCode := codeFor(c.service, "InvalidClientTokenId", "UnrecognizedClientException")
			sigCode := codeFor(c.service, "SignatureDoesNotMatch", "InvalidSignatureException")
			if code := errorCode(err); code == sigCode {
				expectRefused(t, c.service+" with a deleted key", err, sigCode)
				t.Logf("%s with a deleted key: %s (AWS says %s)", c.service, code, awsCode)
			} else {
				expectRefused(t, c.service+" with a deleted key", err, awsCode)
			}
		}
	})

	t.Run("other keys act as administrator", func(t *testing.T) {
		for _, keys := range [][3]string{{"AKIAOTHERKEY0000000", "anything", ""}, {"ASIAOTHERKEY0000000", "anything", "some-token"}} {
			cfg := m.config(keys[0], keys[1], keys[2])
			for _, c := range m.calls() {
				if err := c.run(ctx, cfg); err != nil {
					t.Errorf("%s signed with keys the emulator did not issue: %v, want the administrator's answer", c.service, err)
				}
			}
			who, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil {
				t.Errorf("GetCallerIdentity with other keys: %v", err)
			} else if !strings.HasSuffix(aws.ToString(who.Arn), ":user/admin") {
				t.Errorf("GetCallerIdentity with other keys: %s, want the account's administrator user", aws.ToString(who.Arn))
			}
		}
	})
}

// assumeRoleFor issues a session of the function's role lasting seconds.
func (m *emu) assumeRoleFor(t *testing.T, seconds int32) (aws.Config, *sts.AssumeRoleOutput) {
	t.Helper()
	return m.issueSession(t, m.arns.Role, "short", time.Duration(seconds)*time.Second)
}

// expectRefused checks that err is the service refusing the caller with
// code, a client error.
func expectRefused(t *testing.T, what string, err error, code string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: accepted, want %s", what, code)
		return
	}
	status := 0
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	if errorCode(err) != code || status < 400 || status > 499 {
		t.Errorf("%s: %v (code %q, HTTP %d), want %s", what, err, errorCode(err), status, code)
	}
}

func staticCreds(akid, secret, token string) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(akid, secret, token)
}

// wrongSecret is secret with its last character changed: to "x", unless it
// is one already (a random secret ends in "x" one time in sixty-odd, which
// made the "wrong" secret the right one).
func wrongSecret(secret string) string {
	last := "x"
	if strings.HasSuffix(secret, "x") {
		last = "y"
	}
	return secret[:len(secret)-1] + last
}
