package iampolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// member is one key/value of a JSON object, in document order.
type member struct {
	key string
	raw json.RawMessage
}

// objectMembers splits a JSON object into its members, keeping their order and
// rejecting duplicate keys: encoding/json would silently keep the last one,
// which could hide, say, a second "Effect" from a reviewer. ok is false when
// raw is valid JSON but not an object.
func objectMembers(raw []byte) (ms []member, ok bool, err error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, false, err
	}
	if d, isDelim := tok.(json.Delim); !isDelim || d != '{' {
		return nil, false, nil
	}
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, true, err
		}
		key, _ := tok.(string)
		if seen[key] {
			return nil, true, fmt.Errorf("duplicate field %q", key)
		}
		seen[key] = true
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, true, err
		}
		ms = append(ms, member{key: key, raw: v})
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, true, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, true, errors.New("unexpected data after the JSON object")
	}
	return ms, true, nil
}

// firstByte is the first non-space byte of raw, or 0.
func firstByte(raw []byte) byte {
	for _, c := range raw {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return c
	}
	return 0
}

// stringOrList decodes an element that IAM allows as a string or a list of
// strings. The list must not be empty.
func stringOrList(raw []byte) ([]string, bool) {
	switch firstByte(raw) {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, false
		}
		return []string{s}, true
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil || len(items) == 0 {
			return nil, false
		}
		out := make([]string, 0, len(items))
		for _, it := range items {
			if firstByte(it) != '"' {
				return nil, false
			}
			var s string
			if json.Unmarshal(it, &s) != nil {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// scalarText renders a condition value: strings as themselves, numbers and
// booleans as their JSON text.
func scalarText(raw []byte) (string, bool) {
	switch c := firstByte(raw); {
	case c == '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	case c == 't' || c == 'f':
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return "", false
		}
		if b {
			return "true", true
		}
		return "false", true
	case c == '-' || (c >= '0' && c <= '9'):
		var n json.Number
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if dec.Decode(&n) != nil {
			return "", false
		}
		return n.String(), true
	}
	return "", false
}

// conditionValues decodes a condition's value: a scalar or a non-empty list of
// scalars.
func conditionValues(raw []byte) ([]string, bool) {
	if firstByte(raw) != '[' {
		s, ok := scalarText(raw)
		if !ok {
			return nil, false
		}
		return []string{s}, true
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil || len(items) == 0 {
		return nil, false
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, ok := scalarText(it)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// scalarString decodes a JSON string.
func scalarString(raw []byte) (string, bool) {
	if firstByte(raw) != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// shortJSON renders a raw value for an error message, truncated.
func shortJSON(raw []byte) string {
	const max = 60
	s := string(raw)
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}
