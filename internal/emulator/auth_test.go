package emulator

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/orders-dev/orders/internal/emulator/emutest"
	snsemu "github.com/orders-dev/orders/internal/emulator/sns"
)

// deniedUser creates an IAM user with no permissions and returns its key.
func deniedUser(t *testing.T, url string) aws.Config {
	t.Helper()
	ctx := context.Background()
	admin := iam.NewFromConfig(adminConfig(url))
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("nobody")}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("nobody")})
	if err != nil {
		t.Fatal(err)
	}
	return emutest.ConfigFor(url, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
}

func queueDepth(t *testing.T, url, queueURL string) string {
	t.Helper()
	out, err := sqs.NewFromConfig(adminConfig(url)).GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(queueURL), AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages"}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Attributes["ApproximateNumberOfMessages"]
}

// TestDroppedSignatureIsNotAdmin: a principal IAM denies must not get in by
// sending its request unsigned (which acted as the account's
// administrator): the real SDK with anonymous credentials is refused with
// MissingAuthenticationToken and nothing is enqueued.
func TestDroppedSignatureIsNotAdmin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, url := openAt(t, t.TempDir())
	q, err := sqs.NewFromConfig(adminConfig(url)).CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q")})
	if err != nil {
		t.Fatal(err)
	}
	send := &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("x")}
	if _, err := sqs.NewFromConfig(deniedUser(t, url)).SendMessage(ctx, send); errorCode(err) != "AccessDenied" {
		t.Fatalf("denied user, signed: %v, want AccessDenied", err)
	}
	anon := adminConfig(url)
	anon.Credentials = aws.AnonymousCredentials{}
	if _, err := sqs.NewFromConfig(anon).SendMessage(ctx, send); errorCode(err) != "MissingAuthenticationToken" {
		t.Fatalf("unsigned SendMessage: %v, want MissingAuthenticationToken", err)
	}
	if _, err := dynamodb.NewFromConfig(anon).ListTables(ctx, &dynamodb.ListTablesInput{}); errorCode(err) != "MissingAuthenticationTokenException" {
		t.Fatalf("unsigned ListTables: %v, want MissingAuthenticationTokenException", err)
	}
	if _, err := iam.NewFromConfig(anon).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("evil")}); errorCode(err) != "MissingAuthenticationToken" {
		t.Fatalf("unsigned CreateUser: %v, want MissingAuthenticationToken", err)
	}
	if n := queueDepth(t, url, aws.ToString(q.QueueUrl)); n != "0" {
		t.Fatalf("queue holds %s messages after refused sends", n)
	}
	// The health endpoint stays unsigned, and says how the emulator authenticates.
	h, err := FetchHealth(ctx, url)
	if err != nil || h.Auth != AuthOpen {
		t.Fatalf("health: %+v %v", h, err)
	}
}

// TestReplayedRequestRefused: a captured signed request replayed 20
// minutes later is refused (SignatureDoesNotMatch "Signature expired") and
// enqueues nothing; time stamps years off either way are refused too.
// Clients with a wrong clock (the SDK's retryer) heal from the answer's
// Date, so orders' own clients keep working.
func TestReplayedRequestRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	now := func() time.Time { return time.Unix(0, clock.Load()) }
	e, err := Open(Options{InMemory: true, Enforce: true, Now: now, SignatureNow: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	url, err := e.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	q, err := sqs.NewFromConfig(adminConfig(url)).CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q")})
	if err != nil {
		t.Fatal(err)
	}
	body := `{"QueueUrl":"` + aws.ToString(q.QueueUrl) + `","MessageBody":"pay 100"}`
	signedAt := func(at time.Time) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
		req.Header.Set("X-Amz-Target", "AmazonSQS.SendMessage")
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, req,
			hex.EncodeToString(sum[:]), "sqs", "us-east-1", at); err != nil {
			t.Fatal(err)
		}
		return req
	}
	do := func(req *http.Request) (int, string) {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("X-Amzn-Query-Error") + " " + string(b)
	}
	captured := signedAt(now())
	replay := captured.Clone(ctx)
	if code, body := do(captured); code != 200 {
		t.Fatalf("first send: %d %s", code, body)
	}
	clock.Add(int64(20 * time.Minute))
	replay.Body = io.NopCloser(bytes.NewReader([]byte(body)))
	if code, body := do(replay); code != 403 || !strings.HasPrefix(body, "SignatureDoesNotMatch;") || !strings.Contains(body, "Signature expired") {
		t.Fatalf("replayed 20 min later: %d %s", code, body)
	}
	for _, at := range []time.Time{time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if code, body := do(signedAt(at)); code != 403 || !strings.HasPrefix(body, "SignatureDoesNotMatch;") {
			t.Fatalf("signed at %s: %d %s", at, code, body)
		}
	}
	if n := queueDepth(t, url, aws.ToString(q.QueueUrl)); n != "1" {
		t.Fatalf("queue holds %s messages, want only the first send", n)
	}
	// The SDK (its default retryer, as orders uses) corrects its clock
	// from the refused answer's Date and succeeds.
	cfg := adminConfig(url)
	cfg.Retryer = nil // the SDK's default retryer
	if _, err := sqs.NewFromConfig(cfg).SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("y")}); err != nil {
		t.Fatalf("SDK with a clock 20 minutes behind the emulator's: %v", err)
	}
}

