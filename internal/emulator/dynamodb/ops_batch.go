package dynamodb

import (
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

const (
	maxBatchWrite = 25
	maxBatchGet   = 100
)

type putRequest struct {
	Item Item `json:"Item"`
}

type deleteRequest struct {
	Key Item `json:"Key"`
}

type writeRequest struct {
	PutRequest    *putRequest    `json:"PutRequest"`
	DeleteRequest *deleteRequest `json:"DeleteRequest"`
}

type batchWriteInput struct {
	RequestItems                map[string][]writeRequest `json:"RequestItems"`
	ReturnConsumedCapacity      string                    `json:"ReturnConsumedCapacity"`
	ReturnItemCollectionMetrics string                    `json:"ReturnItemCollectionMetrics"`
}

// batchTables validates the table names of RequestItems, authorizes
// action on each, and resolves them, in name order.
func (s *Service) batchTables(call *service.Call, action string, names []string) ([]*table, error) {
	var tables []*table
	for _, raw := range names {
		name, err := tableName(call, "requestItems.member.key", raw, true)
		if err != nil {
			return nil, err
		}
		if err := call.AuthorizeAction(action, call.ARN("dynamodb", "table/"+name), nil); err != nil {
			return nil, err
		}
		tables = append(tables, nil)
		t, err := s.lookup(call.Region, name)
		if err != nil || s.activeOrNotFound(call, t) != nil {
			return nil, errResourceNotFound
		}
		tables[len(tables)-1] = t
	}
	return tables, nil
}

// pendingWrite is one validated request of a batch.
type pendingWrite struct {
	key  string
	item Item // nil for a delete
	data []byte
}

func (s *Service) batchWriteItem(call *service.Call, body []byte) (any, error) {
	var in batchWriteInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var errs validationErrors
	switch {
	case in.RequestItems == nil:
		errs = append(errs, violation{"requestItems", "null", "Member must not be null"})
	case len(in.RequestItems) == 0:
		errs = append(errs, violation{"requestItems", "'{}'", "Member must have length greater than or equal to 1"})
	}
	errs.capacity(in.ReturnConsumedCapacity)
	errs.enum("returnItemCollectionMetrics", in.ReturnItemCollectionMetrics, "SIZE", "NONE")
	if err := errs.err(); err != nil {
		return nil, err
	}
	total := 0
	for _, reqs := range in.RequestItems {
		total += len(reqs)
		if len(reqs) == 0 {
			return nil, validationErrors{{"requestItems", "'{}'", "Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]"}}.err()
		}
	}
	if total > maxBatchWrite {
		return nil, service.Validation("Too many items requested for the BatchWriteItem call")
	}
	names := sortedKeys(in.RequestItems)
	tables, err := s.batchTables(call, "dynamodb:BatchWriteItem", names)
	if err != nil {
		return nil, err
	}
	// Validate everything before changing anything.
	plans := make([][]pendingWrite, len(tables))
	for i, t := range tables {
		seen := map[string]bool{}
		for _, r := range in.RequestItems[names[i]] {
			var w pendingWrite
			switch {
			case (r.PutRequest == nil) == (r.DeleteRequest == nil):
				return nil, service.Validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
			case r.PutRequest != nil:
				it := r.PutRequest.Item
				if it == nil {
					return nil, validationErrors{{"requestItems." + names[i] + ".member.putRequest.item", "null", "Member must not be null"}}.err()
				}
				if msg := validateItem(it); msg != "" {
					return nil, service.Validation("%s", msg)
				}
				k, err := t.itemKey(it)
				if err != nil {
					return nil, err
				}
				if itemSize(it) > maxItemSize {
					return nil, service.Validation(msgItemTooLarge)
				}
				w.key, w.item = k, it
				w.data, _ = it.MarshalJSON()
			default:
				if r.DeleteRequest.Key == nil {
					return nil, validationErrors{{"requestItems." + names[i] + ".member.deleteRequest.key", "null", "Member must not be null"}}.err()
				}
				k, err := t.validKey(r.DeleteRequest.Key)
				if err != nil {
					return nil, err
				}
				w.key = k
			}
			if seen[w.key] {
				return nil, service.Validation("Provided list of item keys contains duplicates")
			}
			seen[w.key] = true
			plans[i] = append(plans[i], w)
		}
	}
	seqs := make([]uint64, len(tables))
	units := make([]float64, len(tables))
	for i, t := range tables {
		if err := t.beginWrite(); err != nil {
			return nil, err
		}
		ops := make([]store.Op, 0, len(plans[i]))
		for _, w := range plans[i] {
			old, err := t.item(w.key)
			if err != nil {
				if len(ops) > 0 { // what this table already changed is written
					seq := t.log.append(ops...)
					t.mu.Unlock()
					_ = t.log.wait(seq)
				} else {
					t.mu.Unlock()
				}
				return nil, errStore("batch write", err)
			}
			units[i] += writeUnits(itemSize(old), itemSize(w.item))
			if w.item != nil {
				ops = append(ops, t.putLocked(w.key, old, w.item, w.data)...)
			} else if old != nil {
				ops = append(ops, t.deleteLocked(w.key, old)...)
			}
		}
		if len(ops) > 0 {
			seqs[i] = t.log.append(ops...)
		} else {
			seqs[i] = t.log.observed()
		}
		t.mu.Unlock()
	}
	for i, t := range tables {
		if err := t.log.wait(seqs[i]); err != nil {
			return nil, errStore("batch write", err)
		}
	}
	out := map[string]any{"UnprocessedItems": map[string]any{}}
	if in.ReturnConsumedCapacity == "TOTAL" || in.ReturnConsumedCapacity == "INDEXES" {
		var cc []map[string]any
		for i, t := range tables {
			cc = append(cc, consumedCapacity(in.ReturnConsumedCapacity, t.name, units[i]))
		}
		out["ConsumedCapacity"] = cc
	}
	return out, nil
}

type keysAndAttributes struct {
	Keys                     []Item            `json:"Keys"`
	ProjectionExpression     *string           `json:"ProjectionExpression"`
	ExpressionAttributeNames map[string]string `json:"ExpressionAttributeNames"`
	ConsistentRead           bool              `json:"ConsistentRead"`
	AttributesToGet          []string          `json:"AttributesToGet"`
}

type batchGetInput struct {
	RequestItems           map[string]keysAndAttributes `json:"RequestItems"`
	ReturnConsumedCapacity string                       `json:"ReturnConsumedCapacity"`
}

func (s *Service) batchGetItem(call *service.Call, body []byte) (any, error) {
	var in batchGetInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var errs validationErrors
	switch {
	case in.RequestItems == nil:
		errs = append(errs, violation{"requestItems", "null", "Member must not be null"})
	case len(in.RequestItems) == 0:
		errs = append(errs, violation{"requestItems", "'{}'", "Member must have length greater than or equal to 1"})
	}
	errs.capacity(in.ReturnConsumedCapacity)
	if err := errs.err(); err != nil {
		return nil, err
	}
	total := 0
	for _, r := range in.RequestItems {
		total += len(r.Keys)
		if len(r.Keys) == 0 {
			return nil, validationErrors{{"requestItems", "'{}'", "Map value must satisfy constraint: [Member must have length less than or equal to 100, Member must have length greater than or equal to 1]"}}.err()
		}
	}
	if total > maxBatchGet {
		return nil, service.Validation("Too many items requested for the BatchGetItem call")
	}
	names := sortedKeys(in.RequestItems)
	tables, err := s.batchTables(call, "dynamodb:BatchGetItem", names)
	if err != nil {
		return nil, err
	}
	type plan struct {
		keys []string
		proj *projection
	}
	plans := make([]plan, len(tables))
	for i, t := range tables {
		r := in.RequestItems[names[i]]
		env, err := exprInputs{names: r.ExpressionAttributeNames, present: r.ProjectionExpression != nil}.env()
		if err != nil {
			return nil, err
		}
		proj, err := newProjection(r.ProjectionExpression, r.AttributesToGet, env)
		if err != nil {
			return nil, err
		}
		if err := env.checkUnused(); err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for _, k := range r.Keys {
			key, err := t.validKey(k)
			if err != nil {
				return nil, err
			}
			if seen[key] {
				return nil, service.Validation("Provided list of item keys contains duplicates")
			}
			seen[key] = true
			plans[i].keys = append(plans[i].keys, key)
		}
		plans[i].proj = proj
	}
	responses := map[string][]Item{}
	var cc []map[string]any
	for i, t := range tables {
		found := []Item{}
		bytes := 0
		t.mu.RLock()
		if t.deleted {
			t.mu.RUnlock()
			return nil, errResourceNotFound
		}
		var readErr error
		for _, k := range plans[i].keys {
			it, err := t.item(k)
			if err != nil {
				readErr = err
				break
			}
			if it != nil {
				bytes += itemSize(it)
				found = append(found, plans[i].proj.apply(it))
			}
		}
		seq := t.log.observed()
		t.mu.RUnlock()
		if readErr != nil {
			return nil, errStore("batch get", readErr)
		}
		if err := t.log.wait(seq); err != nil {
			return nil, errStore("batch get", err)
		}
		responses[names[i]] = found
		if c := consumedCapacity(in.ReturnConsumedCapacity, t.name, readUnits(bytes, in.RequestItems[names[i]].ConsistentRead)); c != nil {
			cc = append(cc, c)
		}
	}
	out := map[string]any{"Responses": responses, "UnprocessedKeys": map[string]any{}}
	if cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out, nil
}
