package cli

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orders-dev/orders/internal/config"
	"github.com/orders-dev/orders/policies"
)

var accountRE = regexp.MustCompile(`^[0-9]{12}$`)

func newPolicyCmd(a *app) *cobra.Command {
	kinds := strings.Join(policies.Kinds, "|")
	cmd := &cobra.Command{
		Use:   "policy " + kinds,
		Short: "Print an IAM policy document, rendered with the stack's real ARNs",
		Long: `policy prints one of the IAM documents orders uses, with the ARNs of this stack:

  function  what the function's role may do: PutItem on the table, Publish on the topic,
            and write its own log group
  trust     who may assume the role: Lambda
  queue     the queue's policy: only the topic may send to it
  operator  what a person needs to run orders itself, and nothing more; it is longer than
            IAM allows for a user's inline policy (2,048 characters), so create it as a
            managed policy (aws iam create-policy) and attach it to the user or role

--read-only (with operator) prints only the read calls: enough for status, up --dry-run,
destroy --dry-run, logs and verify --order-id, and nothing that changes the account.

The account comes from your AWS credentials (sts:GetCallerIdentity), or from --account,
which renders without calling AWS (the region then comes from --region or AWS_REGION).`,
		Example: `  orders policy operator > operator-policy.json
  orders policy operator --read-only > operator-read-only.json
  orders policy function --account 123456789012 --region eu-west-1`,
		ValidArgs: policies.Kinds,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 || !slices.Contains(policies.Kinds, args[0]) {
				return fmt.Errorf("policy: name one document: %s", strings.Join(policies.Kinds, ", "))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			account, err := cmd.Flags().GetString(flagAccount)
			if err != nil {
				return err
			}
			var arns policies.ARNs
			if account != "" {
				if arns, err = offlineARNs(a.cfg, account); err != nil {
					return err
				}
			} else {
				ctx := cmd.Context()
				st, err := a.stack(ctx)
				if err != nil {
					return err
				}
				if arns, err = st.ARNs(ctx); err != nil {
					return fmt.Errorf("find the AWS account to render the policy for (or pass --account ID): %w", err)
				}
			}
			kind := args[0]
			readOnly, err := cmd.Flags().GetBool(flagReadOnly)
			if err != nil {
				return err
			}
			if readOnly {
				if kind != "operator" {
					return usageErrorf("--read-only: only the operator policy has a read-only form, not %s", kind)
				}
				kind = policies.OperatorReadOnly
			}
			doc, err := policies.Render(kind, arns)
			if err != nil {
				return fmt.Errorf("render %s policy: %w", args[0], err)
			}
			if !strings.HasSuffix(string(doc), "\n") {
				doc = append(doc, '\n')
			}
			_, err = a.io.Out.Write(doc)
			return err
		},
	}
	cmd.Flags().String(flagAccount, "", "AWS account ID to render for, without calling AWS")
	cmd.Flags().Bool(flagReadOnly, false, "with operator: only the read calls (status, dry runs, logs, verify --order-id)")
	return cmd
}

// offlineARNs builds the stack's ARNs for a given account without asking
// AWS; the region must be known from the flags or the environment.
func offlineARNs(cfg config.Config, account string) (policies.ARNs, error) {
	if !accountRE.MatchString(account) {
		return policies.ARNs{}, usageErrorf("--account: must be a 12-digit AWS account ID, got %q", account)
	}
	region := cfg.Region
	for _, env := range []string{"AWS_REGION", "AWS_DEFAULT_REGION"} {
		if region == "" {
			region = os.Getenv(env)
		}
	}
	if region == "" {
		return policies.ARNs{}, usageErrorf("--account: the ARNs need a region too: pass --region (e.g. --region us-east-1) or set AWS_REGION")
	}
	return cfg.Names().ARNs(config.PartitionOf(region), region, account), nil
}
