package dynamodb

import (
	"encoding/base64"
	"strings"
)

// Limits AWS enforces on items.
const (
	maxItemSize     = 400 * 1024
	maxNesting      = 32
	maxHashKeySize  = 2048
	maxRangeKeySize = 1024
)

const (
	msgEmptyValue    = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
	msgManyTypes     = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
	msgNullFalse     = "One or more parameter values were invalid: Null attribute value types must have the value of true"
	msgNesting       = "Nesting Levels have exceeded supported limits"
	msgItemTooLarge  = "Item size has exceeded the maximum allowed size"
	msgUpdateTooBig  = "Item size to update has exceeded the maximum allowed size"
	msgEmptyAttrName = "One or more parameter values were invalid: An attribute name cannot be empty"
)

// validateItem checks every value of an item (canonicalising numbers in
// place) and returns AWS's message for the first problem.
func validateItem(it Item) string {
	for k, v := range it {
		if k == "" {
			return msgEmptyAttrName
		}
		if msg := validateValue(&v, 0); msg != "" {
			return msg
		}
		it[k] = v
	}
	return ""
}

// validateValue checks one AttributeValue the way DynamoDB does and
// rewrites numbers to their canonical form.
func validateValue(v *Value, depth int) string {
	if depth > maxNesting {
		return msgNesting
	}
	switch v.Kind {
	case KindNone:
		if v.Bool {
			return msgManyTypes
		}
		return msgEmptyValue
	case KindN:
		s, msg := canonicalNumber(v.S)
		if msg != "" {
			return msg
		}
		v.S = s
	case KindNULL:
		if !v.Bool {
			return msgNullFalse
		}
	case KindSS:
		if len(v.SS) == 0 {
			return "One or more parameter values were invalid: An string set  may not be empty"
		}
		if dup := duplicates(v.SS); dup {
			return "One or more parameter values were invalid: Input collection [" + strings.Join(v.SS, ", ") + "] contains duplicates."
		}
	case KindNS:
		if len(v.SS) == 0 {
			return "One or more parameter values were invalid: An number set  may not be empty"
		}
		out := make([]string, len(v.SS))
		for i, s := range v.SS {
			c, msg := canonicalNumber(s)
			if msg != "" {
				return msg
			}
			out[i] = c
		}
		if duplicates(out) {
			return "One or more parameter values were invalid: Input collection [" + strings.Join(v.SS, ", ") + "] contains duplicates."
		}
		v.SS = out
	case KindBS:
		if len(v.BS) == 0 {
			return "One or more parameter values were invalid: An binary set  may not be empty"
		}
		seen := make(map[string]struct{}, len(v.BS))
		for _, b := range v.BS {
			if _, dup := seen[string(b)]; dup {
				parts := make([]string, len(v.BS))
				for i, x := range v.BS {
					parts[i] = base64.StdEncoding.EncodeToString(x)
				}
				return "One or more parameter values were invalid: Input collection [" + strings.Join(parts, ", ") + "]of type BS contains duplicates."
			}
			seen[string(b)] = struct{}{}
		}
	case KindL:
		for i := range v.L {
			if msg := validateValue(&v.L[i], depth+1); msg != "" {
				return msg
			}
		}
	case KindM:
		for k, x := range v.M {
			if msg := validateValue(&x, depth+1); msg != "" {
				return msg
			}
			v.M[k] = x
		}
	}
	return ""
}

func duplicates(ss []string) bool {
	seen := make(map[string]struct{}, len(ss))
	for _, s := range ss {
		if _, ok := seen[s]; ok {
			return true
		}
		seen[s] = struct{}{}
	}
	return false
}
