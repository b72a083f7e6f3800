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
(and says so), and continues from where a failed run stopped.`,
		Example: `  orders up --region us-east-1
  orders up --arch x86_64 --threshold 250
  orders --output json up`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runSteps(cmd.Context(), "up", Stack.Up)
		},
	}
	addStackFlags(cmd.Flags())
	return cmd
}
