package dynamodb

import (
	"crypto/sha256"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// Transactions, as the API reference and the developer guide define them:
// up to 100 actions, all or nothing, each item at most once, conditions
// judged on the state the transaction commits over.
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactGetItems.html
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html

const (
	maxTransactItems = 100
	// idempotencyWindow is how long a ClientRequestToken is remembered.
	idempotencyWindow = 10 * time.Minute
	msgMultipleOps    = "Transaction request cannot include multiple operations on one item"
	msgOneAction      = "TransactItems can only contain one of Check, Put, Update or Delete"
)

// transactAction is the union of Put, Update, Delete, ConditionCheck and Get.
type transactAction struct {
	TableName                           *string           `json:"TableName"`
	Key                                 Item              `json:"Key"`
	Item                                Item              `json:"Item"`
	UpdateExpression                    *string           `json:"UpdateExpression"`
	ConditionExpression                 *string           `json:"ConditionExpression"`
	ProjectionExpression                *string           `json:"ProjectionExpression"`
	ExpressionAttributeNames            map[string]string `json:"ExpressionAttributeNames"`
	ExpressionAttributeValues           map[string]Value  `json:"ExpressionAttributeValues"`
	ReturnValuesOnConditionCheckFailure string            `json:"ReturnValuesOnConditionCheckFailure"`
}

type transactWriteItem struct {
	ConditionCheck *transactAction `json:"ConditionCheck"`
	Put            *transactAction `json:"Put"`
	Delete         *transactAction `json:"Delete"`
	Update         *transactAction `json:"Update"`
}

type transactWriteInput struct {
	TransactItems               []transactWriteItem `json:"TransactItems"`
	ReturnConsumedCapacity      string              `json:"ReturnConsumedCapacity"`
	ReturnItemCollectionMetrics string              `json:"ReturnItemCollectionMetrics"`
	ClientRequestToken          *string             `json:"ClientRequestToken"`
}

// Each action is authorized as the single-item action it performs: there
// is no dynamodb:TransactWriteItems permission.
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html
var transactIAMAction = map[string]string{
	"ConditionCheck": "dynamodb:ConditionCheckItem",
	"Put":            "dynamodb:PutItem",
	"Delete":         "dynamodb:DeleteItem",
	"Update":         "dynamodb:UpdateItem",
	"Get":            "dynamodb:GetItem",
}

// plannedAction is one validated action of a transaction.
type plannedAction struct {
	kind      string // ConditionCheck, Put, Delete, Update, Get
	t         *table
	key       string
	keyItem   Item // the Key parameter (Update's base for a new item)
	item      Item // Put's item
	cond      *cond
	update    *updateExpr
	proj      *projection
	returnOld string
}

func (w transactWriteItem) action() (string, *transactAction, error) {
	kind, a, n := "", (*transactAction)(nil), 0
	for _, c := range []struct {
		kind string
		a    *transactAction
	}{{"ConditionCheck", w.ConditionCheck}, {"Put", w.Put}, {"Delete", w.Delete}, {"Update", w.Update}} {
		if c.a != nil {
			kind, a, n = c.kind, c.a, n+1
		}
	}
	if n != 1 {
		return "", nil, service.Validation(msgOneAction)
	}
	return kind, a, nil
}

// transactItemsViolations checks the TransactItems list against the
// model's constraints (required, 1 to 100 members).
func transactItemsViolations(n int, present bool, errs *validationErrors) {
	switch {
	case !present:
		*errs = append(*errs, violation{"transactItems", "null", "Member must not be null"})
	case n < 1:
		*errs = append(*errs, violation{"transactItems", "'[]'", "Member must have length greater than or equal to 1"})
	case n > maxTransactItems:
		*errs = append(*errs, violation{"transactItems", fmt.Sprintf("'[%d items]'", n), fmt.Sprintf("Member must have length less than or equal to %d", maxTransactItems)})
	}
}

// planAction validates one action: its table (authorized as the action's
// single-item permission), expressions and key.
func (s *Service) planAction(call *service.Call, kind string, a *transactAction) (*plannedAction, error) {
	var errs validationErrors
	if kind == "Put" && a.Item == nil {
		errs = append(errs, violation{"transactItems.member.put.item", "null", "Member must not be null"})
	}
	if kind != "Put" && a.Key == nil {
		errs = append(errs, violation{"transactItems.member." + lowerFirst(kind) + ".key", "null", "Member must not be null"})
	}
	if kind == "Update" && a.UpdateExpression == nil {
		errs = append(errs, violation{"transactItems.member.update.updateExpression", "null", "Member must not be null"})
	}
	if kind == "ConditionCheck" && a.ConditionExpression == nil {
		errs = append(errs, violation{"transactItems.member.conditionCheck.conditionExpression", "null", "Member must not be null"})
	}
	errs.enum("returnValuesOnConditionCheckFailure", a.ReturnValuesOnConditionCheckFailure, "ALL_OLD", "NONE")
	if err := errs.err(); err != nil {
		return nil, err
	}
	name, err := tableName(call, "tableName", deref(a.TableName), a.TableName != nil)
	if err != nil {
		return nil, err
	}
	if err := call.AuthorizeAction(transactIAMAction[kind], call.ARN("dynamodb", "table/"+name), nil); err != nil {
		return nil, err
	}
	t, err := s.lookup(call.Region, name)
	if err != nil {
		return nil, errResourceNotFound
	}
	p := &plannedAction{kind: kind, t: t, keyItem: a.Key, returnOld: a.ReturnValuesOnConditionCheckFailure}
	present := a.ConditionExpression != nil || a.UpdateExpression != nil || a.ProjectionExpression != nil
	env, err := exprInputs{names: a.ExpressionAttributeNames, values: a.ExpressionAttributeValues,
		present: present, valueExprs: "ConditionExpression is null"}.env()
	if err != nil {
		return nil, err
	}
	if a.UpdateExpression != nil {
		if p.update, err = parseUpdate(*a.UpdateExpression, env); err != nil {
			return nil, err
		}
	}
	if p.cond, err = conditionOf(a.ConditionExpression, env); err != nil {
		return nil, err
	}
	if kind == "Get" {
		if p.proj, err = newProjection(a.ProjectionExpression, nil, env); err != nil {
			return nil, err
		}
	}
	if err := env.checkUnused(); err != nil {
		return nil, err
	}
	if kind == "Put" {
		if msg := validateItem(a.Item); msg != "" {
			return nil, service.Validation("%s", msg)
		}
		if p.key, err = t.itemKey(a.Item); err != nil {
			return nil, err
		}
		if itemSize(a.Item) > maxItemSize {
			return nil, service.Validation(msgItemTooLarge)
		}
		p.item = a.Item
		return p, nil
	}
	if p.key, err = t.validKey(a.Key); err != nil {
		return nil, err
	}
	if p.update != nil {
		for _, u := range p.update.actions {
			if t.isKey(u.path[0].name) {
				return nil, service.Validation("One or more parameter values were invalid: Cannot update attribute %s. This attribute is part of the key", u.path[0].name)
			}
		}
	}
	return p, nil
}

func lowerFirst(s string) string { return strings.ToLower(s[:1]) + s[1:] }

// checkDistinct refuses two actions on one item.
func checkDistinct(plan []*plannedAction) error {
	seen := map[string]bool{}
	for _, p := range plan {
		id := p.t.key + "\x00" + p.key
		if seen[id] {
			return service.Validation(msgMultipleOps)
		}
		seen[id] = true
	}
	return nil
}

// lockTables write-locks (or read-locks) the distinct tables of plan in
// key order, so concurrent transactions cannot deadlock, and makes every
// change already applied to them durable first: what the transaction
// judges and answers must survive a crash. It returns the unlock.
func lockTables(plan []*plannedAction, write bool) (func(), error) {
	byKey := map[string]*table{}
	for _, p := range plan {
		byKey[p.t.key] = p.t
	}
	keys := sortedKeys(byKey)
	var locked []*table
	unlock := func() {
		for _, t := range locked {
			if write {
				t.mu.Unlock()
			} else {
				t.mu.RUnlock()
			}
		}
	}
	for _, k := range keys {
		t := byKey[k]
		if write {
			if err := t.beginWrite(); err != nil {
				unlock()
				return nil, err
			}
		} else {
			t.mu.RLock()
			if t.deleted {
				t.mu.RUnlock()
				unlock()
				return nil, errTableNotFound(t.name)
			}
		}
		locked = append(locked, t)
		if err := t.log.wait(t.log.observed()); err != nil {
			unlock()
			return nil, errStore("read "+t.name, err)
		}
	}
	return unlock, nil
}

// cancellationReason is one entry of TransactionCanceledException's
// CancellationReasons: {"Code": "None"} for an action that did not cancel
// the transaction.
type cancellationReason struct {
	Code    string `json:"Code"`
	Message string `json:"Message,omitempty"`
	Item    Item   `json:"Item,omitempty"`
}

// errTransactionCanceled is AWS's TransactionCanceledException: one reason
// per action, in request order, and the codes listed in the message.
func errTransactionCanceled(reasons []cancellationReason) error {
	codes := make([]string, len(reasons))
	for i, r := range reasons {
		codes[i] = r.Code
	}
	msg := "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]"
	e := service.Errorf(400, "TransactionCanceledException", "%s", msg)
	e.Fields = map[string]any{"CancellationReasons": reasons, "Message": msg}
	return e
}

// idempotency remembers the ClientRequestTokens of committed transactions.
type idempotency struct {
	mu     sync.Mutex
	tokens map[string]tokenUse
}

type tokenUse struct {
	digest [32]byte
	at     time.Time
}

// seen reports whether token was used in the window: same request (true,
// nil) or a different one (IdempotentParameterMismatchException).
func (d *idempotency) seen(scope, token string, body []byte, now time.Time) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.tokens[scope+"/"+token]
	if !ok || now.Sub(u.at) > idempotencyWindow {
		return false, nil
	}
	if u.digest != sha256.Sum256(body) {
		return false, service.Errorf(400, "IdempotentParameterMismatchException",
			"Specified idempotency token %s was used with different request parameters within the last 10 minutes", token)
	}
	return true, nil
}

