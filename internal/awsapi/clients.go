// Package awsapi builds the AWS clients orders uses and describes each
// service by a narrow interface holding only the operations orders calls.
package awsapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/logging"

	"github.com/orders-dev/orders/internal/config"
	"github.com/orders-dev/orders/sdkhttp"
)

// Clients holds one client per service, behind the narrow interfaces.
type Clients struct {
	DynamoDB DynamoDB
	SNS      SNS
	SQS      SQS
	IAM      IAM
	Lambda   Lambda
	Logs     Logs
	STS      STS
	Region   string
	// AWS is the configuration the clients were built from, for callers
	// that need another client on the same endpoint and credentials.
	AWS aws.Config
}

// MaxAttempts is how often one call is tried before its error is returned.
// Throttling and 5xx answers are retried with jittered backoff; orders runs
// several steps at once, so it meets throttling more often than one call.
const MaxAttempts = 6

// maxBackoff caps the SDK's backoff (20 s by default): orders prefers to
// report a failure in seconds rather than stall a step.
const maxBackoff = 5 * time.Second

// credentialsTimeout bounds the up-front credential check, which may reach
// for the EC2 instance metadata service on machines that have none.
const credentialsTimeout = 10 * time.Second

// ErrNoRegion and ErrNoCredentials are what New returns (wrapped, with how
// to fix it) when the AWS configuration lacks a region or credentials.
var (
	ErrNoRegion      = errors.New("no AWS region configured")
	ErrNoCredentials = errors.New("no AWS credentials found")
	// ErrSSOExpired is a profile signing in through IAM Identity Center
	// (SSO) whose session has expired or was never started.
	ErrSSOExpired = errors.New("the AWS SSO session has expired or was never started")
	// ErrMFACodeNeeded is a profile with mfa_serial and no way to ask for
	// the code.
	ErrMFACodeNeeded = errors.New("an MFA code is needed")
)

// MFAPrompt asks the user for the current code of the MFA device serial.
type MFAPrompt func(serial string) (string, error)

type mfaPromptKey struct{}

// ContextWithMFAPrompt returns ctx carrying prompt, which New uses for a
// profile with mfa_serial. Without one, such a profile is a clear error.
func ContextWithMFAPrompt(ctx context.Context, prompt MFAPrompt) context.Context {
	return context.WithValue(ctx, mfaPromptKey{}, prompt)
}

func mfaPromptFrom(ctx context.Context) MFAPrompt {
	p, _ := ctx.Value(mfaPromptKey{}).(MFAPrompt)
	return p
}

// ssoProfile reports whether err is an SSO sign-in that must be renewed,
// and the profile to name in `aws sso login --profile P`: the SDK's
// ssocreds.InvalidTokenError, or any credential failure of a profile
// configured for SSO (sso_session or sso_start_url; with an sso_session
// the SDK's token provider reports an expired token in its own words).
func ssoProfile(awsCfg aws.Config, err error) (string, bool) {
	var invalid *ssocreds.InvalidTokenError
	isSSO := errors.As(err, &invalid)
	profile := ""
	for _, src := range awsCfg.ConfigSources {
		if sc, ok := src.(awsconfig.SharedConfig); ok {
			profile = sc.Profile
			if sc.SSOSessionName != "" || sc.SSOStartURL != "" {
				isSSO = true
			}
		}
	}
	if profile == "" {
		profile = "default"
	}
	return profile, isSSO
}

// setupError is a configuration problem with how to fix it.
type setupError struct {
	kind  error  // ErrNoRegion, ErrNoCredentials
	fix   string // what to do
	cause error  // what the SDK said, if anything
}

func (e *setupError) Error() string {
	s := e.kind.Error() + ": " + e.fix
	if e.cause != nil {
		s += "\n  (" + e.cause.Error() + ")"
	}
	return s
}

