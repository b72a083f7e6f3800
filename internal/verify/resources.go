package verify

import (
	"context"
	"fmt"
	"strings"

	"github.com/orders-dev/orders/internal/pipeline"
)

// checkResources: every resource exists and is configured as `up` makes it,
// judged by pipeline's Status (the same rules `up` repairs by).
func checkResources(ctx context.Context, e *env) Result {
	r := Result{Name: NameResources}
	statuses, err := e.status(ctx)
	var missing, drifted int
	for _, s := range statuses {
		what := s.Kind + " " + s.Name
		switch s.State {
		case pipeline.Present:
		case pipeline.Missing:
			missing++
			r.Problems = append(r.Problems, what+": missing")
		case pipeline.Drifted:
			drifted++
			if len(s.Drift) == 0 {
				r.Problems = append(r.Problems, what+": drifted")
			}
			for _, d := range s.Drift {
				r.Problems = append(r.Problems, what+": drifted: "+d)
			}
		default:
			r.Problems = append(r.Problems, fmt.Sprintf("%s: unknown state %q", what, s.State))
		}
	}
	if err != nil {
		r.Problems = append(r.Problems, "could not read every resource: "+err.Error())
	}
	if len(statuses) == 0 && err == nil {
		r.Problems = append(r.Problems, "no resources were reported")
	}
	r.OK = len(r.Problems) == 0
	e.stackMissing = err == nil && len(statuses) > 0 && missing == len(statuses)
	switch {
	case e.stackMissing:
		r.Detail = fmt.Sprintf("%d missing — run %s", missing, e.cmd("up"))
	case r.OK:
		r.Detail = fmt.Sprintf("all %d resources present and configured as %s makes them", len(statuses), e.cmd("up"))
	case missing+drifted > 0:
		var parts []string
		if missing > 0 {
			parts = append(parts, fmt.Sprintf("%d missing", missing))
		}
		if drifted > 0 {
			parts = append(parts, fmt.Sprintf("%d drifted", drifted))
		}
		r.Detail = strings.Join(parts, ", ") + " — " + e.cmd("up") + " repairs them"
	default:
		r.Detail = "could not read the resources"
	}
	return r
}
