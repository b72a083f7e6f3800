// Package handler is the order-processing Lambda's logic: validate the event,
// store it once in DynamoDB, notify SNS when the amount is above the
// threshold. Its AWS calls go through two one-method interfaces (Store,
// Notifier) so it runs against fakes in tests and the real clients in
// function/bootstrap.
//
// Replays are safe with only dynamodb:PutItem and sns:Publish: each state
// change is a conditional PutItem whose failure returns the existing item.
//
//	new order            → PutItem if absent: COMPLETE, or PENDING_NOTIFY then
//	                       Publish then PutItem NOTIFIED (if still PENDING_NOTIFY)
//	replay, same amount  → COMPLETE/NOTIFIED: Duplicate, nothing done
//	                       PENDING_NOTIFY (an earlier Publish failed): Publish, mark NOTIFIED
//	replay, other amount → ConflictError, nothing changed
//
// Two concurrent first deliveries of one high-value order can both see
// PENDING_NOTIFY and both publish: delivery is at least once, as SNS's is.
package handler

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"
)

// Result is what the function returns for an order it processed.
type Result struct {
	OrderID   string `json:"OrderId"`
	Stored    bool   `json:"Stored"`    // this invocation wrote the order
	Notified  bool   `json:"Notified"`  // this invocation published the notification
	MessageID string `json:"MessageId"` // SNS message id: the one published now, or for a duplicate the one published before
	Duplicate bool   `json:"Duplicate"` // the order was already fully processed; nothing was done
}

// Outcome is the one-word result logged for every order.
type Outcome string

const (
	OutcomeStored    Outcome = "stored"    // stored, at or below the threshold
	OutcomeNotified  Outcome = "notified"  // stored (now or earlier) and published now
	OutcomeDuplicate Outcome = "duplicate" // already processed: nothing done
	OutcomeRejected  Outcome = "rejected"  // invalid event: nothing stored
	OutcomeConflict  Outcome = "conflict"  // same OrderId, other Amount: nothing changed
	OutcomeError     Outcome = "error"     // an AWS call failed
)

// Handler processes order events. It is safe for concurrent use.
type Handler struct {
	cfg    Config
	store  Store
	notify Notifier
	log    *slog.Logger
	now    func() time.Time
}

// New returns a Handler writing one JSON log line per order to logger.
func New(cfg Config, store Store, notifier Notifier, logger *slog.Logger) *Handler {
	return &Handler{cfg: cfg, store: store, notify: notifier, log: logger, now: time.Now}
}

// Invoke makes Handler a lambda.Handler: the runtime hands over the raw
// payload, so decoding (and its errors) stays ours. Errors are returned
// unwrapped so the runtime reports their type name as errorType.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	res, err := h.Handle(ctx, payload)
	if err != nil {
		return nil, err
	}
	return json.Marshal(res)
}

// Handle processes one order event. Errors are *ValidationError,
// *ConflictError, *StoreError or *NotifyError.
func (h *Handler) Handle(ctx context.Context, payload []byte) (Result, error) {
	order, raw, err := parseEvent(payload)
	if err != nil {
		h.logOrder(ctx, raw.orderID, raw.amount, OutcomeRejected, Result{}, err)
		return Result{}, err
	}
	res, outcome, err := h.process(ctx, order)
	h.logOrder(ctx, order.OrderID, order.Amount.String(), outcome, res, err)
	return res, err
}

func (h *Handler) process(ctx context.Context, o Order) (Result, Outcome, error) {
	res := Result{OrderID: o.OrderID}
	receivedAt := h.now().UTC().Format(time.RFC3339Nano)
	high := o.Amount.Cmp(h.cfg.Threshold) > 0
	status := StatusComplete
	if high {
		status = StatusPendingNotify
	}

	existing, err := putNew(ctx, h.store, h.cfg.TableName, o, receivedAt, status)
	if err != nil {
		return res, OutcomeError, &StoreError{Op: "store order", OrderID: o.OrderID, Table: h.cfg.TableName, Err: err}
	}
	if existing == nil { // a new order
		res.Stored = true
		if !high {
			return res, OutcomeStored, nil
		}
		return h.notifyAndMark(ctx, o, receivedAt, res)
	}

	if !existing.sameAmount(o.Amount) {
		stored := existing.amountText
		if stored == "" {
			stored = "(none)"
		}
		return res, OutcomeConflict, &ConflictError{OrderID: o.OrderID, StoredAmount: stored, Amount: o.Amount.String()}
	}
	if existing.status == StatusPendingNotify {
		// An earlier run stored the order but did not finish notifying.
		// The decision to notify was made then; keep its ReceivedAt.
		return h.notifyAndMark(ctx, o, existing.receivedAt, res)
	}
	// COMPLETE or NOTIFIED (or a status this code never writes): done before.
	res.Duplicate = true
	res.MessageID = existing.messageID
	return res, OutcomeDuplicate, nil
}

// notifyAndMark publishes the notification, then records it on the item.
func (h *Handler) notifyAndMark(ctx context.Context, o Order, receivedAt string, res Result) (Result, Outcome, error) {
	in, err := publishInput(h.cfg.TopicARN, o, receivedAt)
	if err != nil {
		return res, OutcomeError, &NotifyError{OrderID: o.OrderID, Topic: h.cfg.TopicARN, Err: err}
	}
	out, err := h.notify.Publish(ctx, in)
	if err != nil {
		return res, OutcomeError, &NotifyError{OrderID: o.OrderID, Topic: h.cfg.TopicARN, Err: err}
	}
	if out != nil && out.MessageId != nil {
		res.MessageID = *out.MessageId
	}
	res.Notified = true

	existing, err := putNotified(ctx, h.store, h.cfg.TableName, o, receivedAt, res.MessageID)
	if err == nil && (existing == nil || existing.status == StatusNotified) {
		// Marked; or a concurrent replay marked it first, which is as good.
		return res, OutcomeNotified, nil
	}
	if err == nil {
		err = errUnexpectedState(existing)
	}
	return res, OutcomeError, &StoreError{
		Op: "mark notified order", OrderID: o.OrderID, Table: h.cfg.TableName, Err: err,
		Detail: "notification already published as message " + res.MessageID + "; a replay will publish again",
	}
}

type unexpectedStateError struct{ status, amount string }

func (e *unexpectedStateError) Error() string {
	return "the stored order changed meanwhile: Status " + e.status + ", Amount " + e.amount
}

func errUnexpectedState(s *storedOrder) error {
	return &unexpectedStateError{status: s.status, amount: s.amountText}
}

// logOrder writes the order's one log line.
func (h *Handler) logOrder(ctx context.Context, orderID, amount string, outcome Outcome, res Result, err error) {
	attrs := []slog.Attr{
		slog.String("OrderId", orderID),
		slog.String("Amount", amount),
		slog.String("outcome", string(outcome)),
	}
	if res.MessageID != "" {
		attrs = append(attrs, slog.String("MessageId", res.MessageID))
	}
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelError
		if outcome == OutcomeRejected || outcome == OutcomeConflict {
			level = slog.LevelWarn
		}
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	h.log.LogAttrs(ctx, level, "order "+string(outcome), attrs...)
}
