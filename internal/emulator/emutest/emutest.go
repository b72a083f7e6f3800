// Package emutest starts an emulator handler on a loopback httptest server
// and returns an aws.Config that points the real SDK clients at it, so
// service tests go through the same wire path as real AWS.
package emutest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
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
		// Tests want the first answer, not the retryer's third.
		RetryMaxAttempts: 1,
		HTTPClient:       sdkhttp.New(),
	}
}
