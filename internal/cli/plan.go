package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/orders-dev/orders/internal/pipeline"
)

// Planner is a Stack that can say what up and destroy would do.
type Planner interface {
	PlanUp(ctx context.Context) (pipeline.Plan, error)
	PlanDestroy(ctx context.Context) (pipeline.Plan, error)
}

// runPlan prints what `orders <verb>` would do (--dry-run): one line per
// step on stdout, or one JSON document. It only reads; it exits 0 whatever
// the plan says, and 1 only if the stack could not be read.
func (a *app) runPlan(ctx context.Context, verb string) error {
	st, err := a.stack(ctx)
	if err != nil {
		return err
	}
	p, ok := st.(Planner)
	if !ok {
		return fmt.Errorf("%s --dry-run: this stack cannot plan", verb)
	}
	plan := p.PlanDestroy
	if verb == "up" {
		plan = p.PlanUp
	}
	pl, err := plan(ctx)
	if err != nil {
		return fmt.Errorf("%s --dry-run: %w", verb, err)
	}
	stack := a.cfg.Names().Stack
	if a.jsonOutput() {
		return a.printJSON(newPlanDoc(verb, stack, a.region(), pl))
	}
	w := a.io.Out
	fmt.Fprintf(w, "%s --dry-run: stack %s in %s; nothing is changed\n", verb, stack, a.region())
	for _, it := range pl.Items {
		fmt.Fprintf(w, "  %-9s %s %s\n", it.Action, it.Step, it.Resource)
		for _, d := range it.Details {
			fmt.Fprintf(w, "              %s\n", d)
		}
	}
	if pl.Refused != "" {
		fmt.Fprintf(w, "%s would refuse to start: %s\n", verb, pl.Refused)
	}
	_, err = fmt.Fprintf(w, "plan: %s\n", countActions(pl))
	return err
}

var actionOrder = []pipeline.Action{pipeline.Create, pipeline.Update, pipeline.Delete, pipeline.Leave, pipeline.NoChange}

// countActions summarises a plan per resource, as up, destroy, status and
// verify count them (7): the queue's policy is a step of its own but not a
// resource of its own, so an empty account lists 8 creations and sums up
// "7 to create". A resource counts under its strongest step's action.
func countActions(p pipeline.Plan) string {
	rank := map[pipeline.Action]int{}
	for i, a := range actionOrder {
		rank[a] = i
	}
	index := map[string]int{}
	var actions []pipeline.Action
	for _, it := range p.Items {
		i, seen := index[it.Resource]
		switch {
		case !seen:
			index[it.Resource] = len(actions)
			actions = append(actions, it.Action)
		case rank[it.Action] < rank[actions[i]]:
			actions[i] = it.Action
		}
	}
	n := map[pipeline.Action]int{}
	for _, a := range actions {
		n[a]++
	}
	var parts []string
	for _, a := range actionOrder {
		if n[a] == 0 {
			continue
		}
		switch a {
		case pipeline.NoChange:
			parts = append(parts, fmt.Sprintf("%d unchanged", n[a]))
		case pipeline.Leave:
			parts = append(parts, fmt.Sprintf("%d to leave (not ours)", n[a]))
		default:
			parts = append(parts, fmt.Sprintf("%d to %s", n[a], a))
		}
	}
	if len(parts) == 0 {
		return "nothing to do"
	}
	return strings.Join(parts, ", ")
}

// planDoc is the JSON document of up --dry-run and destroy --dry-run.
type planDoc struct {
	Command string         `json:"command"`
	DryRun  bool           `json:"dry_run"`
	Stack   string         `json:"stack"`
	Region  string         `json:"region"`
	Plan    []planItemJSON `json:"plan"`
	Refused string         `json:"refused,omitempty"`
}

type planItemJSON struct {
	Step     string   `json:"step"`
	Resource string   `json:"resource"`
	ARN      string   `json:"arn,omitempty"`
	Action   string   `json:"action"`
	Details  []string `json:"details,omitempty"`
}

func newPlanDoc(verb, stack, region string, p pipeline.Plan) planDoc {
	d := planDoc{Command: verb, DryRun: true, Stack: stack, Region: region, Plan: []planItemJSON{}, Refused: p.Refused}
	for _, it := range p.Items {
		d.Plan = append(d.Plan, planItemJSON{Step: it.Step, Resource: it.Resource, ARN: it.ARN, Action: string(it.Action), Details: it.Details})
	}
	return d
}
