package dynamodb

import (
	"encoding/json"
	"hash/fnv"
	"strconv"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// maxPageBytes: a Query or Scan page stops after 1 MB of items read.
const maxPageBytes = 1 << 20

type readInput struct {
	TableName                 *string           `json:"TableName"`
	IndexName                 *string           `json:"IndexName"`
	FilterExpression          *string           `json:"FilterExpression"`
	ProjectionExpression      *string           `json:"ProjectionExpression"`
	ExpressionAttributeNames  map[string]string `json:"ExpressionAttributeNames"`
	ExpressionAttributeValues map[string]Value  `json:"ExpressionAttributeValues"`
	Limit                     *int64            `json:"Limit"`
	ExclusiveStartKey         Item              `json:"ExclusiveStartKey"`
	Select                    string            `json:"Select"`
	ConsistentRead            bool              `json:"ConsistentRead"`
	ReturnConsumedCapacity    string            `json:"ReturnConsumedCapacity"`
	AttributesToGet           []string          `json:"AttributesToGet"`
	ConditionalOperator       json.RawMessage   `json:"ConditionalOperator"`
}

type queryInput struct {
	readInput
	KeyConditionExpression *string         `json:"KeyConditionExpression"`
	ScanIndexForward       *bool           `json:"ScanIndexForward"`
	KeyConditions          json.RawMessage `json:"KeyConditions"`
	QueryFilter            json.RawMessage `json:"QueryFilter"`
}

type scanInput struct {
	readInput
	Segment       *int64          `json:"Segment"`
	TotalSegments *int64          `json:"TotalSegments"`
	ScanFilter    json.RawMessage `json:"ScanFilter"`
}

// readPlan is a validated Query or Scan.
type readPlan struct {
	t         *table
	bounds    keyBounds
	forward   bool
	filter    *cond
	proj      *projection
	limit     int
	countOnly bool
	startKey  string // encoded ExclusiveStartKey, "" for none
	segment   func(Item) bool
}

func (in *readInput) violations() validationErrors {
	var errs validationErrors
	if in.Limit != nil && *in.Limit < 1 {
		errs = append(errs, violation{"limit", quoted(strconv.FormatInt(*in.Limit, 10)), "Member must have value greater than or equal to 1"})
	}
	errs.enum("select", in.Select, "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT")
	errs.capacity(in.ReturnConsumedCapacity)
	return errs
}

// common validates what Query and Scan share once the table is known.
func (in *readInput) plan(t *table, env *exprEnv) (*readPlan, error) {
	if in.IndexName != nil {
		return nil, service.Validation("The table does not have the specified index: %s", *in.IndexName)
	}
	p := &readPlan{t: t, forward: true, limit: -1, bounds: keyBounds{}}
	if in.Limit != nil {
		p.limit = int(min(*in.Limit, 1<<30))
	}
	hasProjection := in.ProjectionExpression != nil || in.AttributesToGet != nil
	switch in.Select {
	case "COUNT":
		if hasProjection {
			return nil, service.Validation("Cannot specify the AttributesToGet or ProjectionExpression when choosing to get only the Count")
		}
		p.countOnly = true
	case "SPECIFIC_ATTRIBUTES":
		if !hasProjection {
			return nil, service.Validation("One or more parameter values were invalid: Select type SPECIFIC_ATTRIBUTES requires ProjectionExpression or AttributesToGet")
		}
	case "ALL_PROJECTED_ATTRIBUTES":
		return nil, service.Validation("One or more parameter values were invalid: Select type ALL_PROJECTED_ATTRIBUTES is supported only for index queries")
	case "ALL_ATTRIBUTES":
		if hasProjection {
			return nil, service.Validation("One or more parameter values were invalid: Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES")
		}
	}
	if in.FilterExpression != nil {
		f, err := parseCondition("FilterExpression", *in.FilterExpression, env)
		if err != nil {
			return nil, err
		}
		p.filter = f
	}
	proj, err := newProjection(in.ProjectionExpression, in.AttributesToGet, env)
	if err != nil {
		return nil, err
	}
	p.proj = proj
	if in.ExclusiveStartKey != nil {
		if msg := validateItem(in.ExclusiveStartKey); msg != "" {
			return nil, service.Validation("The provided starting key is invalid: %s", msg)
		}
		k, err := t.lookupKey(in.ExclusiveStartKey)
		if err != nil {
			return nil, service.Validation("The provided starting key is invalid: %s", service.AsError(err).Message)
		}
		p.startKey = k
	}
	return p, nil
}

func (s *Service) query(call *service.Call, body []byte) (any, error) {
	var in queryInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	t, _, err := s.itemTable(call, in.TableName, in.violations()...)
	if err != nil {
		return nil, err
	}
	if err := legacy(map[string]json.RawMessage{"KeyConditions": in.KeyConditions, "QueryFilter": in.QueryFilter, "ConditionalOperator": in.ConditionalOperator},
		map[string]bool{"KeyConditionExpression": in.KeyConditionExpression != nil, "FilterExpression": in.FilterExpression != nil}); err != nil {
		return nil, err
	}
	if in.KeyConditionExpression == nil {
		return nil, service.Validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
	}
	env, err := exprInputs{names: in.ExpressionAttributeNames, values: in.ExpressionAttributeValues,
		present:    true,
		valueExprs: "KeyConditionExpression and FilterExpression are null"}.env()
	if err != nil {
		return nil, err
	}
	kc, err := parseCondition("KeyConditionExpression", *in.KeyConditionExpression, env)
	if err != nil {
		return nil, err
	}
	p, err := in.plan(t, env)
	if err != nil {
		return nil, err
	}
	if err := env.checkUnused(); err != nil {
		return nil, err
	}
	if p.bounds, err = t.keyBoundsOf(kc); err != nil {
		return nil, err
	}
	if p.filter != nil {
		for _, path := range p.filter.paths(nil) {
			if t.isKey(path[0].name) {
				return nil, service.Validation("Filter Expression can only contain non-primary key attributes: Primary key attribute: %s", path[0].name)
			}
		}
	}
	if in.ScanIndexForward != nil {
		p.forward = *in.ScanIndexForward
	}
	return p.run(in.ReturnConsumedCapacity, in.ConsistentRead)
}

func (s *Service) scan(call *service.Call, body []byte) (any, error) {
	var in scanInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	errs := in.violations()
	// Range violations are worded as AWS's validator words a bound:
	// "Member must have value greater than or equal to N" / "less than or
	// equal to N".
	if in.TotalSegments != nil {
		errs.valueRange("totalSegments", *in.TotalSegments, 1, 1000000)
	}
	if in.Segment != nil {
		errs.valueRange("segment", *in.Segment, 0, 999999)
	}
	t, _, err := s.itemTable(call, in.TableName, errs...)
	if err != nil {
		return nil, err
	}
	if err := legacy(map[string]json.RawMessage{"ScanFilter": in.ScanFilter, "ConditionalOperator": in.ConditionalOperator},
		map[string]bool{"FilterExpression": in.FilterExpression != nil}); err != nil {
		return nil, err
	}
	switch {
	case in.Segment != nil && in.TotalSegments == nil:
		return nil, service.Validation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
	case in.Segment == nil && in.TotalSegments != nil:
		return nil, service.Validation("The Segment parameter is required but was not present in the request when parameter TotalSegments is present")
	case in.Segment != nil && *in.Segment >= *in.TotalSegments:
		return nil, service.Validation("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: %d is not less than TotalSegments: %d", *in.Segment, *in.TotalSegments)
	}
	env, err := exprInputs{names: in.ExpressionAttributeNames, values: in.ExpressionAttributeValues,
		present:    in.FilterExpression != nil || in.ProjectionExpression != nil,
		valueExprs: "FilterExpression is null"}.env()
	if err != nil {
		return nil, err
	}
	p, err := in.plan(t, env)
	if err != nil {
		return nil, err
	}
	if err := env.checkUnused(); err != nil {
		return nil, err
	}
	if in.Segment != nil {
		seg, total := uint32(*in.Segment), uint32(*in.TotalSegments)
		p.segment = func(it Item) bool {
			h := fnv.New32a()
			_, _ = h.Write(appendKeyPart(nil, it[t.hash.name]))
			return h.Sum32()%total == seg
		}
	}
	return p.run(in.ReturnConsumedCapacity, in.ConsistentRead)
}

// run reads one page under the table's read lock.
func (p *readPlan) run(capacityMode string, consistent bool) (any, error) {
	t := p.t
	items := []Item{}
	var last Item
	count, scanned, bytes := 0, 0, 0
	visit := func(_ string, it Item) bool {
		if p.segment != nil && !p.segment(it) {
			return true
		}
		scanned++
		bytes += itemSize(it)
		if p.filter == nil || p.filter.eval(it) {
			count++
			if !p.countOnly {
				items = append(items, p.proj.apply(it))
			}
		}
		if scanned == p.limit || bytes >= maxPageBytes {
			last = it
			return false
		}
		return true
	}
	lo, hi := p.bounds.lo, p.bounds.hi
	var err error
	t.mu.RLock()
	if t.deleted {
		t.mu.RUnlock()
		return nil, errTableNotFound(t.name)
	}
	if p.forward {
		if p.startKey != "" && keyAfter(p.startKey) > lo {
			lo = keyAfter(p.startKey)
		}
		if hi == "" || lo < hi {
			err = t.scan(lo, hi, true, visit)
		}
	} else {
		if p.startKey != "" && (hi == "" || p.startKey < hi) {
			hi = p.startKey
		}
		if hi == "" || lo < hi {
			err = t.scan(lo, hi, false, visit)
		}
	}
	seq := t.log.observed()
	t.mu.RUnlock()
	if err != nil {
		return nil, errStore("read "+t.name, err)
	}
	if err := t.log.wait(seq); err != nil {
		return nil, errStore("read "+t.name, err)
	}
	out := map[string]any{"Count": count, "ScannedCount": scanned}
	if !p.countOnly {
		out["Items"] = items
	}
	if last != nil {
		out["LastEvaluatedKey"] = t.keyOf(last)
	}
	if cc := consumedCapacity(capacityMode, t.name, readUnits(bytes, consistent)); cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out, nil
}
