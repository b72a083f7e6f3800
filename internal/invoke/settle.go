package invoke

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/orders-dev/orders/internal/awsapi"
)

// RoleSettle lets an order the function failed for lack of permission be
// sent again while IAM may still be applying a change to the function's
// role. IAM is eventually consistent: "changes that you make ... take time
// to become visible", and a role session keeps the old decision until then
// (IAM User Guide, "Changes that I make are not always immediately
// visible"). So the first order after `orders up` created or repaired the
// role can be refused by DynamoDB or SNS though the role is right.
//
// Sending again is safe: the handler recognises an order it stored and
// only publishes what is still pending.
type RoleSettle struct {
	// Until returns when the role's last change stops excusing an
	// AccessDenied (the change plus --iam-wait), and the change's time; a
	// zero Until when no recent change is known. It is asked once, at the
	// first refusal.
	Until func(ctx context.Context) (until, changed time.Time)
	// Every is the delay between sends (1 s when 0).
	Every time.Duration
	// Say, when set, tells the user what is being waited for.
	Say func(msg string)
	// Now and Sleep are the clock (time.Now and a timer when nil).
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// accessDenied reports whether err is the function refused by one of its
// own AWS calls.
func accessDenied(err error) bool {
	var fe *FunctionError
	return errors.As(err, &fe) && fe.AccessDenied()
}

// SendSettled is Send, sending again while the function fails with
// AccessDenied and rs says its role changed recently enough. rs nil is
// Send.
func SendSettled(ctx context.Context, lambdaClient awsapi.Lambda, functionName string, event []byte, withLogs bool, rs *RoleSettle) (Outcome, error) {
	out, err := Send(ctx, lambdaClient, functionName, event, withLogs)
	if rs == nil || rs.Until == nil || !accessDenied(err) {
		return out, err
	}
	now, sleep, every := rs.Now, rs.Sleep, rs.Every
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = sleepCtx
	}
	if every <= 0 {
		every = time.Second
	}
	until, changed := rs.Until(ctx)
	first := now()
	for accessDenied(err) && now().Before(until) {
		if rs.Say != nil {
			rs.Say(fmt.Sprintf("the function was refused a permission, and its role was changed %s ago: IAM takes a few seconds to apply a change, so sending again (waited %s; gives up %s after the change, --iam-wait)",
				first.Sub(changed).Round(time.Second), now().Sub(first).Round(time.Second), until.Sub(changed).Round(time.Second)))
		}
		if serr := sleep(ctx, min(every, until.Sub(now()))); serr != nil {
			return out, err
		}
		out, err = Send(ctx, lambdaClient, functionName, event, withLogs)
	}
	return out, err
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
