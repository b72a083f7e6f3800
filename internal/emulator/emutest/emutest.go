// Package emutest starts an emulator handler on a loopback httptest server
// and returns an aws.Config that points the real SDK clients at it, so
// service tests go through the same wire path as real AWS.
package emutest

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/sdkhttp"
)

// Region the returned config signs for: the emulator's default.
const Region = service.DefaultRegion

// Config serves h on a loopback server closed at the end of the test and
// returns an SDK config signed with static administrator credentials.
func Config(t testing.TB, h http.Handler) (aws.Config, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return ConfigFor(srv.URL, "test", "test", ""), srv
}

// ConfigFor returns an SDK config for endpoint signed with the given keys.
func ConfigFor(endpoint, accessKey, secret, token string) aws.Config {
	return aws.Config{
		Region:       Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secret, token),
		Retryer:      FirstAnswer,
		HTTPClient:   sdkhttp.New(),
	}
}

// FirstAnswer is the retryer of test clients. Tests want the first answer,
// not the retryer's third, with one exception: an answer that says the
// request's signature is stale by the server's clock. A test that moves the
// emulator's clock (to expire credentials, messages or log events) then
// sees what a client on AWS sees, whose SDK corrects its clock from the
// answer's Date and signs again (aws-sdk-go-v2's clock skew correction).
func FirstAnswer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 2
		o.Retryables = []retry.IsErrorRetryable{clockSkewOnly{}}
		o.RateLimiter = ratelimit.None
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
}

// clockSkewOnly retries only the SDK's clock skew errors.
type clockSkewOnly struct{}

func (clockSkewOnly) IsErrorRetryable(err error) aws.Ternary {
	var r interface{ RetryableError() bool }
	if errors.As(err, &r) && r.RetryableError() && strings.HasPrefix(err.Error(), "Probable clock skew error") {
		return aws.TrueTernary
	}
	return aws.FalseTernary
}
