package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/config"
	"github.com/orders-dev/orders/internal/emulator"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// localRegion is the region --local answers in when none is configured.
const localRegion = "us-east-1"

// localKeys sign --local requests. The emulator treats keys it did not issue
// as the account's administrator, like a default profile on a new account.
const localAccessKey, localSecretKey = "orders-local", "orders-local"

// localClients runs the embedded emulator in this process on a loopback
// port over cfg.DataDir (so the function's own SDK calls can reach it), and
// returns clients aimed at it with a func that stops it. When `orders local
// serve` already holds that data dir, the clients talk to it instead.
func localClients(ctx context.Context, cfg config.Config) (*awsapi.Clients, func() error, error) {
	if cfg.DataDir == "" {
		return nil, nil, usageErrorf("--data-dir: no default data directory on this machine; set --data-dir")
	}
	region := cfg.Region
	if region == "" {
		region = localRegion
	}
	emu, err := emulator.Open(emulator.Options{DataDir: cfg.DataDir, Enforce: true, Logger: emulatorLog(cfg.DataDir)})
	if errors.Is(err, store.ErrInUse) {
		ep, rerr := emulator.ReadEndpoint(cfg.DataDir)
		if rerr != nil || !ep.Reachable() {
			return nil, nil, fmt.Errorf("--local: data dir %s is in use by another orders process that is not serving it; wait for it to finish or use another --data-dir", cfg.DataDir)
		}
		return awsapi.NewFromAWSConfig(localAWSConfig(ep.URL, region)), nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("--local: start the emulator: %w", err)
	}
	url, err := emu.Listen("127.0.0.1:0")
	if err != nil {
		_ = emu.Close()
		return nil, nil, fmt.Errorf("--local: %w", err)
	}
	return awsapi.NewFromAWSConfig(localAWSConfig(url, region)), emu.Close, nil
}

func localAWSConfig(endpoint, region string) aws.Config {
	return aws.Config{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(localAccessKey, localSecretKey, ""),
		Retryer:      func() aws.Retryer { return awsapi.NewRetryer() },
	}
}

// emulatorLog sends the in-process emulator's warnings (a dropped SNS
// delivery, a denied request) to emulator.log in the data dir, where a
// curious user finds them without them cluttering the command's output.
func emulatorLog(dataDir string) *slog.Logger {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil
	}
	f, err := os.OpenFile(filepath.Join(dataDir, "emulator.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil
	}
	// The file stays open for the life of the process: it is one short run.
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
