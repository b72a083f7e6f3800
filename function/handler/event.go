package handler

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Order is a validated order event.
type Order struct {
	OrderID string
	Amount  Amount
}

// MaxOrderIDLength bounds OrderId: long enough for any sane id scheme, short
// enough for a log line and an SNS Subject.
const MaxOrderIDLength = 64

// rawEvent is what could be read from a payload, valid or not, so that a
// rejected event is still logged with whatever id and amount it carried.
type rawEvent struct {
	orderID string // JSON string value, or the raw JSON text if not a string
	amount  string // raw JSON text
}

// ParseOrder decodes and validates an order event:
// {"OrderId": "ORD-1001", "Amount": 250}.
//
// The payload must be one JSON object. OrderId must be a non-empty string of at
// most 64 characters from [A-Za-z0-9_.:-]; Amount must be a JSON number (not a
// string), >= 0, below 1e15, with at most two decimal places. Other fields are
// ignored, so events may carry extra context. Every problem found is reported
// in one *ValidationError.
func ParseOrder(payload []byte) (Order, error) {
	o, _, err := parseEvent(payload)
	return o, err
}

func parseEvent(payload []byte) (Order, rawEvent, error) {
	var raw rawEvent
	fields, err := decodeObject(payload)
	if err != nil {
		return Order{}, raw, &ValidationError{Problems: []FieldProblem{{Field: "event", Problem: err.Error()}}}
	}
	var problems []FieldProblem
	var o Order

	idText, hasID := fields["OrderId"]
	switch {
	case !hasID:
		problems = append(problems, FieldProblem{"OrderId", "missing" + caseHint(fields, "OrderId")})
	default:
		id, problem := parseOrderID(idText)
		raw.orderID = id
		if problem != "" {
			problems = append(problems, FieldProblem{"OrderId", problem})
		} else {
			o.OrderID = id
		}
	}

	amountText, hasAmount := fields["Amount"]
	switch {
	case !hasAmount:
		problems = append(problems, FieldProblem{"Amount", "missing" + caseHint(fields, "Amount")})
	default:
		raw.amount = shorten(string(amountText))
		a, problem := parseAmountField(amountText)
		if problem != "" {
			problems = append(problems, FieldProblem{"Amount", problem})
		} else {
			o.Amount = a
		}
	}

	if len(problems) > 0 {
		return Order{}, raw, &ValidationError{Problems: problems}
	}
	return o, raw, nil
}

// decodeObject reads exactly one JSON object and returns its members as raw
// JSON. It refuses anything else (array, string, number, null, trailing data)
// and a repeated OrderId or Amount, which would make the event ambiguous.
func decodeObject(payload []byte) (map[string]json.RawMessage, error) {
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 {
		return nil, errors.New("empty payload, expected a JSON object like {\"OrderId\":\"ORD-1001\",\"Amount\":250}")
	}
	if !json.Valid(trimmed) {
		var v any
		err := json.Unmarshal(trimmed, &v)
		return nil, fmt.Errorf("not valid JSON: %v", err)
	}
	if kind := jsonKind(trimmed); kind != "object" {
		return nil, fmt.Errorf("must be a JSON object like {\"OrderId\":\"ORD-1001\",\"Amount\":250}, got %s", kind)
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // the opening '{'
		return nil, fmt.Errorf("not valid JSON: %v", err)
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("not valid JSON: %v", err)
		}
		key, _ := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, fmt.Errorf("not valid JSON: %v", err)
		}
		if _, dup := fields[key]; dup && (key == "OrderId" || key == "Amount") {
			return nil, fmt.Errorf("field %s appears more than once", key)
		}
		fields[key] = value
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, fmt.Errorf("not valid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("not valid JSON: unexpected data after the object")
	}
	return fields, nil
}

func parseOrderID(text json.RawMessage) (id, problem string) {
	if kind := jsonKind(text); kind != "string" {
		return shorten(string(text)), "must be a string, got " + kind
	}
	if err := json.Unmarshal(text, &id); err != nil {
		return shorten(string(text)), "not a valid JSON string"
	}
	switch {
	case id == "":
		return id, "must not be empty"
	case utf8.RuneCountInString(id) > MaxOrderIDLength:
		return shorten(id), fmt.Sprintf("too long: %d characters (at most %d)", utf8.RuneCountInString(id), MaxOrderIDLength)
	}
	for i, r := range id {
		if !orderIDChar(r) {
			return shorten(id), fmt.Sprintf("character %q at position %d is not allowed (use A-Z a-z 0-9 _ . : -)", r, i+1)
		}
	}
	return id, ""
}

func orderIDChar(r rune) bool {
	return 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' ||
		r == '_' || r == '.' || r == ':' || r == '-'
}

func parseAmountField(text json.RawMessage) (Amount, string) {
	kind := jsonKind(text)
	if kind != "number" {
		hint := ""
		if kind == "string" {
			hint = " (write 250, not \"250\")"
		}
		return Amount{}, fmt.Sprintf("must be a JSON number, got %s %s%s", kind, shorten(string(text)), hint)
	}
	// The decoder has already checked JSON number syntax; ParseAmount
	// checks the value exactly, without float64.
	a, err := ParseAmount(string(text))
	if err != nil {
		return Amount{}, err.Error()
	}
	return a, ""
}

// jsonKind names the JSON type of a (syntactically valid) value by its first byte.
func jsonKind(v []byte) string {
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// caseHint helps with the commonest mistake: a field name in the wrong case.
func caseHint(fields map[string]json.RawMessage, want string) string {
	for k := range fields {
		if strings.EqualFold(k, want) {
			return fmt.Sprintf(" (field names are case-sensitive: found %q, expected %q)", k, want)
		}
	}
	return ""
}

// shorten cuts untrusted text for messages and log lines.
func shorten(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
