package awsapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/orders-dev/orders/internal/config"
)

// isolate points the SDK at empty config files and no environment
// credentials, so a test sees only what it sets up itself.
func isolate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_CONFIG_FILE", empty)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", empty)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return dir
}

func staticEnv(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
}

const callerIdentityXML = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult>
<ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`

func TestNewUsesRegionEndpointAndCredentials(t *testing.T) {
	isolate(t)
	staticEnv(t)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if !strings.Contains(r.Header.Get("Authorization"), "Credential=AKIDTEST/") ||
			!strings.Contains(r.Header.Get("Authorization"), "/eu-west-2/sts/") {
			t.Errorf("unexpected Authorization %q", r.Header.Get("Authorization"))
		}
		w.Header().Set("Content-Type", "text/xml")
		w.Write([]byte(callerIdentityXML))
	}))
	defer srv.Close()

	cfg := config.Default()
	cfg.Region, cfg.EndpointURL = "eu-west-2", srv.URL
	c, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.Region != "eu-west-2" || aws.ToString(c.AWS.BaseEndpoint) != srv.URL {
		t.Errorf("Region %q BaseEndpoint %q", c.Region, aws.ToString(c.AWS.BaseEndpoint))
	}
	out, err := c.STS.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Account) != "123456789012" || calls.Load() != 1 {
		t.Errorf("account %q after %d calls", aws.ToString(out.Account), calls.Load())
	}
	if got := c.AWS.Retryer().MaxAttempts(); got != MaxAttempts {
		t.Errorf("retryer max attempts = %d, want %d", got, MaxAttempts)
	}
}

func TestNewHonoursAWSEndpointURL(t *testing.T) {
	isolate(t)
	staticEnv(t)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Write([]byte(callerIdentityXML))
	}))
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	cfg := config.Default()
	cfg.Region = "us-east-1"
	c, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.STS.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 {
		t.Errorf("AWS_ENDPOINT_URL server saw %d calls, want 1", calls.Load())
	}
}

func TestNewNoRegion(t *testing.T) {
	isolate(t)
	staticEnv(t)
	_, err := New(context.Background(), config.Default())
	if !errors.Is(err, ErrNoRegion) {
		t.Fatalf("err = %v, want ErrNoRegion", err)
	}
	for _, want := range []string{"--region", "aws configure", "--local", "AWS_REGION"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not mention %s", err, want)
		}
	}
}

func TestNewNoCredentials(t *testing.T) {
	isolate(t)
	cfg := config.Default()
	cfg.Region = "us-east-1"
	_, err := New(context.Background(), cfg)
	if !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("err = %v, want ErrNoCredentials", err)
	}
	for _, want := range []string{"--profile", "aws configure", "--local"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not mention %s", err, want)
		}
	}
}

func TestNewProfile(t *testing.T) {
	dir := isolate(t)
	cfgFile, credFile := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	os.WriteFile(cfgFile, []byte("[profile dev]\nregion = ap-southeast-2\n"), 0o600)
	os.WriteFile(credFile, []byte("[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = s\n"), 0o600)
	t.Setenv("AWS_CONFIG_FILE", cfgFile)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", credFile)

	cfg := config.Default()
	cfg.Profile = "dev"
	c, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.Region != "ap-southeast-2" {
		t.Errorf("region from profile = %q", c.Region)
	}
	creds, err := c.AWS.Credentials.Retrieve(context.Background())
	if err != nil || creds.AccessKeyID != "AKIDDEV" {
		t.Errorf("credentials %v, %v", creds.AccessKeyID, err)
	}

	// --region wins over the profile's.
	cfg.Region = "us-west-2"
	if c, err = New(context.Background(), cfg); err != nil || c.Region != "us-west-2" {
		t.Errorf("region = %v, %v; want us-west-2", c, err)
	}

	cfg.Profile = "nope"
	_, err = New(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), "aws configure --profile nope") {
		t.Errorf("missing profile: err = %v", err)
	}
}

func TestRetryerRetriesThrottling(t *testing.T) {
	isolate(t)
	staticEnv(t)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(400)
			w.Write([]byte(`<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>`))
			return
		}
		w.Write([]byte(callerIdentityXML))
	}))
	defer srv.Close()
	cfg := config.Default()
	cfg.Region, cfg.EndpointURL = "us-east-1", srv.URL
	c, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.STS.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("after one throttle: %v", err)
	}
	if calls.Load() != 2 {
		t.Errorf("calls = %d, want 2", calls.Load())
	}
}

func TestNewFromAWSConfig(t *testing.T) {
	c := NewFromAWSConfig(aws.Config{Region: "us-east-1"})
	if c.Region != "us-east-1" || c.DynamoDB == nil || c.SNS == nil || c.SQS == nil || c.IAM == nil ||
		c.Lambda == nil || c.Logs == nil || c.STS == nil {
		t.Fatalf("incomplete clients: %+v", c)
	}
	if c.AWS.Retryer == nil || c.AWS.Retryer().MaxAttempts() != MaxAttempts {
		t.Error("NewFromAWSConfig should install the retryer when none is set")
	}
}

// Every service's throttling code in the list orders meets (SNS Throttled,
// SQS RequestThrottled, IAM/STS Throttling, DynamoDB and Logs
// ThrottlingException, Lambda TooManyRequestsException) is retried by the
// retryer every client uses.
func TestRetryerRetriesEveryServicesThrottleCode(t *testing.T) {
	r := NewRetryer()
	for _, code := range []string{"Throttled", "RequestThrottled", "Throttling", "ThrottlingException", "TooManyRequestsException"} {
		if !r.IsErrorRetryable(&smithy.GenericAPIError{Code: code, Message: "Rate exceeded"}) {
			t.Errorf("%s is not retried", code)
		}
	}
	if r.IsErrorRetryable(&smithy.GenericAPIError{Code: "AccessDenied"}) {
		t.Error("AccessDenied is retried")
	}
}

// SNS answers a rate limit with ThrottledException (code Throttled, HTTP
// 429), which the SDK models, so its catch-all for unmodeled 429s does not
// retry it: the retryer must.
func TestRetryerRetriesSNSThrottled(t *testing.T) {
	isolate(t)
	staticEnv(t)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			w.WriteHeader(429)
			w.Write([]byte(`<ErrorResponse><Error><Type>Sender</Type><Code>Throttled</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>`))
			return
		}
		w.Write([]byte(`<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>`))
	}))
	defer srv.Close()
	c := NewFromAWSConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")})
	out, err := sns.NewFromConfig(c.AWS).Publish(context.Background(), &sns.PublishInput{TopicArn: aws.String("arn:aws:sns:us-east-1:123456789012:T"), Message: aws.String("m")})
	if err != nil {
		t.Fatalf("after two Throttled answers: %v", err)
	}
	if aws.ToString(out.MessageId) != "m-1" || calls.Load() != 3 {
		t.Errorf("MessageId %q after %d calls, want m-1 after 3", aws.ToString(out.MessageId), calls.Load())
	}
}