// TestStrictAuth: under --auth strict only the root key (generated at first
// start, saved 0600 in the data dir, the same after a restart) and the keys
// the emulator issued are accepted; any other key is refused as AWS refuses
// an unknown one.
func TestStrictAuth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	e, err := Open(Options{DataDir: dir, Enforce: true, Auth: AuthStrict})
	if err != nil {
		t.Fatal(err)
	}
	url, err := e.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	root := e.RootKey()
	fi, err := os.Stat(filepath.Join(dir, RootKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 || !strings.HasPrefix(root.AccessKeyID, "AKIA") {
		t.Fatalf("root key file: %v %v, key %q", fi, err, root.AccessKeyID)
	}
	other := adminConfig(url) // keys the emulator did not issue
	if _, err := dynamodb.NewFromConfig(other).ListTables(ctx, &dynamodb.ListTablesInput{}); errorCode(err) != "UnrecognizedClientException" {
		t.Fatalf("dynamodb with an unknown key: %v", err)
	}
	if _, err := sts.NewFromConfig(other).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); errorCode(err) != "InvalidClientTokenId" {
		t.Fatalf("sts with an unknown key: %v", err)
	}
	rootCfg := emutest.ConfigFor(url, root.AccessKeyID, root.SecretAccessKey, "")
	id, err := sts.NewFromConfig(rootCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("root key: %v", err)
	}
	admin := iam.NewFromConfig(rootCfg)
	if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("dev"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:ListTables","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	dev := emutest.ConfigFor(url, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")
	if _, err := dynamodb.NewFromConfig(dev).ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("issued key in strict mode: %v", err)
	}
	if h, err := FetchHealth(ctx, url); err != nil || h.Auth != AuthStrict {
		t.Fatalf("health: %+v %v", h, err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e2, err := Open(Options{DataDir: dir, Auth: AuthStrict})
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	if e2.RootKey() != root {
		t.Fatalf("root key changed across a restart")
	}
	if k, err := ReadRootKey(dir); err != nil || k != root {
		t.Fatalf("ReadRootKey: %v %v", k, err)
	}
	t.Logf("root is %s", aws.ToString(id.Arn))
}

// TestSNSPublicURLsStayUnsigned: what SNS hands out to be fetched by
// anyone — the UnsubscribeURL in every notification, the SigningCertURL —
// works without a signature, in strict mode too; the same action POSTed
// unsigned is refused.
func TestSNSPublicURLsStayUnsigned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e, err := Open(Options{InMemory: true, Enforce: true, Auth: AuthStrict})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	url, err := e.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	root := emutest.ConfigFor(url, e.RootKey().AccessKeyID, e.RootKey().SecretAccessKey, "")
	topic, err := sns.NewFromConfig(root).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("t")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = sqs.NewFromConfig(root).CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q")})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := sns.NewFromConfig(root).Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"),
		Endpoint: aws.String("arn:aws:sqs:us-east-1:000000000000:q")})
	if err != nil {
		t.Fatal(err)
	}
	get := func(u string) (int, string) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(url + snsemu.CertPath); code != 200 || !strings.HasPrefix(body, "-----BEGIN CERTIFICATE-----") {
		t.Fatalf("unsigned SigningCertURL: %d %.200s", code, body)
	}
	resp, err := http.Post(url+"/", "application/x-www-form-urlencoded", strings.NewReader("Action=Unsubscribe&SubscriptionArn="+aws.ToString(sub.SubscriptionArn)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("unsigned POST Unsubscribe: %d, want 403", resp.StatusCode)
	}
	unsubscribe := url + "/?Action=Unsubscribe&SubscriptionArn=" + aws.ToString(sub.SubscriptionArn) // as SNS writes UnsubscribeURL
	if code, body := get(unsubscribe); code != 200 {
		t.Fatalf("unsigned UnsubscribeURL: %d %.300s", code, body)
	}
	subs, err := sns.NewFromConfig(root).ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: topic.TopicArn})
	if err != nil || len(subs.Subscriptions) != 0 {
		t.Fatalf("subscriptions after the UnsubscribeURL: %v %v", subs, err)
	}
}