func (d *idempotency) remember(scope, token string, body []byte, now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tokens == nil {
		d.tokens = map[string]tokenUse{}
	}
	for k, u := range d.tokens {
		if now.Sub(u.at) > idempotencyWindow {
			delete(d.tokens, k)
		}
	}
	d.tokens[scope+"/"+token] = tokenUse{digest: sha256.Sum256(body), at: now}
}

func (s *Service) transactWriteItems(call *service.Call, body []byte) (any, error) {
	var in transactWriteInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var errs validationErrors
	transactItemsViolations(len(in.TransactItems), in.TransactItems != nil, &errs)
	errs.capacity(in.ReturnConsumedCapacity)
	errs.enum("returnItemCollectionMetrics", in.ReturnItemCollectionMetrics, "SIZE", "NONE")
	if tok := in.ClientRequestToken; tok != nil && (len(*tok) < 1 || len(*tok) > 36) {
		errs = append(errs, violation{"clientRequestToken", quoted(*tok), "Member must have length less than or equal to 36"})
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	plan := make([]*plannedAction, 0, len(in.TransactItems))
	for _, w := range in.TransactItems {
		kind, a, err := w.action()
		if err != nil {
			return nil, err
		}
		p, err := s.planAction(call, kind, a)
		if err != nil {
			return nil, err
		}
		plan = append(plan, p)
	}
	if err := checkDistinct(plan); err != nil {
		return nil, err
	}
	scope := call.Account + "/" + call.Region
	token := deref(in.ClientRequestToken)
	if token != "" {
		// A repeat within the window succeeds without writing again.
		if done, err := s.txTokens.seen(scope, token, body, call.Now); done || err != nil {
			return map[string]any{}, err
		}
	}

	unlock, err := lockTables(plan, true)
	if err != nil {
		return nil, err
	}
	reasons := make([]cancellationReason, len(plan))
	results := make([]Item, len(plan)) // the item each action leaves; nil deletes
	olds := make([]Item, len(plan))
	cancelled := false
	for i, p := range plan {
		old, err := p.t.item(p.key)
		if err != nil {
			unlock()
			return nil, errStore("transact write", err)
		}
		olds[i] = old
		reasons[i] = cancellationReason{Code: "None"}
		if p.cond != nil && !p.cond.eval(old) {
			reasons[i] = cancellationReason{Code: "ConditionalCheckFailed", Message: "The conditional request failed"}
			if p.returnOld == "ALL_OLD" && old != nil {
				reasons[i].Item = old
			}
			cancelled = true
			continue
		}
		switch p.kind {
		case "Put":
			results[i] = p.item
		case "Update":
			base := old
			if base == nil {
				base = p.keyItem
			}
			updated, uerr := applyUpdate(old, base, p.update)
			if uerr == nil && itemSize(updated) > maxItemSize {
				uerr = service.Validation(msgUpdateTooBig)
			}
			if uerr != nil {
				reasons[i] = cancellationReason{Code: "ValidationError", Message: service.AsError(uerr).Message}
				cancelled = true
				continue
			}
			results[i] = updated
		}
	}
	if cancelled {
		unlock()
		return nil, errTransactionCanceled(reasons)
	}
	// One store write holds every change, so a crash keeps all or none.
	// It goes to the store directly, not through the tables' commit logs:
	// lockTables drained those, and the locks keep them empty until the
	// write is durable, so nothing older can land after it.
	var ops []store.Op
	units := map[string]float64{}
	for i, p := range plan {
		switch {
		case p.kind == "Put" || p.kind == "Update":
			data, _ := results[i].MarshalJSON()
			ops = append(ops, p.t.putLocked(p.key, olds[i], results[i], data)...)
		case p.kind == "Delete":
			ops = append(ops, p.t.deleteLocked(p.key, olds[i])...)
		}
		// Transactional writes cost two units per KB.
		units[p.t.name] += 2 * writeUnits(itemSize(olds[i]), itemSize(results[i]))
	}
	var werr error
	if len(ops) > 0 {
		werr = s.st.Write(ops...)
	}
	for i := len(plan) - 1; i >= 0; i-- {
		p := plan[i]
		if werr != nil && p.kind != "ConditionCheck" {
			// Put back what the store still holds (counts included).
			switch {
			case olds[i] == nil && results[i] != nil:
				p.t.deleteLocked(p.key, results[i])
			case olds[i] != nil:
				p.t.putLocked(p.key, results[i], olds[i], nil)
			}
		}
		p.t.clearDirty(p.key) // the store holds it now (or still)
	}
	if werr != nil {
		unlock()
		return nil, errStore("transact write", werr)
	}
	unlock()
	if token != "" {
		s.txTokens.remember(scope, token, body, call.Now)
	}
	out := map[string]any{}
	if cc := transactCapacity(in.ReturnConsumedCapacity, units); cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out, nil
}

// transactCapacity lists the capacity consumed per table, in name order.
func transactCapacity(mode string, units map[string]float64) []map[string]any {
	if mode != "TOTAL" && mode != "INDEXES" {
		return nil
	}
	names := make([]string, 0, len(units))
	for n := range units {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]map[string]any, 0, len(names))
	for _, n := range names {
		out = append(out, consumedCapacity(mode, n, units[n]))
	}
	return out
}

