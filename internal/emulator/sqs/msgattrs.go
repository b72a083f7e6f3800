package sqs

import (
	"math/big"
	"regexp"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// attributeValue is a message attribute as the JSON protocol carries it.
type attributeValue struct {
	DataType         string   `json:"DataType"`
	StringValue      *string  `json:"StringValue,omitempty"`
	BinaryValue      []byte   `json:"BinaryValue,omitempty"`
	StringListValues []string `json:"StringListValues,omitempty"`
	BinaryListValues [][]byte `json:"BinaryListValues,omitempty"`
}

// validateAttributes checks user message attributes as SendMessage does and
// converts them; it returns their size toward the message size limit.
func validateAttributes(in map[string]attributeValue) (map[string]service.MessageAttribute, int, error) {
	if len(in) == 0 {
		return nil, 0, nil
	}
	if len(in) > maxMessageAttributes {
		return nil, 0, errInvalidParameter("Number of message attributes [%d] exceeds the allowed maximum [%d].", len(in), maxMessageAttributes)
	}
	out := make(map[string]service.MessageAttribute, len(in))
	size := 0
	for _, name := range sortedKeys(in) {
		v := in[name]
		if err := validAttributeName(name); err != nil {
			return nil, 0, err
		}
		if len(v.StringListValues) > 0 || len(v.BinaryListValues) > 0 {
			return nil, 0, errInvalidParameter("Message attribute list values in SendMessage operation are not supported.")
		}
		a := service.MessageAttribute{DataType: v.DataType}
		if v.StringValue != nil {
			a.StringValue = *v.StringValue
		}
		a.BinaryValue = v.BinaryValue
		if err := validateAttribute(name, a, v.StringValue != nil); err != nil {
			return nil, 0, err
		}
		// Keep only the field the type uses: it is all a receive returns
		// and all the digest covers.
		if isBinaryType(a.DataType) {
			a.StringValue = ""
		} else {
			a.BinaryValue = nil
		}
		out[name] = a
		size += attributeSize(name, a)
	}
	return out, size, nil
}

// validateAttribute checks one attribute's type and value.
func validateAttribute(name string, a service.MessageAttribute, hasString bool) error {
	base, custom, _ := strings.Cut(a.DataType, ".")
	if a.DataType == "" {
		return errInvalidParameter("The message attribute '%s' must contain non-empty message attribute type.", name)
	}
	if len(a.DataType) > 256 || (strings.Contains(a.DataType, ".") && custom == "") {
		return errInvalidParameter("The message attribute '%s' has an invalid message attribute type.", name)
	}
	switch base {
	case "String", "Number":
		if a.StringValue == "" && len(a.BinaryValue) > 0 {
			return errInvalidParameter("The message attribute '%s' with type '%s' must use field 'String'.", name, base)
		}
		if a.StringValue == "" {
			return errInvalidParameter("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, a.DataType)
		}
		if !validMessageText(a.StringValue) {
			return errInvalidParameter("The message attribute '%s' contains invalid characters.", name)
		}
		if base == "Number" && !validNumber(a.StringValue) {
			return errInvalidParameter("Can't cast the value of message (user) attribute '%s' to a number.", name)
		}
	case "Binary":
		if len(a.BinaryValue) == 0 {
			if hasString {
				return errInvalidParameter("The message attribute '%s' with type 'Binary' must use field 'Binary'.", name)
			}
			return errInvalidParameter("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, a.DataType)
		}
	default:
		return errInvalidParameter("The type of message (user) attribute '%s' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", name)
	}
	return nil
}

// validAttributeName applies SQS's rules for message attribute names.
func validAttributeName(name string) error {
	bad := func(reason string) error {
		return errInvalidParameter("Message (user) attribute '%s' is invalid. %s", name, reason)
	}
	switch {
	case name == "":
		return errInvalidParameter("The request must contain non-empty message (user) attribute names.")
	case len(name) > 256:
		return bad("The attribute name must be at most 256 characters long.")
	case strings.HasPrefix(strings.ToLower(name), "aws.") || strings.HasPrefix(strings.ToLower(name), "amazon."):
		return bad("The attribute name must not start with an AWS-reserved prefix 'AWS.' or 'Amazon.'.")
	case strings.HasPrefix(name, ".") || strings.HasSuffix(name, "."):
		return bad("The attribute name can not start or end with a period.")
	case strings.Contains(name, ".."):
		return bad("The attribute name can not have successive periods.")
	}
	for _, r := range name {
		if !isIDChar(r) && r != '.' {
			return bad("The attribute name can only contain alphanumeric characters, underscores, hyphens and periods.")
		}
	}
	return nil
}

// validNumber accepts what SQS stores as a Number: a decimal with up to 38
// significant digits, exponent range -128..+126.
func validNumber(s string) bool {
	if !decimalPattern.MatchString(s) {
		return false
	}
	f, _, err := big.ParseFloat(s, 10, 128, big.ToNearestEven)
	if err != nil || f.IsInf() {
		return false
	}
	if f.Sign() == 0 {
		return true
	}
	exp := f.MantExp(nil) // 2^exp: 10^126 is about 2^419, 10^-128 about 2^-425
	return exp > -426 && exp < 420
}

var decimalPattern = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

func attributeSize(name string, a service.MessageAttribute) int {
	return len(name) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
}

// validMessageText accepts the characters SQS allows in a message:
// #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF.
func validMessageText(s string) bool {
	_, ok := firstInvalidRune(s)
	return ok
}

func allowedRune(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

// selectAttributes returns the attributes a receive asked for by name:
// "All" or ".*", "prefix.*", or exact names.
func selectAttributes(attrs map[string]service.MessageAttribute, names []string) map[string]service.MessageAttribute {
	if len(attrs) == 0 || len(names) == 0 {
		return nil
	}
	var out map[string]service.MessageAttribute
	for name, a := range attrs {
		if attributeWanted(name, names) {
			if out == nil {
				out = make(map[string]service.MessageAttribute, len(attrs))
			}
			out[name] = a
		}
	}
	return out
}

func attributeWanted(name string, patterns []string) bool {
	for _, p := range patterns {
		switch {
		case p == "All" || p == ".*":
			return true
		case strings.HasSuffix(p, ".*"):
			// "amount.*" selects every name that starts with "amount",
			// "amount" itself included, as SQS answers it.
			if strings.HasPrefix(name, strings.TrimSuffix(p, ".*")) {
				return true
			}
		case p == name:
			return true
		}
	}
	return false
}

func attributesOut(attrs map[string]service.MessageAttribute) map[string]attributeValue {
	if len(attrs) == 0 {
		return nil
	}
	out := make(map[string]attributeValue, len(attrs))
	for name, a := range attrs {
		v := attributeValue{DataType: a.DataType}
		if isBinaryType(a.DataType) {
			v.BinaryValue = a.BinaryValue
		} else {
			s := a.StringValue
			v.StringValue = &s
		}
		out[name] = v
	}
	return out
}
