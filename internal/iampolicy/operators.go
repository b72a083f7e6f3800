package iampolicy

import (
	"fmt"
	"strings"
)

type baseOp uint8

const (
	opStringEquals baseOp = iota
	opStringEqualsIgnoreCase
	opStringLike
	opNumericEquals
	opNumericLessThan
	opNumericLessThanEquals
	opNumericGreaterThan
	opNumericGreaterThanEquals
	opDateEquals
	opDateLessThan
	opDateLessThanEquals
	opDateGreaterThan
	opDateGreaterThanEquals
	opBool
	opBinaryEquals
	opIPAddress
	opArnLike // ArnEquals and ArnLike behave the same on AWS
	opNull
)

type setQualifier uint8

const (
	setNone setQualifier = iota
	setAnyValue
	setAllValues
)

// operator is a parsed condition operator such as
// "ForAllValues:StringNotLikeIfExists".
type operator struct {
	base     baseOp
	negate   bool // StringNotEquals, NotIpAddress, ArnNotLike, ...
	ifExists bool
	set      setQualifier
}

// operatorNames maps lower-cased base operator names.
var operatorNames = map[string]operator{
	"stringequals":              {base: opStringEquals},
	"stringnotequals":           {base: opStringEquals, negate: true},
	"stringequalsignorecase":    {base: opStringEqualsIgnoreCase},
	"stringnotequalsignorecase": {base: opStringEqualsIgnoreCase, negate: true},
	"stringlike":                {base: opStringLike},
	"stringnotlike":             {base: opStringLike, negate: true},
	"numericequals":             {base: opNumericEquals},
	"numericnotequals":          {base: opNumericEquals, negate: true},
	"numericlessthan":           {base: opNumericLessThan},
	"numericlessthanequals":     {base: opNumericLessThanEquals},
	"numericgreaterthan":        {base: opNumericGreaterThan},
	"numericgreaterthanequals":  {base: opNumericGreaterThanEquals},
	"dateequals":                {base: opDateEquals},
	"datenotequals":             {base: opDateEquals, negate: true},
	"datelessthan":              {base: opDateLessThan},
	"datelessthanequals":        {base: opDateLessThanEquals},
	"dategreaterthan":           {base: opDateGreaterThan},
	"dategreaterthanequals":     {base: opDateGreaterThanEquals},
	"bool":                      {base: opBool},
	"binaryequals":              {base: opBinaryEquals},
	"ipaddress":                 {base: opIPAddress},
	"notipaddress":              {base: opIPAddress, negate: true},
	"arnequals":                 {base: opArnLike},
	"arnlike":                   {base: opArnLike},
	"arnnotequals":              {base: opArnLike, negate: true},
	"arnnotlike":                {base: opArnLike, negate: true},
	"null":                      {base: opNull},
}

// parseOperator understands the set qualifiers ForAnyValue: / ForAllValues:
// and the IfExists suffix. Names are matched case-insensitively.
func parseOperator(name string) (operator, error) {
	rest := name
	var set setQualifier
	if q, base, ok := strings.Cut(rest, ":"); ok {
		switch strings.ToLower(q) {
		case "foranyvalue":
			set = setAnyValue
		case "forallvalues":
			set = setAllValues
		default:
			return operator{}, fmt.Errorf("operator %q: unknown set qualifier %q (want ForAnyValue or ForAllValues)", name, q)
		}
		rest = base
	}
	lower := strings.ToLower(rest)
	ifExists := false
	if strings.HasSuffix(lower, "ifexists") {
		lower, ifExists = strings.TrimSuffix(lower, "ifexists"), true
	}
	op, ok := operatorNames[lower]
	if !ok {
		return operator{}, fmt.Errorf("operator %q is not supported", name)
	}
	if op.base == opNull && (ifExists || set != setNone) {
		return operator{}, fmt.Errorf("operator %q: Null takes neither IfExists nor a set qualifier", name)
	}
	op.ifExists, op.set = ifExists, set
	return op, nil
}