func (e *setupError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

// NewRetryer is the retryer every client uses: the SDK's standard retryer
// with MaxAttempts, a shorter backoff cap, and no client-side retry quota —
// the quota would turn a burst of throttling across concurrent steps into
// "failed to get rate limit token" errors instead of waiting.
func NewRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = MaxAttempts
		o.MaxBackoff = maxBackoff
		o.RateLimiter = ratelimit.None
		// Throttle codes the SDK's default set lacks, retried (and backed
		// off as throttling) like the ones it has.
		extra := retry.ThrottleErrorCode{Codes: map[string]struct{}{}}
		for _, c := range ExtraThrottleCodes {
			extra.Codes[c] = struct{}{}
		}
		o.Throttles = append(o.Throttles, extra)
		o.Retryables = append(o.Retryables, retry.RetryableErrorCode{Codes: extra.Codes})
	})
}

// ExtraThrottleCodes are the throttling error codes of the services orders
// calls that retry.DefaultThrottleErrorCodes does not hold. SNS answers
// ThrottledException, code "Throttled", HTTP 429, when a request rate is
// exceeded (SNS API reference, Publish/Subscribe/CreateTopic errors; the
// service model's ThrottledException shape). The SDK models it, so its
// catch-all for unmodeled 429s does not apply either. The other services'
// codes are already in the default set: SQS RequestThrottled, IAM and STS
// Throttling, DynamoDB and CloudWatch Logs ThrottlingException, Lambda
// TooManyRequestsException.
var ExtraThrottleCodes = []string{"Throttled"}

// MaxIdleConnsPerHost is how many idle keep-alive connections the clients
// keep per endpoint. The SDK's default (10) is below `send --concurrency`'s
// useful range: at 32 workers, 22 connections were closed after every round
// and dialled again (hundreds of sockets in TIME_WAIT per second of a load
// run against the local emulator, and a TLS handshake each on real AWS).
const MaxIdleConnsPerHost = 128

// NewHTTPClient is the SDK's own buildable client (so AWS_CA_BUNDLE and the
// SDK's timeouts still apply) with MaxIdleConnsPerHost. NewFromAWSConfig
// puts it behind sdkhttp's fix for the SDK's request-body race.
func NewHTTPClient() *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConns = max(t.MaxIdleConns, MaxIdleConnsPerHost)
		t.MaxIdleConnsPerHost = MaxIdleConnsPerHost
	})
}

