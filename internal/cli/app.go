package cli

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/config"
	"github.com/orders-dev/orders/internal/ui"
)

// app is one run of orders, shared by the commands: what they read and
// the resources they acquire, released when the run ends.
type app struct {
	opts Options
	io   *IOStreams
	now  func() time.Time

	started bool          // cobra accepted the command line and prepare ran
	cfg     config.Config // resolved by prepare: flag > ORDERS_* > config file > default

	clients *awsapi.Clients // built on first use
	closers []func() error

	printedJSON bool   // the run's one JSON document is out
	debug       string // --debug: "", awsapi.DebugCalls or awsapi.DebugWire
}

func newApp(o Options) *app {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &app{opts: o, io: o.IO, now: now}
}

// prepare resolves the configuration of the command about to run. A bad
// setting anywhere is bad usage.
func (a *app) prepare(cmd *cobra.Command) error {
	a.started = true
	cfg, err := resolveConfig(cmd)
	if err != nil {
		return &usageError{err}
	}
	a.cfg = cfg
	if f := cmd.Flags().Lookup(flagDebug); f != nil {
		a.debug = f.Value.String()
		if err := awsapi.ValidDebug(a.debug); err != nil {
			return usageErrorf("--debug: %v", err)
		}
	}
	return nil
}

// awsClients returns the run's AWS clients, building them on first use.
// Their errors (no credentials, no region) already say how to fix them.
func (a *app) awsClients(ctx context.Context) (*awsapi.Clients, error) {
	if a.clients != nil {
		return a.clients, nil
	}
	f := a.opts.ClientFactory
	if f == nil {
		f = a.realClients
	}
	if a.io.InTTY {
		ctx = awsapi.ContextWithMFAPrompt(ctx, a.askMFACode)
	}
	c, closeFn, err := f(ctx, a.cfg)
	if err != nil {
		return nil, err
	}
	if closeFn != nil {
		a.closers = append(a.closers, closeFn)
	}
	a.clients = c
	return c, nil
}

// realClients are DefaultClientFactory's, traced on stderr with --debug.
func (a *app) realClients(ctx context.Context, cfg config.Config) (*awsapi.Clients, func() error, error) {
	c, closeFn, err := DefaultClientFactory(ctx, cfg)
	if err != nil || a.debug == "" {
		return c, closeFn, err
	}
	return awsapi.NewFromAWSConfig(awsapi.WithDebug(c.AWS, a.io.ErrOut, a.debug)), closeFn, nil
}

// stack returns the pipeline over the run's clients.
func (a *app) stack(ctx context.Context) (Stack, error) {
	c, err := a.awsClients(ctx)
	if err != nil {
		return nil, err
	}
	newStack := a.opts.NewStack
	if newStack == nil {
		newStack = newPipelineStack
	}
	return newStack(a.cfg, c), nil
}

// region is the region the run's clients talk to, once they exist.
func (a *app) region() string {
	if a.clients != nil && a.clients.Region != "" {
		return a.clients.Region
	}
	return a.cfg.Region
}

// stepRenderer shows pipeline steps on stderr: a spinner per running step
// on a terminal, plain lines otherwise. Close it when the steps are done.
func (a *app) stepRenderer() *ui.StepRenderer {
	return ui.NewStepRenderer(a.io.ErrOut, ui.StepOptions{
		TTY: a.io.ErrTTY, Styles: a.io.ErrStyles(), Width: a.io.errWidth(), Now: a.now,
	})
}

func (a *app) jsonOutput() bool { return a.cfg.Output == config.OutputJSON }

// printJSON writes v as the run's one JSON document on stdout.
func (a *app) printJSON(v any) error {
	a.printedJSON = true
	enc := json.NewEncoder(a.io.Out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// close releases what the run acquired (the emulator behind --local).
func (a *app) close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}

// failureDoc is the JSON document of a run that failed before its command
// printed its own: every command's --output json prints exactly one
// document, with ok false and the error, whatever went wrong.
type failureDoc struct {
	Command string `json:"command"`
	OK      bool   `json:"ok"`
	Error   string `json:"error"`
}

// printFailure prints failureDoc for cmd when --output json was asked for
// and nothing was printed yet.
func (a *app) printFailure(cmd *cobra.Command, msg string) {
	if a.printedJSON || cmd == nil {
		return
	}
	json := a.jsonOutput()
	if !a.started || a.cfg.Output == "" { // refused before the configuration was resolved
		f := cmd.Flags().Lookup(config.FlagOutput)
		json = f != nil && f.Value.String() == config.OutputJSON
	}
	if !json {
		return
	}
	name := strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
	if cmd == cmd.Root() {
		name = ""
	}
	_ = a.printJSON(failureDoc{Command: name, Error: msg})
}
