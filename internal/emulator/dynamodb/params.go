package dynamodb

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// exprInputs are the expression parameters every item operation shares.
type exprInputs struct {
	names  map[string]string
	values map[string]Value
	// present tells whether the request has any expression (names and
	// values without one are rejected); valueExprs is what AWS's message
	// then says is null.
	present    bool
	valueExprs string
}

// env validates ExpressionAttributeNames / Values as AWS does and
// returns the environment expressions are parsed in.
func (x exprInputs) env() (*exprEnv, error) {
	if x.names != nil && !x.present {
		return nil, service.Validation("ExpressionAttributeNames can only be specified when using expressions")
	}
	if x.values != nil && !x.present {
		return nil, service.Validation("ExpressionAttributeValues can only be specified when using expressions: %s", x.valueExprs)
	}
	if x.names != nil && len(x.names) == 0 {
		return nil, service.Validation("ExpressionAttributeNames must not be empty")
	}
	if x.values != nil && len(x.values) == 0 {
		return nil, service.Validation("ExpressionAttributeValues must not be empty")
	}
	for _, k := range sortedKeys(x.names) {
		if !placeholder(k, '#') {
			return nil, service.Validation(`ExpressionAttributeNames contains invalid key: Syntax error; key: "%s"`, k)
		}
		if x.names[k] == "" {
			return nil, service.Validation("ExpressionAttributeNames contains invalid value: Empty attribute name for key %s", k)
		}
	}
	for _, k := range sortedKeys(x.values) {
		if !placeholder(k, ':') {
			return nil, service.Validation(`ExpressionAttributeValues contains invalid key: Syntax error; key: "%s"`, k)
		}
		v := x.values[k]
		if msg := validateValue(&v, 0); msg != "" {
			return nil, service.Validation("ExpressionAttributeValues contains invalid value: %s for key %s", msg, k)
		}
		x.values[k] = v
	}
	return newExprEnv(x.names, x.values), nil
}

func placeholder(k string, sigil byte) bool {
	if len(k) < 2 || k[0] != sigil {
		return false
	}
	for i := 1; i < len(k); i++ {
		if !isIdentPart(k[i]) {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// checkUnused rejects names and values no expression used, as AWS does.
func (e *exprEnv) checkUnused() error {
	var names, values []string
	for _, k := range sortedKeys(e.names) {
		if !e.usedNames[k] {
			names = append(names, k)
		}
	}
	if len(names) > 0 {
		return service.Validation("Value provided in ExpressionAttributeNames unused in expressions: keys: {%s}", strings.Join(names, ", "))
	}
	for _, k := range sortedKeys(e.values) {
		if !e.usedValues[k] {
			values = append(values, k)
		}
	}
	if len(values) > 0 {
		return service.Validation("Value provided in ExpressionAttributeValues unused in expressions: keys: {%s}", strings.Join(values, ", "))
	}
	return nil
}

// legacy rejects the pre-expression parameters: with their expression
// counterpart as AWS does, alone because the emulator implements
// expressions only.
func legacy(params map[string]json.RawMessage, exprs map[string]bool) error {
	var old, neu []string
	for _, k := range sortedKeys(params) {
		if !isNullJSON(params[k]) {
			old = append(old, k)
		}
	}
	if len(old) == 0 {
		return nil
	}
	for _, k := range sortedKeys(exprs) {
		if exprs[k] {
			neu = append(neu, k)
		}
	}
	if len(neu) > 0 {
		return service.Validation("Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {%s} Expression parameters: {%s}",
			strings.Join(old, ", "), strings.Join(neu, ", "))
	}
	return service.Validation("The legacy parameter %s is not supported by the orders emulator; use the expression parameters instead", old[0])
}

// consumedCapacity answers ReturnConsumedCapacity (nil for NONE).
func consumedCapacity(mode, table string, units float64) map[string]any {
	if mode != "TOTAL" && mode != "INDEXES" {
		return nil
	}
	c := map[string]any{"TableName": table, "CapacityUnits": units}
	if mode == "INDEXES" {
		c["Table"] = map[string]any{"CapacityUnits": units}
	}
	return c
}

// writeUnits: one unit per started KB of the larger of the old and new
// item, at least one.
func writeUnits(sizes ...int) float64 {
	n := 0
	for _, s := range sizes {
		n = max(n, s)
	}
	return math.Max(1, math.Ceil(float64(n)/1024))
}

// readUnits: one unit per started 4 KB, halved for eventually consistent
// reads.
func readUnits(size int, consistent bool) float64 {
	u := math.Max(1, math.Ceil(float64(size)/4096))
	if !consistent {
		u /= 2
	}
	return u
}

// valueRange adds the violation of a numeric member outside [min, max].
func (v *validationErrors) valueRange(param string, n, min, max int64) {
	switch {
	case n < min:
		*v = append(*v, violation{param, quoted(strconv.FormatInt(n, 10)), fmt.Sprintf("Member must have value greater than or equal to %d", min)})
	case n > max:
		*v = append(*v, violation{param, quoted(strconv.FormatInt(n, 10)), fmt.Sprintf("Member must have value less than or equal to %d", max)})
	}
}

func (v *validationErrors) capacity(mode string) {
	v.enum("returnConsumedCapacity", mode, "INDEXES", "TOTAL", "NONE")
}

var returnValueEnum = []string{"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"}
