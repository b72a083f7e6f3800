package verify

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/orders-dev/orders/function/handler"
	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/invoke"
)

// probeOrder is one of the probe's two orders and what became of it.
type probeOrder struct {
	label  string // "HIGH" or "LOW"
	id     string
	amount handler.Amount
	high   bool // above the threshold: must notify

	out invoke.Outcome
	err error // the invocation's error; nil when it succeeded
}

func (o *probeOrder) String() string {
	return fmt.Sprintf("%s order %s (amount %s)", o.label, o.id, o.amount)
}

// highMargin is how far above the threshold the HIGH order is, in cents.
const highMargin = 15000 // 150.00

// cleanupTimeout bounds the probe's cleanup, which runs even when ctx is
// cancelled (Ctrl-C) so no probe item or hidden message is left behind.
const cleanupTimeout = 15 * time.Second

// runProbe sends two orders with fresh ids — one above the threshold, one
// exactly at it (which must not notify) — and follows them through
// DynamoDB, SNS→SQS and CloudWatch Logs, then deletes its items.
func runProbe(ctx context.Context, e *env, emit func(Result)) {
	base := e.newID()
	low := &probeOrder{label: "LOW", id: base + "-LOW", amount: e.threshold}
	high := &probeOrder{label: "HIGH", id: base + "-HIGH", high: true}
	var err error
	high.amount, err = addCents(e.threshold, highMargin)
	if err != nil {
		msg := fmt.Sprintf("cannot make an order above the threshold %s: %v", e.threshold, err)
		for _, name := range []string{NameProbeInvoke, NameProbeItems, NameProbeQueue, NameProbeLogs, NameProbeClean} {
			emit(Result{Name: name, Detail: msg, Problems: []string{msg}})
		}
		return
	}
	start := e.clock.Now()
	// What interrupted verifies left, then the probe's own queue, made
	// before the orders are sent so it is subscribed when HIGH publishes.
	removed, leftoverProbs := removeLeftovers(ctx, e)
	sub, subErr := newProbeSub(ctx, e, low.id, high.id)
	emit(probeInvoke(ctx, e, low, high))
	emit(probeItems(ctx, e, low, high))
	emit(probeQueue(ctx, e, sub, subErr, low, high))
	emit(probeLogs(ctx, e, start, low, high))
	emit(probeCleanup(ctx, e, sub, removed, leftoverProbs, low, high))
}

// probeInvoke sends LOW first, then HIGH: a LOW notification that should
// not exist then reaches the queue before HIGH's, where the queue check
// looks for it.
func probeInvoke(ctx context.Context, e *env, low, high *probeOrder) Result {
	r := Result{Name: NameProbeInvoke}
	var parts []string
	for _, o := range []*probeOrder{low, high} {
		ev, err := invoke.Event(o.id, o.amount.String())
		if err != nil {
			o.err = err
			r.Problems = append(r.Problems, fmt.Sprintf("%s: %v", o, err))
			continue
		}
		o.out, o.err = invoke.SendSettled(ctx, e.lambda, e.names.Function, ev, false, e.settle)
		if o.err != nil {
			r.Problems = append(r.Problems, fmt.Sprintf("%s: %v", o, o.err))
			continue
		}
		switch {
		case !o.out.Stored:
			r.Problems = append(r.Problems, fmt.Sprintf("%s: the function did not store it (Duplicate=%v) though its id is new", o, o.out.Duplicate))
		case o.high && !o.out.Notified:
			r.Problems = append(r.Problems, fmt.Sprintf("%s: not notified though the amount is above the threshold %s", o, e.threshold))
		case o.high && o.out.MessageID == "":
			r.Problems = append(r.Problems, fmt.Sprintf("%s: notified but the function returned no SNS MessageId", o))
		case !o.high && o.out.Notified:
			r.Problems = append(r.Problems, fmt.Sprintf("%s: notified though the amount is not above the threshold %s (an order notifies only when Amount > threshold)", o, e.threshold))
		}
		what := "stored, not notified"
		if o.out.Notified {
			what = "stored, notified as SNS message " + o.out.MessageID
		}
		parts = append(parts, fmt.Sprintf("%s %s: %s (%s)", o.label, o.amount, what, roundDuration(o.out.Duration)))
	}
	r.OK = len(r.Problems) == 0
	if r.OK {
		r.Detail = strings.Join(parts, "; ")
	} else {
		r.Detail = fmt.Sprintf("function %s: %d problem%s", e.names.Function, len(r.Problems), plural(len(r.Problems)))
	}
	return r
}

