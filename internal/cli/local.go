package cli

import (
	"context"

	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/config"
)

// localClients is where --local plugs in: start (or find, through the data
// dir) the embedded emulator over cfg.DataDir and return clients aimed at it
// (awsapi.NewFromAWSConfig), with a func that stops it. Until the emulator
// is wired here, --local is refused as bad usage.
func localClients(ctx context.Context, cfg config.Config) (*awsapi.Clients, func() error, error) {
	return nil, nil, usageErrorf("--local: not available in this build yet")
}