// New loads the AWS configuration the way the aws CLI does (environment,
// shared config and credentials files, SSO, instance roles), applies
// cfg.Region, cfg.Profile and cfg.EndpointURL, and checks up front that a
// region and credentials exist, so the user gets one clear message instead
// of a failure in the middle of a run. AWS_ENDPOINT_URL (and the per-service
// AWS_ENDPOINT_URL_<SERVICE>) are honoured by the SDK itself.
func New(ctx context.Context, cfg config.Config) (*Clients, error) {
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithRetryer(NewRetryer),
		awsconfig.WithHTTPClient(NewHTTPClient()),
		// The SDK's own warnings (e.g. "falling back to IMDSv1" while
		// looking for credentials) would land in orders' output; orders
		// reports what matters itself.
		awsconfig.WithLogger(logging.Nop{}),
	}
	if cfg.Region != "" {
		opts = append(opts, awsconfig.WithRegion(cfg.Region))
	}
	if cfg.Profile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(cfg.Profile))
	}
	// A profile with mfa_serial assumes its role with an MFA code: asked
	// for on the terminal when the caller can (ContextWithMFAPrompt), a
	// clear error otherwise. The SDK caches the role's credentials, so the
	// code is asked once per run.
	prompt := mfaPromptFrom(ctx)
	opts = append(opts, awsconfig.WithAssumeRoleCredentialOptions(func(o *stscreds.AssumeRoleOptions) {
		serial := aws.ToString(o.SerialNumber)
		o.TokenProvider = func() (string, error) {
			if prompt == nil {
				return "", fmt.Errorf("%w: the profile assumes role %s with MFA (mfa_serial %s) and there is no terminal to ask for the code; "+
					"run orders in a terminal, or get temporary credentials first (`aws sts get-session-token --serial-number %s --token-code CODE`) "+
					"and pass them in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN", ErrMFACodeNeeded, o.RoleARN, serial, serial)
			}
			return prompt(serial)
		}
	}))
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		var noProfile awsconfig.SharedConfigProfileNotExistError
		if errors.As(err, &noProfile) {
			return nil, fmt.Errorf("AWS profile %q not found: create it with `aws configure --profile %s`, or pass another --profile: %w",
				noProfile.Profile, noProfile.Profile, err)
		}
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.EndpointURL != "" {
		awsCfg.BaseEndpoint = aws.String(cfg.EndpointURL)
	}
	if awsCfg.Region == "" {
		return nil, &setupError{kind: ErrNoRegion, fix: "pass --region (e.g. --region us-east-1), set AWS_REGION, " +
			"or give your profile a region with `aws configure`" + profileHint(cfg) + "; or use --local to run against the built-in emulator"}
	}
	if err := checkCredentials(ctx, awsCfg); err != nil {
		if errors.Is(err, ErrMFACodeNeeded) {
			return nil, err
		}
		if p, ok := ssoProfile(awsCfg, err); ok {
			return nil, &setupError{kind: ErrSSOExpired, fix: fmt.Sprintf("run `aws sso login --profile %s`, then try again", p), cause: err}
		}
		return nil, &setupError{kind: ErrNoCredentials, fix: "pass --profile NAME, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, " +
			"or run `aws configure`" + profileHint(cfg) + "; or use --local to run against the built-in emulator", cause: err}
	}
	return NewFromAWSConfig(awsCfg), nil
}

func profileHint(cfg config.Config) string {
	if cfg.Profile == "" {
		return ""
	}
	return fmt.Sprintf(" (for profile %q: `aws configure --profile %s`)", cfg.Profile, cfg.Profile)
}

// checkCredentials resolves the credentials once. The result is cached by
// the SDK, so the first real call does not pay for it again.
func checkCredentials(ctx context.Context, awsCfg aws.Config) error {
	if awsCfg.Credentials == nil {
		return errors.New("no credential provider configured")
	}
	ctx, cancel := context.WithTimeout(ctx, credentialsTimeout)
	defer cancel()
	creds, err := awsCfg.Credentials.Retrieve(ctx)
	if err != nil {
		return err
	}
	if !creds.HasKeys() {
		return errors.New("the credential provider returned an empty key")
	}
	return nil
}

// NewFromAWSConfig builds the clients from a ready configuration: tests
// (static credentials, moto's endpoint) and --local (the emulator) use it.
// A configuration without a retryer gets NewRetryer.
func NewFromAWSConfig(awsCfg aws.Config) *Clients {
	if awsCfg.Retryer == nil {
		awsCfg.Retryer = NewRetryer
	}
	if awsCfg.HTTPClient == nil {
		awsCfg.HTTPClient = NewHTTPClient()
	}
	// Every client orders makes goes through the fix: a 200 must never be
	// lost as "use of closed network connection" (see package sdkhttp).
	awsCfg.HTTPClient = sdkhttp.Wrap(awsCfg.HTTPClient)
	return &Clients{
		DynamoDB: dynamodb.NewFromConfig(awsCfg),
		SNS:      sns.NewFromConfig(awsCfg),
		SQS:      sqs.NewFromConfig(awsCfg),
		IAM:      iam.NewFromConfig(awsCfg),
		Lambda:   lambda.NewFromConfig(awsCfg),
		Logs:     cloudwatchlogs.NewFromConfig(awsCfg),
		STS:      sts.NewFromConfig(awsCfg),
		Region:   awsCfg.Region,
		AWS:      awsCfg,
	}
}
