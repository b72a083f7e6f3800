package dynamodb

import (
	"encoding/json"

	"github.com/orders-dev/orders/internal/emulator/service"
)

const msgReturnValues = "Return values set to invalid value"

// errConditionFailed is ConditionalCheckFailedException; with
// ReturnValuesOnConditionCheckFailure=ALL_OLD it carries the item as it is.
func errConditionFailed(old Item, returnOld string) error {
	e := service.Errorf(400, "ConditionalCheckFailedException", "The conditional request failed")
	if returnOld == "ALL_OLD" && old != nil {
		e.Fields = map[string]any{"Item": old}
	}
	return e
}

// conditionOf parses an optional ConditionExpression.
func conditionOf(expr *string, env *exprEnv) (*cond, error) {
	if expr == nil {
		return nil, nil
	}
	c, err := parseCondition("ConditionExpression", *expr, env)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// validKey validates and canonicalises a Key parameter's values, then its
// shape against the table's schema.
func (t *table) validKey(k Item) (string, error) {
	if msg := validateItem(k); msg != "" {
		return "", service.Validation("%s", msg)
	}
	key, err := t.lookupKey(k)
	if err != nil {
		return "", err
	}
	return key, nil
}

// beginWrite takes the table's write lock for a change; the caller unlocks.
func (t *table) beginWrite() error {
	t.mu.Lock()
	if t.deleted {
		t.mu.Unlock()
		return errTableNotFound(t.name)
	}
	if err := t.log.failed(); err != nil {
		t.mu.Unlock()
		return errStore("write to "+t.name, err)
	}
	return nil
}

// failCondition answers a failed condition once the state it was judged
// on is durable.
func (t *table) failCondition(old Item, returnOld string) error {
	seq := t.log.observed()
	t.mu.Unlock()
	if err := t.log.wait(seq); err != nil {
		return errStore("read "+t.name, err)
	}
	return errConditionFailed(old, returnOld)
}

// --- what PutItem, DeleteItem and UpdateItem share --------------------------

// writeOptions are the request members every single-item write takes.
type writeOptions struct {
	ConditionExpression                 *string           `json:"ConditionExpression"`
	ExpressionAttributeNames            map[string]string `json:"ExpressionAttributeNames"`
	ExpressionAttributeValues           map[string]Value  `json:"ExpressionAttributeValues"`
	ReturnValues                        string            `json:"ReturnValues"`
	ReturnValuesOnConditionCheckFailure string            `json:"ReturnValuesOnConditionCheckFailure"`
	ReturnConsumedCapacity              string            `json:"ReturnConsumedCapacity"`
	ReturnItemCollectionMetrics         string            `json:"ReturnItemCollectionMetrics"`
	Expected                            json.RawMessage   `json:"Expected"`
	ConditionalOperator                 json.RawMessage   `json:"ConditionalOperator"`
}

// validate adds the enum violations AWS reports before looking at the table.
func (w *writeOptions) validate(errs *validationErrors) {
	errs.enum("returnValues", w.ReturnValues, returnValueEnum...)
	errs.enum("returnValuesOnConditionCheckFailure", w.ReturnValuesOnConditionCheckFailure, "ALL_OLD", "NONE")
	errs.capacity(w.ReturnConsumedCapacity)
	errs.enum("returnItemCollectionMetrics", w.ReturnItemCollectionMetrics, "SIZE", "NONE")
}

// checkPutOrDelete applies what PutItem and DeleteItem allow beyond the
// enums: only NONE or ALL_OLD return values, and no legacy conditions
// beside a ConditionExpression.
func (w *writeOptions) checkPutOrDelete() error {
	if w.ReturnValues != "" && w.ReturnValues != "NONE" && w.ReturnValues != "ALL_OLD" {
		return service.Validation(msgReturnValues)
	}
	return legacy(map[string]json.RawMessage{"Expected": w.Expected, "ConditionalOperator": w.ConditionalOperator},
		map[string]bool{"ConditionExpression": w.ConditionExpression != nil})
}

// --- PutItem -------------------------------------------------------------

type putItemInput struct {
	TableName *string `json:"TableName"`
	Item      Item    `json:"Item"`
	writeOptions
}

func (s *Service) putItem(call *service.Call, body []byte) (any, error) {
	var in putItemInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var errs validationErrors
	if in.Item == nil {
		errs = append(errs, violation{"item", "null", "Member must not be null"})
	}
	in.validate(&errs)
	t, _, err := s.itemTable(call, in.TableName, errs...)
	if err != nil {
		return nil, err
	}
	if err := in.checkPutOrDelete(); err != nil {
		return nil, err
	}
	if msg := validateItem(in.Item); msg != "" {
		return nil, service.Validation("%s", msg)
	}
	env, err := exprInputs{names: in.ExpressionAttributeNames, values: in.ExpressionAttributeValues,
		present: in.ConditionExpression != nil, valueExprs: "ConditionExpression is null"}.env()
	if err != nil {
		return nil, err
	}
	c, err := conditionOf(in.ConditionExpression, env)
	if err != nil {
		return nil, err
	}
	if err := env.checkUnused(); err != nil {
		return nil, err
	}
	key, err := t.itemKey(in.Item)
	if err != nil {
		return nil, err
	}
	size := itemSize(in.Item)
	if size > maxItemSize {
		return nil, service.Validation(msgItemTooLarge)
	}
	data, _ := in.Item.MarshalJSON()

	if err := t.beginWrite(); err != nil {
		return nil, err
	}
	old, err := t.item(key)
	if err != nil {
		t.mu.Unlock()
		return nil, errStore("put item", err)
	}
	if c != nil && !c.eval(old) {
		return nil, t.failCondition(old, in.ReturnValuesOnConditionCheckFailure)
	}
	seq := t.log.append(t.putLocked(key, old, in.Item, data)...)
	t.mu.Unlock()
	if err := t.log.wait(seq); err != nil {
		return nil, errStore("put item", err)
	}
	out := map[string]any{}
	if in.ReturnValues == "ALL_OLD" && old != nil {
		out["Attributes"] = old
	}
	if cc := consumedCapacity(in.ReturnConsumedCapacity, t.name, writeUnits(size, itemSize(old))); cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out, nil
}

// --- GetItem -------------------------------------------------------------

type getItemInput struct {
	TableName                *string           `json:"TableName"`
	Key                      Item              `json:"Key"`
	ConsistentRead           bool              `json:"ConsistentRead"`
	ProjectionExpression     *string           `json:"ProjectionExpression"`
	ExpressionAttributeNames map[string]string `json:"ExpressionAttributeNames"`
	AttributesToGet          []string          `json:"AttributesToGet"`
	ReturnConsumedCapacity   string            `json:"ReturnConsumedCapacity"`
}

// projection parses a ProjectionExpression or takes AttributesToGet; nil
// means the whole item.
type projection struct {
	paths []docPath
	names []string
}

func (p *projection) apply(it Item) Item {
	switch {
	case p == nil || it == nil:
		return it
	case p.names != nil:
		return projectNames(it, p.names)
	default:
		return project(it, p.paths)
	}
}

func newProjection(expr *string, attrs []string, env *exprEnv) (*projection, error) {
	if expr != nil && attrs != nil {
		return nil, service.Validation("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}")
	}
	if attrs != nil {
		return &projection{names: attrs}, nil
	}
	if expr == nil {
		return nil, nil
	}
	paths, err := parseProjection(*expr, env)
	if err != nil {
		return nil, err
	}
	return &projection{paths: paths}, nil
}

func (s *Service) getItem(call *service.Call, body []byte) (any, error) {
	var in getItemInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var errs validationErrors
	if in.Key == nil {
		errs = append(errs, violation{"key", "null", "Member must not be null"})
	}
	errs.capacity(in.ReturnConsumedCapacity)
	t, _, err := s.itemTable(call, in.TableName, errs...)
	if err != nil {
		return nil, err
	}
	env, err := exprInputs{names: in.ExpressionAttributeNames, present: in.ProjectionExpression != nil}.env()
	if err != nil {
		return nil, err
	}
	proj, err := newProjection(in.ProjectionExpression, in.AttributesToGet, env)
	if err != nil {
		return nil, err
	}
	if err := env.checkUnused(); err != nil {
		return nil, err
	}
	key, err := t.validKey(in.Key)
	if err != nil {
		return nil, err
	}
	t.mu.RLock()
	if t.deleted {
		t.mu.RUnlock()
		return nil, errTableNotFound(t.name)
	}
	it, err := t.item(key)
	seq := t.log.observed()
	t.mu.RUnlock()
	if err != nil {
		return nil, errStore("get item", err)
	}
	if err := t.log.wait(seq); err != nil {
		return nil, errStore("get item", err)
	}
	out := map[string]any{}
	if it != nil {
		out["Item"] = proj.apply(it)
	}
	if cc := consumedCapacity(in.ReturnConsumedCapacity, t.name, readUnits(itemSize(it), in.ConsistentRead)); cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out, nil
}

// --- DeleteItem ----------------------------------------------------------

type deleteItemInput struct {
	TableName *string `json:"TableName"`
	Key       Item    `json:"Key"`
	writeOptions
}

func (s *Service) deleteItem(call *service.Call, body []byte) (any, error) {
	var in deleteItemInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var errs validationErrors
	if in.Key == nil {
		errs = append(errs, violation{"key", "null", "Member must not be null"})
	}
	in.validate(&errs)
	t, _, err := s.itemTable(call, in.TableName, errs...)
	if err != nil {
		return nil, err
	}
	if err := in.checkPutOrDelete(); err != nil {
		return nil, err
	}
	env, err := exprInputs{names: in.ExpressionAttributeNames, values: in.ExpressionAttributeValues,
		present: in.ConditionExpression != nil, valueExprs: "ConditionExpression is null"}.env()
	if err != nil {
		return nil, err
	}
	c, err := conditionOf(in.ConditionExpression, env)
	if err != nil {
		return nil, err
	}
	if err := env.checkUnused(); err != nil {
		return nil, err
	}
	key, err := t.validKey(in.Key)
	if err != nil {
		return nil, err
	}
	if err := t.beginWrite(); err != nil {
		return nil, err
	}
	old, err := t.item(key)
	if err != nil {
		t.mu.Unlock()
		return nil, errStore("delete item", err)
	}
	if c != nil && !c.eval(old) {
		return nil, t.failCondition(old, in.ReturnValuesOnConditionCheckFailure)
	}
	var seq uint64
	if old != nil {
		seq = t.log.append(t.deleteLocked(key, old)...)
	} else {
		seq = t.log.observed() // nothing to delete; still answer only durable state
	}
	t.mu.Unlock()
	if err := t.log.wait(seq); err != nil {
		return nil, errStore("delete item", err)
	}
	out := map[string]any{}
	if in.ReturnValues == "ALL_OLD" && old != nil {
		out["Attributes"] = old
	}
	if cc := consumedCapacity(in.ReturnConsumedCapacity, t.name, writeUnits(itemSize(old))); cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out, nil
}

// --- UpdateItem ----------------------------------------------------------

type updateItemInput struct {
	TableName        *string         `json:"TableName"`
	Key              Item            `json:"Key"`
	UpdateExpression *string         `json:"UpdateExpression"`
	AttributeUpdates json.RawMessage `json:"AttributeUpdates"`
	writeOptions
}

func (s *Service) updateItem(call *service.Call, body []byte) (any, error) {
	var in updateItemInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var errs validationErrors
	if in.Key == nil {
		errs = append(errs, violation{"key", "null", "Member must not be null"})
	}
	in.validate(&errs)
	t, _, err := s.itemTable(call, in.TableName, errs...)
	if err != nil {
		return nil, err
	}
	if err := legacy(map[string]json.RawMessage{"AttributeUpdates": in.AttributeUpdates, "Expected": in.Expected, "ConditionalOperator": in.ConditionalOperator},
		map[string]bool{"UpdateExpression": in.UpdateExpression != nil, "ConditionExpression": in.ConditionExpression != nil}); err != nil {
		return nil, err
	}
	env, err := exprInputs{names: in.ExpressionAttributeNames, values: in.ExpressionAttributeValues,
		present:    in.ConditionExpression != nil || in.UpdateExpression != nil,
		valueExprs: "UpdateExpression and ConditionExpression are null"}.env()
	if err != nil {
		return nil, err
	}
	var ue *updateExpr
	if in.UpdateExpression != nil {
		if ue, err = parseUpdate(*in.UpdateExpression, env); err != nil {
			return nil, err
		}
	}
	c, err := conditionOf(in.ConditionExpression, env)
	if err != nil {
		return nil, err
	}
	if err := env.checkUnused(); err != nil {
		return nil, err
	}
	key, err := t.validKey(in.Key)
	if err != nil {
		return nil, err
	}
	if ue != nil {
		for _, a := range ue.actions {
			if t.isKey(a.path[0].name) {
				return nil, service.Validation("One or more parameter values were invalid: Cannot update attribute %s. This attribute is part of the key", a.path[0].name)
			}
		}
	}

	if err := t.beginWrite(); err != nil {
		return nil, err
	}
	old, err := t.item(key)
	if err != nil {
		t.mu.Unlock()
		return nil, errStore("update item", err)
	}
	if c != nil && !c.eval(old) {
		return nil, t.failCondition(old, in.ReturnValuesOnConditionCheckFailure)
	}
	base := old
	if base == nil {
		base = in.Key
	}
	updated := base
	if ue != nil {
		var uerr error
		if updated, uerr = applyUpdate(old, base, ue); uerr != nil {
			t.mu.Unlock()
			return nil, uerr
		}
	}
	size := itemSize(updated)
	if size > maxItemSize {
		t.mu.Unlock()
		return nil, service.Validation(msgUpdateTooBig)
	}
	data, _ := updated.MarshalJSON()
	seq := t.log.append(t.putLocked(key, old, updated, data)...)
	t.mu.Unlock()
	if err := t.log.wait(seq); err != nil {
		return nil, errStore("update item", err)
	}

	out := map[string]any{}
	var attrs Item
	switch in.ReturnValues {
	case "ALL_OLD":
		attrs = old
	case "ALL_NEW":
		attrs = updated
	case "UPDATED_OLD", "UPDATED_NEW":
		src := old
		if in.ReturnValues == "UPDATED_NEW" {
			src = updated
		}
		if ue != nil && src != nil {
			paths := make([]docPath, len(ue.actions))
			for i, a := range ue.actions {
				paths[i] = a.path
			}
			attrs = project(src, paths)
		}
	}
	if len(attrs) > 0 {
		out["Attributes"] = attrs
	}
	if cc := consumedCapacity(in.ReturnConsumedCapacity, t.name, writeUnits(size, itemSize(old))); cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out, nil
}
