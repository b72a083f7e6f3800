package cli

import (
	"context"

	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/config"
	"github.com/orders-dev/orders/internal/pipeline"
	"github.com/orders-dev/orders/policies"
)

// ClientFactory builds the AWS clients of a run from its configuration. The
// returned func, if not nil, is called once when the run ends (for --local:
// stop the in-process emulator and close its store).
type ClientFactory func(ctx context.Context, cfg config.Config) (*awsapi.Clients, func() error, error)

// DefaultClientFactory is what a run uses unless Options say otherwise: the
// embedded emulator with --local (see localClients), AWS otherwise.
func DefaultClientFactory(ctx context.Context, cfg config.Config) (*awsapi.Clients, func() error, error) {
	if cfg.Local {
		return localClients(ctx, cfg)
	}
	if url := endpointURL(cfg); url != "" {
		c, err := endpointClients(ctx, cfg, url)
		return c, nil, err
	}
	c, err := awsapi.New(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return c, nil, nil
}

// Stack is what the commands need of the pipeline (*pipeline.Stack), so
// tests can drive the commands with a fake one.
type Stack interface {
	Up(ctx context.Context, rep pipeline.Reporter) (pipeline.Report, error)
	Destroy(ctx context.Context, rep pipeline.Reporter) (pipeline.Report, error)
	Status(ctx context.Context) ([]pipeline.ResourceStatus, error)
	ARNs(ctx context.Context) (policies.ARNs, error)
}

// StackFactory makes the Stack of a run.
type StackFactory func(cfg config.Config, c *awsapi.Clients) Stack

func newPipelineStack(cfg config.Config, c *awsapi.Clients) Stack { return pipeline.New(cfg, c) }
