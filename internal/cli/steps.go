package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/pipeline"
)

// stepsFunc is Stack.Up or Stack.Destroy.
type stepsFunc func(s Stack, ctx context.Context, rep pipeline.Reporter) (pipeline.Report, error)

// runSteps runs up or destroy: steps shown on stderr as they run, then the
// result on stdout (a summary line, or the JSON document), and an error
// (exit 1) when a step failed or the run stopped.
func (a *app) runSteps(ctx context.Context, verb string, run stepsFunc) error {
	st, err := a.stack(ctx)
	if err != nil {
		return err
	}
	r := a.stepRenderer()
	report, runErr := run(st, ctx, explaining{r})
	r.Close()
	for i := range report.Steps {
		report.Steps[i].Err = awsapi.ExplainAccessDenied(report.Steps[i].Err)
	}
	runErr = awsapi.ExplainAccessDenied(runErr)

	if a.jsonOutput() {
		if err := a.printJSON(newStepsDoc(verb, a.cfg.Names().Stack, a.region(), report, runErr)); err != nil {
			return err
		}
	} else {
		summary := countOutcomes(report)
		if len(report.Steps) == 0 && runErr != nil {
			summary = "nothing done"
		}
		fmt.Fprintf(a.io.Out, "%s: stack %s in %s: %s\n", verb, a.cfg.Names().Stack, a.region(), summary)
	}

	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%s interrupted; re-run `%s` to continue where it stopped", verb, a.suggest(verb))
	case runErr != nil:
		return fmt.Errorf("%s: %w", verb, runErr)
	case report.Failed():
		return fmt.Errorf("%s failed at %s; fix the cause and re-run `%s`: it continues where it stopped",
			verb, strings.Join(failedSteps(report), ", "), a.suggest(verb))
	case len(report.Left()) > 0:
		return fmt.Errorf("%s left alone what is not stack %q's (it carries no tag orders:stack=%s): %s", verb, a.cfg.Names().Stack, a.cfg.Names().Stack, strings.Join(report.Left(), "; "))
	}
	return nil
}

// explaining passes step results on with AccessDenied errors explained, so
// the failed step's line names the missing permission.
type explaining struct{ pipeline.Reporter }

func (e explaining) Done(step string, r pipeline.StepResult) {
	r.Err = awsapi.ExplainAccessDenied(r.Err)
	e.Reporter.Done(step, r)
}

var outcomeOrder = []pipeline.Outcome{
	pipeline.Created, pipeline.Updated, pipeline.Repaired, pipeline.Unchanged,
	pipeline.Deleted, pipeline.Absent, pipeline.Left, pipeline.Failed,
}

// countOutcomes summarises a report by resource, so up, destroy, status
// and verify count the same seven: "2 created, 1 repaired, 4 unchanged".
// Steps on one resource (the queue and its policy, the role and its inline
// policies) count once, as their most telling outcome.
func countOutcomes(r pipeline.Report) string {
	n := map[pipeline.Outcome]int{}
	for _, o := range resourceOutcomes(r) {
		n[o]++
	}
	var parts []string
	for _, o := range outcomeOrder {
		if n[o] > 0 {
			word := string(o)
			switch o {
			case pipeline.Absent:
				word = "already absent"
			case pipeline.Left:
				word = "left alone (not ours)"
			}
			parts = append(parts, fmt.Sprintf("%d %s", n[o], word))
		}
		delete(n, o)
	}
	for o, c := range n { // outcomes added to the pipeline after this list
		parts = append(parts, fmt.Sprintf("%d %s", c, o))
	}
	if len(parts) == 0 {
		return "nothing to do"
	}
	return strings.Join(parts, ", ")
}

// outcomeWeight ranks the outcomes of one resource's steps: the highest
// stands for the resource (a queue created with its policy is created; an
// unchanged queue whose policy was repaired is repaired).
var outcomeWeight = map[pipeline.Outcome]int{
	pipeline.Unchanged: 1, pipeline.Absent: 2, pipeline.Deleted: 3, pipeline.Updated: 4,
	pipeline.Repaired: 5, pipeline.Created: 6, pipeline.Failed: 7,
}

// resourceOutcomes is the outcome of each resource of r, in step order.
func resourceOutcomes(r pipeline.Report) []pipeline.Outcome {
	index := map[string]int{}
	var out []pipeline.Outcome
	for _, s := range r.Steps {
		key := s.Resource
		if key == "" {
			key = "step " + s.Step
		}
		o := s.Outcome
		if s.Err != nil {
			o = pipeline.Failed
		}
		i, seen := index[key]
		if !seen {
			index[key] = len(out)
			out = append(out, o)
			continue
		}
		if outcomeWeight[o] > outcomeWeight[out[i]] {
			out[i] = o
		}
	}
	return out
}

func failedSteps(r pipeline.Report) []string {
	var names []string
	for _, s := range r.Steps {
		if s.Outcome == pipeline.Failed || s.Err != nil {
			names = append(names, strings.TrimSpace(s.Step+" "+s.Resource))
		}
	}
	return names
}

// stepsDoc is the JSON document of up and destroy.
type stepsDoc struct {
	Command string     `json:"command"`
	Stack   string     `json:"stack"`
	Region  string     `json:"region"`
	OK      bool       `json:"ok"`
	Steps   []stepJSON `json:"steps"`
	Error   string     `json:"error,omitempty"`
}

type stepJSON struct {
	Step       string   `json:"step"`
	Resource   string   `json:"resource"`
	ARN        string   `json:"arn,omitempty"`
	Outcome    string   `json:"outcome"`
	Details    []string `json:"details,omitempty"`
	DurationMS int64    `json:"duration_ms"`
	Error      string   `json:"error,omitempty"`
}

func newStepsDoc(verb, stack, region string, r pipeline.Report, err error) stepsDoc {
	d := stepsDoc{Command: verb, Stack: stack, Region: region, OK: err == nil && !r.Failed() && len(r.Left()) == 0, Steps: []stepJSON{}}
	if err != nil {
		d.Error = err.Error()
	}
	for _, s := range r.Steps {
		j := stepJSON{Step: s.Step, Resource: s.Resource, ARN: s.ARN, Outcome: string(s.Outcome),
			Details: s.Details, DurationMS: s.Duration.Milliseconds()}
		if s.Err != nil {
			j.Error = s.Err.Error()
		}
		d.Steps = append(d.Steps, j)
	}
	return d
}