type transactGetItem struct {
	Get *transactAction `json:"Get"`
}

type transactGetInput struct {
	TransactItems          []transactGetItem `json:"TransactItems"`
	ReturnConsumedCapacity string            `json:"ReturnConsumedCapacity"`
}

func (s *Service) transactGetItems(call *service.Call, body []byte) (any, error) {
	var in transactGetInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var errs validationErrors
	transactItemsViolations(len(in.TransactItems), in.TransactItems != nil, &errs)
	errs.capacity(in.ReturnConsumedCapacity)
	for _, g := range in.TransactItems {
		if g.Get == nil {
			errs = append(errs, violation{"transactItems.member.get", "null", "Member must not be null"})
			break
		}
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	plan := make([]*plannedAction, 0, len(in.TransactItems))
	for _, g := range in.TransactItems {
		p, err := s.planAction(call, "Get", g.Get)
		if err != nil {
			return nil, err
		}
		plan = append(plan, p)
	}
	if err := checkDistinct(plan); err != nil {
		return nil, err
	}
	unlock, err := lockTables(plan, false)
	if err != nil {
		return nil, err
	}
	responses := make([]map[string]any, len(plan))
	units := map[string]float64{}
	for i, p := range plan {
		it, err := p.t.item(p.key)
		if err != nil {
			unlock()
			return nil, errStore("transact get", err)
		}
		responses[i] = map[string]any{}
		if it != nil {
			responses[i]["Item"] = p.proj.apply(it)
		}
		// Transactional reads cost two units per 4 KB.
		units[p.t.name] += 2 * readUnits(itemSize(it), true)
	}
	unlock()
	out := map[string]any{"Responses": responses}
	if cc := transactCapacity(in.ReturnConsumedCapacity, units); cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out, nil
}
