package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/orders-dev/orders/internal/ui"
)

func newDestroyCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "destroy",
		Short: "Delete every resource up created, log group included",
		Long: `destroy deletes the stack's resources in reverse order: subscription, function, log group,
inline policies, role, queue, topic, table. Each step tolerates a resource already gone, so
running it again is safe. It asks first on a terminal; elsewhere it needs --yes.

It deletes only what is the stack's (tagged orders:stack with the stack's name; the
subscription when its topic and queue are): anything else with one of the names is left
alone and reported as "not ours", and destroy then exits 1. --dry-run prints what it would
delete or leave, deletes nothing, needs no --yes and exits 0.`,
		Example: `  orders destroy
  orders destroy --dry-run
  orders destroy --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if a.cfg.DryRun {
				return a.runPlan(ctx, "destroy")
			}
			stack := a.cfg.Names().Stack
			if !a.cfg.Yes && !a.io.InTTY {
				return usageErrorf("destroy: refusing to delete stack %q without confirmation: stdin is not a terminal; pass --yes to confirm", stack)
			}
			// The clients first: the question names the region they talk to.
			if _, err := a.awsClients(ctx); err != nil {
				return err
			}
			if !a.cfg.Yes {
				n := a.cfg.Names()
				// Wrapped between words to the terminal (a hard break split
				// the sentence wherever a name's length put it).
				fmt.Fprintln(a.io.ErrOut, ui.Wrap(fmt.Sprintf("This deletes stack %q in %s: table %s with every order in it, topic %s, queue %s with its messages, function %s, role %s and log group %s.",
					stack, a.region(), n.Table, n.Topic, n.Queue, n.Function, n.Role, n.LogGroup), a.textWidth(), "", ""))
				if err := a.confirm(ctx, "Delete them? [y/N] ", "destroy cancelled; nothing was deleted"); err != nil {
					return err
				}
			}
			return a.runSteps(ctx, "destroy", Stack.Destroy)
		},
	}
	cmd.Flags().BoolP(flagYes, "y", false, "delete without asking")
	cmd.Flags().Bool(flagDryRun, false, "print what destroy would delete or leave, and delete nothing")
	return cmd
}
