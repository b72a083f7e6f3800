package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/config"
	"github.com/orders-dev/orders/internal/emulator"
)

// endpointURL is where a non---local run sends its calls, if not to AWS:
// --endpoint-url, else AWS_ENDPOINT_URL (which the SDK honours itself).
func endpointURL(cfg config.Config) string {
	if cfg.EndpointURL != "" {
		return cfg.EndpointURL
	}
	return os.Getenv("AWS_ENDPOINT_URL")
}

// ordersEmulatorAt returns the health of the orders emulator at url, or
// false if url is empty or not one (AWS, moto, nothing).
func ordersEmulatorAt(ctx context.Context, url string) (emulator.Health, bool) {
	if url == "" {
		return emulator.Health{}, false
	}
	h, err := emulator.FetchHealth(ctx, url)
	return h, err == nil
}

// dialTimeout bounds the check that something listens at the endpoint.
const dialTimeout = 3 * time.Second

// errNothingAnswers says the endpoint refuses connections, and what to do.
func checkAnswers(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return usageErrorf("--endpoint-url %q: want a URL such as http://127.0.0.1:4566", raw)
	}
	host := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	d := net.Dialer{Timeout: dialTimeout}
	c, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return fmt.Errorf("nothing answers at %s — is `orders local serve` running? (%v)", raw, err)
	}
	_ = c.Close()
	return nil
}

// endpointClients builds the clients for a run aimed at an endpoint. When
// it is an orders emulator, a missing region is the emulator's and missing
// credentials are keys that act as its administrator, so the commands its
// banner prints work as printed on a machine without an AWS configuration.
func endpointClients(ctx context.Context, cfg config.Config, url string) (*awsapi.Clients, error) {
	if err := checkAnswers(ctx, url); err != nil {
		return nil, err
	}
	h, isEmulator := ordersEmulatorAt(ctx, url)
	c, err := awsapi.New(ctx, cfg)
	if err == nil || !isEmulator {
		return c, err
	}
	if errors.Is(err, awsapi.ErrNoRegion) {
		cfg.Region = h.Region
		if c, err = awsapi.New(ctx, cfg); err == nil {
			return c, nil
		}
	}
	if errors.Is(err, awsapi.ErrNoCredentials) {
		region := cfg.Region
		if region == "" {
			region = h.Region
		}
		return awsapi.NewFromAWSConfig(localAWSConfig(url, region, localKey(h.DataDir, h.Auth == emulator.AuthStrict))), nil
	}
	return nil, err
}
