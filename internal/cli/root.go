// Package cli is the orders command line: one cobra command per file, flags
// resolved into a config.Config through one viper instance per run, and
// every outcome mapped to an exit code.
//
// Commands reach the world only through an *app (see app.go): its streams
// (a.io), the resolved configuration (a.cfg), AWS clients (a.awsClients)
// and the stack (a.stack). Tests substitute each through Options.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/orders-dev/orders/internal/awsapi"
)

// Exit codes.
const (
	ExitOK     = 0
	ExitFailed = 1 // an operation or check failed
	ExitUsage  = 2 // bad usage: unknown command or flag, bad value, missing argument, refused confirmation
)

// Options are the seams of a run. The zero value of every field but IO
// means "the real thing".
type Options struct {
	IO *IOStreams
	// ClientFactory builds the AWS clients once per run, when a command first
	// needs them; the returned func is called when the run ends. nil means
	// DefaultClientFactory (awsapi.New, or the emulator with --local).
	ClientFactory ClientFactory
	// NewStack wraps the clients in the pipeline; nil means pipeline.New.
	NewStack StackFactory
	// Now is the clock of elapsed times in progress output; nil means time.Now.
	Now func() time.Time
}

// Main runs orders with the process's arguments and streams, and returns the
// exit code. Ctrl-C (or SIGTERM) cancels the running command's context, so
// the pipeline stops between AWS calls and reports what it finished; a
// second Ctrl-C ends the process.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// After the first signal, let a second one end the process at once.
		<-ctx.Done()
		stop()
	}()
	return Run(ctx, Options{IO: System()}, os.Args[1:])
}

// Run runs one orders command line (args without the program name) and
// returns its exit code. Everything it prints goes to o.IO.
func Run(ctx context.Context, o Options, args []string) int {
	if o.IO == nil {
		o.IO = System()
	}
	a := newApp(o)
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(o.IO.In)
	root.SetOut(o.IO.Out)
	root.SetErr(o.IO.ErrOut)
	cmd, err := root.ExecuteContextC(ctx)
	code := a.report(ctx, cmd, err)
	if cerr := a.close(); cerr != nil {
		fmt.Fprintf(o.IO.ErrOut, "orders: %v\n", cerr)
		if code == ExitOK {
			code = ExitFailed
		}
	}
	return code
}

// commands are orders' subcommands, in the order help lists them.
// A new command is a newXxxCmd(a *app) *cobra.Command in its own file,
// added to this list; its flags get ORDERS_<FLAG> and config-file values
// automatically (see resolveConfig).
func commands(a *app) []*cobra.Command {
	return []*cobra.Command{
		newUpCmd(a),
		newStatusCmd(a),
		newDestroyCmd(a),
		newSendCmd(a),
		newVerifyCmd(a),
		newLogsCmd(a),
		newDemoCmd(a),
		newPolicyCmd(a),
		newLocalCmd(a),
		newVersionCmd(a),
	}
}

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "orders",
		Short: "Build, exercise, prove and tear down the orders pipeline on AWS",
		Long: `orders builds a small serverless pipeline on AWS by calling AWS APIs directly:

  order ──▶ Lambda ProcessOrderFunction ──▶ DynamoDB OrdersTable
                 └─ Amount > threshold ──▶ SNS HighValueOrderTopic ──▶ SQS HighValueQueue

Every flag can also be set as ORDERS_<FLAG> (e.g. ORDERS_REGION, ORDERS_LOG_RETENTION_DAYS)
or in the config file (./orders.yaml, or --config FILE) under the flag's name; a flag beats
the environment, which beats the file.

--debug traces every AWS call on stderr (--debug=wire: with headers and bodies).

Exit codes: 0 success, 1 a failed operation or check, 2 bad usage (a refused confirmation
too), 130 Ctrl-C at a confirmation prompt.`,
		SilenceErrors: true, // report prints errors, with the exit code's convention
		SilenceUsage:  true,
		Version:       Version(),
		// Cobra has parsed flags and checked arguments before this runs:
		// any error before it is bad usage (see app.report).
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return a.prepare(cmd)
		},
	}
	root.SetVersionTemplate("orders {{.Version}}\n")
	addGlobalFlags(root.PersistentFlags())
	root.AddCommand(commands(a)...)
	return root
}

// report prints err the way its kind deserves and returns the exit code.
func (a *app) report(ctx context.Context, cmd *cobra.Command, err error) int {
	if err == nil {
		return ExitOK
	}
	w := a.io.ErrOut
	defer func() { a.printFailure(cmd, explained(err).Error()) }()
	var ue *usageError
	var xe *exitError
	switch {
	case errors.As(err, &xe):
		fmt.Fprintf(w, "orders: %v\n", err)
		return xe.code
	case !a.started: // cobra refused the command line: flags, arguments, unknown command
		fmt.Fprintf(w, "orders: %v\n", err)
		if cmd != nil {
			fmt.Fprintf(w, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
		return ExitUsage
	case errors.As(err, &ue):
		fmt.Fprintf(w, "orders: %v\n", err)
		return ExitUsage
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		fmt.Fprintln(w, "orders: interrupted")
		return ExitFailed
	}
	fmt.Fprintf(w, "orders: %v\n", explained(err))
	return ExitFailed
}

// explained is err as report prints it.
func explained(err error) error { return awsapi.ExplainAccessDenied(err) }

// usageError is an error that exits 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}
