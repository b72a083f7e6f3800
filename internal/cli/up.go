package cli

import (
	"github.com/spf13/cobra"
)

func newUpCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Create every resource, or converge them to what they should be",
		Long: `up creates the pipeline's resources, running independent steps at once: the table, the topic,
the queue with its policy, the subscription, the log group, the role with its inline policy,
and the function. Re-running changes nothing that is already right, repairs what drifted
(and says so), and continues from where a failed run stopped.

A resource is the stack's when it carries the tag orders:stack with the stack's name. If
one with a stack's name exists and is not the stack's, up changes nothing at all and exits
1 naming it; --adopt takes it over: tags it as the stack's, then converges it, keeping its
data. --dry-run prints what up would create, update (and what differs) or leave, makes no
change and exits 0.`,
		Example: `  orders up --region us-east-1
  orders up --dry-run
  orders up --adopt
  orders up --arch x86_64 --threshold 250
  orders --output json up`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			adopt, err := cmd.Flags().GetBool(flagAdopt)
			if err != nil {
				return err
			}
			a.cfg.Adopt = adopt
			if a.cfg.DryRun {
				return a.runPlan(cmd.Context(), "up")
			}
			return a.runSteps(cmd.Context(), "up", Stack.Up)
		},
	}
	addStackFlags(cmd.Flags())
	cmd.Flags().Bool(flagAdopt, false, "take over same-named resources that are not the stack's: tag them, then converge them (keeping their data)")
	cmd.Flags().Bool(flagDryRun, false, "print what up would do, resource by resource, and change nothing")
	return cmd
}
