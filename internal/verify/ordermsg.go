package verify

import (
	"context"
	"fmt"

	"github.com/orders-dev/orders/function/handler"
)

// checkOrderMessage checks the notification of an order sent earlier: an
// order its item says was NOTIFIED was published, with the SNS MessageId
// the function recorded. HighValueQueue itself is not read: SQS has no way
// to look at a message without receiving it, and a receive hides the
// message from the queue's real consumers and raises its receive count
// toward a dead-letter queue. Delivery from the topic to the queue is what
// the probe proves, on a queue of its own.
func checkOrderMessage(_ context.Context, e *env, id string, it *orderItem) Result {
	r := Result{Name: "order " + id + ": SNS → SQS message"}
	switch {
	case it == nil:
		r.Detail = "not checked: the order is not in the table"
		r.Problems = []string{r.Detail}
	case it.status != handler.StatusNotified:
		r.OK = true
		r.Detail = fmt.Sprintf("none expected: Status %s (Amount %s is not above the threshold it was sent with)", orNone(it.status), it.amountText)
	case it.messageID == "":
		r.Detail = "Status NOTIFIED but no SNS MessageId recorded: the notification cannot be traced"
		r.Problems = []string{r.Detail}
	default:
		r.OK = true
		r.Detail = fmt.Sprintf("published to topic %s as SNS message %s; queue %s is not read (its consumers' messages stay untouched), the probe proves delivery",
			e.names.Topic, it.messageID, e.names.Queue)
	}
	return r
}
