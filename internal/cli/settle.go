package cli

import (
	"context"
	"sync"
	"time"

	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/invoke"
	"github.com/orders-dev/orders/internal/pipeline"
	"github.com/orders-dev/orders/internal/ui"
)

// roleWait shows, on stderr, that send, verify or demo is sending an order
// again while IAM applies a change `up` made to the function's role: a live
// line on a terminal, a few plain lines elsewhere. Nothing is shown unless
// a refusal happens. Call finish when the command is done sending.
type roleWait struct {
	a    *app
	role string

	mu      sync.Mutex
	r       *ui.StepRenderer // nil until the first refusal
	started time.Time
}

const roleWaitStep = "waiting for IAM"

// roleSettle is how send, verify and demo treat the function failing with
// AccessDenied: sent again for up to --iam-wait after up last created or
// repaired its role (the time up records on the role), not reported as a
// missing permission while IAM may still be applying the change.
func (a *app) roleSettle(c *awsapi.Clients) (*invoke.RoleSettle, *roleWait) {
	w := &roleWait{a: a, role: a.cfg.Names().Role}
	st := pipeline.New(a.cfg, c)
	var (
		once    sync.Once
		changed time.Time
	)
	return &invoke.RoleSettle{
		// Asked once per command, however many orders are refused.
		Until: func(ctx context.Context) (time.Time, time.Time) {
			once.Do(func() { changed = st.RoleChanged(ctx) })
			if changed.IsZero() {
				return time.Time{}, time.Time{}
			}
			return changed.Add(a.cfg.IAMWait), changed
		},
		Say: w.say,
	}, w
}

func (w *roleWait) say(msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.r == nil {
		w.r = w.a.stepRenderer()
		w.started = time.Now()
		w.r.Start(roleWaitStep, "role "+w.role)
	}
	w.r.Progress(roleWaitStep, msg)
}

// finish ends the live line with what came of the wait.
func (w *roleWait) finish(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.r == nil {
		return
	}
	res := pipeline.StepResult{Resource: "role " + w.role, Duration: time.Since(w.started)}
	if err != nil {
		res.Outcome = pipeline.Failed
		res.Err = err
	} else {
		res.Details = []string{"IAM applied the role's change: the function's calls are allowed"}
	}
	w.r.Done(roleWaitStep, res)
	w.r.Close()
	w.r = nil
}
