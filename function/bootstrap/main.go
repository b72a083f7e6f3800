// Command bootstrap is the ProcessOrderFunction Lambda (runtime
// provided.al2023, handler "bootstrap"). It only wires the AWS SDK clients to
// function/handler and starts the runtime loop; the logic lives in handler.
//
// Build it as the zip builder does:
//
//	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build -tags lambda.norpc -trimpath ./function/bootstrap
//
// It must not import package function (which embeds this binary) nor
// anything under internal/, and only the DynamoDB and SNS clients, to stay small.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/orders-dev/orders/function/handler"
	"github.com/orders-dev/orders/sdkhttp"
)

func main() {
	h, err := newHandler(context.Background(), os.Getenv)
	if err != nil {
		// Keep serving so that every invoke reports the problem as a typed
		// function error (errorType ConfigError) instead of a bare crash.
		fmt.Fprintln(os.Stderr, err)
		lambda.Start(failing{err})
		return
	}
	lambda.Start(h)
}

// newHandler reads the function's environment and the SDK's default
// configuration: region and credentials from the Lambda environment, and
// AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_DYNAMODB / _SNS) when set, which is
// how the local emulator points the function at itself.
func newHandler(ctx context.Context, getenv func(string) string) (*handler.Handler, error) {
	cfg, err := handler.ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, config.WithRetryer(newRetryer))
	if err != nil {
		return nil, &handler.ConfigError{Problems: []string{"load AWS configuration: " + err.Error()}}
	}
	// A 200 must never be lost as "use of closed network connection": a
	// stored order would be reported as failed (see package sdkhttp).
	awsCfg.HTTPClient = sdkhttp.Wrap(awsCfg.HTTPClient)
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	return handler.New(cfg, dynamodb.NewFromConfig(awsCfg), sns.NewFromConfig(awsCfg), logger), nil
}

// newRetryer is the SDK's standard retryer that also retries SNS's
// throttling answer, ThrottledException (code "Throttled", HTTP 429),
// which the SDK's default throttle codes lack: a throttled Publish would
// otherwise fail the order at once.
func newRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		throttled := retry.ThrottleErrorCode{Codes: map[string]struct{}{"Throttled": {}}}
		o.Throttles = append(o.Throttles, throttled)
		o.Retryables = append(o.Retryables, retry.RetryableErrorCode{Codes: throttled.Codes})
	})
}

// failing answers every invoke with the error that prevented start-up.
type failing struct{ err error }

func (f failing) Invoke(context.Context, []byte) ([]byte, error) { return nil, f.err }
