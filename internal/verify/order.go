package verify

import (
	"context"
	"fmt"
	"time"

	"github.com/orders-dev/orders/function/handler"
	"github.com/orders-dev/orders/internal/invoke"
)

// checkOrder checks an order sent earlier instead of probing: its item
// exists; above the threshold it is NOTIFIED with a MessageId, and that
// message is in the queue; its log line is in CloudWatch Logs. An order not
// in the table fails at once.
func checkOrder(ctx context.Context, e *env, id string) []Result {
	itemCheck := Result{Name: "order " + id + ": DynamoDB item"}
	logCheck := Result{Name: "order " + id + ": CloudWatch Logs"}
	if _, err := invoke.Event(id, "0"); err != nil { // the handler's id rules
		for _, r := range []*Result{&itemCheck, &logCheck} {
			r.Detail = err.Error()
			r.Problems = []string{err.Error()}
		}
		return []Result{itemCheck, logCheck}
	}

	it, err := getOrder(ctx, e, id)
	var since time.Time
	switch {
	case err != nil:
		itemCheck.Problems = append(itemCheck.Problems, err.Error())
	case it == nil:
		itemCheck.Problems = append(itemCheck.Problems, fmt.Sprintf("no item with OrderId %s in table %s", id, e.names.Table))
	default:
		itemCheck.Problems = orderItemProblems(e, it)
		if t, err := time.Parse(time.RFC3339Nano, it.receivedAt); err == nil {
			since = t.Add(-logSkew)
		}
	}
	itemCheck.OK = len(itemCheck.Problems) == 0
	if itemCheck.OK {
		itemCheck.Detail = fmt.Sprintf("table %s: Amount %s, Status %s", e.names.Table, it.amountText, it.status)
		if it.messageID != "" {
			itemCheck.Detail += ", MessageId " + it.messageID
		}
	} else {
		itemCheck.Detail = fmt.Sprintf("table %s: %s", e.names.Table, itemCheck.Problems[0])
	}

	msgCheck := checkOrderMessage(ctx, e, id, it)
	if it == nil {
		// No item: the order never reached the function (or another
		// stack's), so there are no log lines to wait for.
		logCheck.Detail = "not checked: the order is not in the table"
		logCheck.Problems = []string{logCheck.Detail}
		return []Result{itemCheck, msgCheck, logCheck}
	}
	streams, problems := waitForLogLines(ctx, e, since, []string{id})
	logCheck.Problems = problems
	logCheck.OK = len(problems) == 0
	if logCheck.OK {
		logCheck.Detail = fmt.Sprintf("%s has the function's line for %s (stream %s)", e.names.LogGroup, id, streams[id])
	} else {
		logCheck.Detail = problems[0]
	}
	return []Result{itemCheck, msgCheck, logCheck}
}

// orderItemProblems: an order above the threshold must be NOTIFIED with a
// MessageId. At or below it, nothing is required beyond a status the
// function writes (COMPLETE, or NOTIFIED if the threshold was lower when it
// was sent) — but never a notification left pending.
func orderItemProblems(e *env, it *orderItem) []string {
	a, err := handler.ParseAmount(it.amountText)
	if err != nil {
		return []string{fmt.Sprintf("Amount %q is not a valid amount: %v", it.amountText, err)}
	}
	switch {
	case it.status == handler.StatusPendingNotify:
		return []string{fmt.Sprintf("Status %s: stored, but its notification was never published (send the same order again to notify)", it.status)}
	case a.Cmp(e.threshold) > 0 && it.status != handler.StatusNotified:
		return []string{fmt.Sprintf("Status %s, want %s: Amount %s is above the threshold %s", orNone(it.status), handler.StatusNotified, a, e.threshold)}
	case it.status == handler.StatusNotified && it.messageID == "":
		return []string{"Status NOTIFIED but no MessageId"}
	case it.status != handler.StatusNotified && it.status != handler.StatusComplete:
		return []string{fmt.Sprintf("Status %s is not one the function writes", orNone(it.status))}
	}
	return nil
}