// probeItems reads both items back (consistent reads) and checks the exact
// amounts and the status each must have.
func probeItems(ctx context.Context, e *env, low, high *probeOrder) Result {
	r := Result{Name: NameProbeItems}
	for _, o := range []*probeOrder{low, high} {
		it, err := getOrder(ctx, e, o.id)
		if err != nil {
			r.Problems = append(r.Problems, fmt.Sprintf("%s: %v", o, err))
			continue
		}
		if it == nil {
			r.Problems = append(r.Problems, fmt.Sprintf("%s: no item in table %s", o, e.names.Table))
			continue
		}
		if p := it.amountProblem(o.amount); p != "" {
			r.Problems = append(r.Problems, fmt.Sprintf("%s: %s", o, p))
		}
		switch {
		case o.high && it.status != handler.StatusNotified:
			r.Problems = append(r.Problems, fmt.Sprintf("%s: Status %s, want %s", o, orNone(it.status), handler.StatusNotified))
		case o.high && it.messageID == "":
			r.Problems = append(r.Problems, fmt.Sprintf("%s: Status NOTIFIED but no MessageId", o))
		case o.high && o.out.MessageID != "" && it.messageID != o.out.MessageID:
			r.Problems = append(r.Problems, fmt.Sprintf("%s: MessageId %s, but the function published %s", o, it.messageID, o.out.MessageID))
		case !o.high && it.status != handler.StatusComplete:
			r.Problems = append(r.Problems, fmt.Sprintf("%s: Status %s, want %s", o, orNone(it.status), handler.StatusComplete))
		}
	}
	r.OK = len(r.Problems) == 0
	if r.OK {
		r.Detail = fmt.Sprintf("%s: %s Amount %s NOTIFIED, %s Amount %s COMPLETE (consistent reads)",
			e.names.Table, high.id, high.amount, low.id, low.amount)
	} else {
		r.Detail = fmt.Sprintf("table %s: %d problem%s", e.names.Table, len(r.Problems), plural(len(r.Problems)))
	}
	return r
}

// probeCleanup deletes both probe items and the probe's queue with its
// subscription, even after a cancellation (Ctrl-C), and reports what
// interrupted verifies had left and was removed first.
func probeCleanup(ctx context.Context, e *env, sub *probeSub, removed, leftoverProbs []string, low, high *probeOrder) Result {
	r := Result{Name: NameProbeClean}
	r.Problems = append(r.Problems, leftoverProbs...)
	if sub != nil {
		r.Problems = append(r.Problems, sub.remove(ctx, e)...)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	for _, o := range []*probeOrder{low, high} {
		_, err := e.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName: aws.String(e.names.Table),
			Key:       map[string]dtypes.AttributeValue{"OrderId": &dtypes.AttributeValueMemberS{Value: o.id}},
		})
		if err != nil {
			r.Problems = append(r.Problems, fmt.Sprintf("delete probe item %s from table %s: %v", o.id, e.names.Table, awsapi.ExplainAccessDenied(err)))
		}
	}
	r.OK = len(r.Problems) == 0
	if r.OK {
		r.Detail = fmt.Sprintf("deleted the probe items %s and %s", low.id, high.id)
		if sub != nil {
			r.Detail += fmt.Sprintf(", unsubscribed and deleted the probe's queue %s", sub.name)
		}
		if len(removed) > 0 {
			r.Detail += "; removed what an interrupted verify left: " + strings.Join(removed, ", ")
		}
	} else {
		r.Detail = "probe leftovers remain (a later verify removes a probe queue left over; delete probe items by hand)"
	}
	return r
}

// orderItem is the part of an order's DynamoDB item the checks read.
type orderItem struct {
	amountText string // N as stored
	status     string
	messageID  string
	receivedAt string
}

func (it *orderItem) amountProblem(want handler.Amount) string {
	if it.amountText == "" {
		return "the item has no Amount"
	}
	got, err := handler.ParseAmount(it.amountText)
	if err != nil {
		return fmt.Sprintf("Amount %q is not a valid amount: %v", it.amountText, err)
	}
	if got.Cmp(want) != 0 {
		return fmt.Sprintf("Amount %s, want exactly %s", it.amountText, want)
	}
	return ""
}

// getOrder reads an order with a consistent read; nil when there is none.
func getOrder(ctx context.Context, e *env, id string) (*orderItem, error) {
	out, err := e.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(e.names.Table),
		Key:            map[string]dtypes.AttributeValue{"OrderId": &dtypes.AttributeValueMemberS{Value: id}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("get item %s from table %s: %w", id, e.names.Table, awsapi.ExplainAccessDenied(err))
	}
	if len(out.Item) == 0 {
		return nil, nil
	}
	it := &orderItem{
		status:     stringAttr(out.Item, "Status"),
		messageID:  stringAttr(out.Item, "MessageId"),
		receivedAt: stringAttr(out.Item, "ReceivedAt"),
	}
	if n, ok := out.Item["Amount"].(*dtypes.AttributeValueMemberN); ok {
		it.amountText = n.Value
	}
	return it, nil
}

func stringAttr(item map[string]dtypes.AttributeValue, name string) string {
	if s, ok := item[name].(*dtypes.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// roundDuration keeps two or three significant digits: 1.23ms, 845µs, 2.4s.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond)
	case d < time.Second:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(10 * time.Millisecond)
}

// addCents is a + cents/100, exactly.
func addCents(a handler.Amount, cents int64) (handler.Amount, error) {
	whole, frac, _ := strings.Cut(a.String(), ".")
	frac = (frac + "00")[:2]
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return handler.Amount{}, err
	}
	n += cents
	return handler.ParseAmount(fmt.Sprintf("%d.%02d", n/100, n%100))
}
