package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orders-dev/orders/internal/pipeline"
	"github.com/orders-dev/orders/internal/ui"
)

func newStatusCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show each resource: present, missing or drifted, with its ARN",
		Long: `status looks at every resource of the stack and says whether it is present, missing, or
drifted from what up makes it (and what differs). It exits 0 whenever it could look,
whatever it found.`,
		Example: `  orders status
  orders --output json status`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			st, err := a.stack(ctx)
			if err != nil {
				return err
			}
			rows, err := st.Status(ctx)
			if err != nil {
				return fmt.Errorf("status: %w", err)
			}
			stack := a.cfg.Names().Stack
			if a.jsonOutput() {
				return a.printJSON(newStatusDoc(stack, a.region(), rows))
			}
			if err := ui.RenderStatus(a.io.Out, a.io.OutStyles(), rows); err != nil {
				return err
			}
			_, err = fmt.Fprintf(a.io.Out, "\nstack %s in %s: %s\n", stack, a.region(), countStates(rows))
			return err
		},
	}
}

func countStates(rows []pipeline.ResourceStatus) string {
	n := map[pipeline.State]int{}
	var order []pipeline.State
	for _, r := range rows {
		if n[r.State] == 0 {
			order = append(order, r.State)
		}
		n[r.State]++
	}
	parts := make([]string, len(order))
	for i, s := range order {
		parts[i] = fmt.Sprintf("%d %s", n[s], s)
	}
	if len(parts) == 0 {
		return "no resources"
	}
	return strings.Join(parts, ", ")
}

// statusDoc is the JSON document of status.
type statusDoc struct {
	Command   string       `json:"command"`
	OK        bool         `json:"ok"`
	Stack     string       `json:"stack"`
	Region    string       `json:"region"`
	Resources []statusJSON `json:"resources"`
}

type statusJSON struct {
	Kind  string   `json:"kind"`
	Name  string   `json:"name"`
	ARN   string   `json:"arn,omitempty"`
	State string   `json:"state"`
	Drift []string `json:"drift,omitempty"`
}

func newStatusDoc(stack, region string, rows []pipeline.ResourceStatus) statusDoc {
	d := statusDoc{Command: "status", OK: true, Stack: stack, Region: region, Resources: []statusJSON{}}
	for _, r := range rows {
		d.Resources = append(d.Resources, statusJSON{Kind: r.Kind, Name: r.Name, ARN: r.ARN, State: string(r.State), Drift: r.Drift})
	}
	return d
}
