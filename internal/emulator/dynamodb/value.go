package dynamodb

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"sort"
	"strconv"
	"unicode/utf8"
)

// Kind is a DynamoDB attribute type.
type Kind uint8

// The attribute types, in AWS's names.
const (
	KindNone Kind = iota
	KindS
	KindN
	KindB
	KindBOOL
	KindNULL
	KindSS
	KindNS
	KindBS
	KindL
	KindM
)

var kindNames = [...]string{"", "S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "?"
}

func kindByName(s string) Kind {
	for i, n := range kindNames {
		if i > 0 && n == s {
			return Kind(i)
		}
	}
	return KindNone
}

// Value is one attribute value. Values are immutable once stored: updates
// build new values along the changed path, so readers may share them
// without copying.
type Value struct {
	Kind Kind
	S    string   // S, and N in canonical form
	B    []byte   // B
	Bool bool     // BOOL (NULL is always true)
	SS   []string // SS, and NS in canonical form
	BS   [][]byte // BS
	L    []Value  // L
	M    Item     // M
}

// Item is an item or a map value: attribute name to value.
type Item map[string]Value

// wireValue is the JSON shape of an AttributeValue. Pointers tell "absent"
// from "empty" so validation can answer as AWS does.
type wireValue struct {
	S    *string  `json:"S"`
	N    *string  `json:"N"`
	B    *[]byte  `json:"B"`
	BOOL *bool    `json:"BOOL"`
	NULL *bool    `json:"NULL"`
	SS   []string `json:"SS"`
	NS   []string `json:"NS"`
	BS   [][]byte `json:"BS"`
	L    []Value  `json:"L"`
	M    Item     `json:"M"`
}

// UnmarshalJSON decodes an AttributeValue. It never fails on content
// (only on malformed JSON): what AWS rejects with a ValidationException is
// left for validate, which knows the message and the context.
func (v *Value) UnmarshalJSON(data []byte) error {
	var w wireValue
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	n := 0
	*v = Value{}
	if w.S != nil {
		n++
		v.Kind, v.S = KindS, *w.S
	}
	if w.N != nil {
		n++
		v.Kind, v.S = KindN, *w.N
	}
	if w.B != nil {
		n++
		v.Kind, v.B = KindB, *w.B
		if v.B == nil {
			v.B = []byte{}
		}
	}
	if w.BOOL != nil {
		n++
		v.Kind, v.Bool = KindBOOL, *w.BOOL
	}
	if w.NULL != nil {
		n++
		v.Kind, v.Bool = KindNULL, *w.NULL
	}
	if w.SS != nil {
		n++
		v.Kind, v.SS = KindSS, w.SS
	}
	if w.NS != nil {
		n++
		v.Kind, v.SS = KindNS, w.NS
	}
	if w.BS != nil {
		n++
		v.Kind, v.BS = KindBS, w.BS
	}
	if w.L != nil {
		n++
		v.Kind, v.L = KindL, w.L
	}
	if w.M != nil {
		n++
		v.Kind, v.M = KindM, w.M
	}
	switch {
	case n == 0:
		*v = Value{Kind: KindNone}
	case n > 1:
		// Marked for the validator: AWS rejects values with several types.
		*v = Value{Kind: KindNone, Bool: true}
	}
	return nil
}

// MarshalJSON encodes v in AWS's wire shape.
func (v Value) MarshalJSON() ([]byte, error) {
	return v.appendJSON(nil), nil
}

func (v Value) appendJSON(b []byte) []byte {
	switch v.Kind {
	case KindS:
		b = append(b, `{"S":`...)
		b = appendString(b, v.S)
	case KindN:
		b = append(b, `{"N":`...)
		b = appendString(b, v.S)
	case KindB:
		b = append(b, `{"B":"`...)
		b = base64.StdEncoding.AppendEncode(b, v.B)
		b = append(b, '"')
	case KindBOOL:
		b = append(b, `{"BOOL":`...)
		b = strconv.AppendBool(b, v.Bool)
	case KindNULL:
		b = append(b, `{"NULL":true`...)
	case KindSS, KindNS:
		b = append(b, `{"`...)
		b = append(b, v.Kind.String()...)
		b = append(b, `":[`...)
		for i, s := range v.SS {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		b = append(b, ']')
	case KindBS:
		b = append(b, `{"BS":[`...)
		for i, x := range v.BS {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = base64.StdEncoding.AppendEncode(b, x)
			b = append(b, '"')
		}
		b = append(b, ']')
	case KindL:
		b = append(b, `{"L":[`...)
		for i, x := range v.L {
			if i > 0 {
				b = append(b, ',')
			}
			b = x.appendJSON(b)
		}
		b = append(b, ']')
	case KindM:
		b = append(b, `{"M":`...)
		b = v.M.appendJSON(b)
	default:
		return append(b, `{}`...)
	}
	return append(b, '}')
}

// MarshalJSON encodes an item as a JSON object of AttributeValues, keys
// sorted so the stored bytes are deterministic.
func (it Item) MarshalJSON() ([]byte, error) {
	return it.appendJSON(nil), nil
}

func (it Item) appendJSON(b []byte) []byte {
	keys := make([]string, 0, len(it))
	for k := range it {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = it[k].appendJSON(b)
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Strings reaching here are valid
// UTF-8 (encoding/json replaces invalid bytes on decode); any that are not
// get the replacement character, as encoding/json would.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// equalValues is DynamoDB's "=": same type and same value; numbers compare
// numerically, sets regardless of order, lists and maps deeply.
func equalValues(a, b Value) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case KindS:
		return a.S == b.S
	case KindN:
		return cmpDecimal(mustDecimal(a.S), mustDecimal(b.S)) == 0
	case KindB:
		return bytes.Equal(a.B, b.B)
	case KindBOOL:
		return a.Bool == b.Bool
	case KindNULL:
		return true
	case KindSS, KindNS:
		// Canonical forms make numerically equal numbers equal strings.
		if len(a.SS) != len(b.SS) {
			return false
		}
		set := make(map[string]struct{}, len(a.SS))
		for _, s := range a.SS {
			set[s] = struct{}{}
		}
		for _, s := range b.SS {
			if _, ok := set[s]; !ok {
				return false
			}
		}
		return true
	case KindBS:
		if len(a.BS) != len(b.BS) {
			return false
		}
		set := make(map[string]struct{}, len(a.BS))
		for _, x := range a.BS {
			set[string(x)] = struct{}{}
		}
		for _, x := range b.BS {
			if _, ok := set[string(x)]; !ok {
				return false
			}
		}
		return true
	case KindL:
		if len(a.L) != len(b.L) {
			return false
		}
		for i := range a.L {
			if !equalValues(a.L[i], b.L[i]) {
				return false
			}
		}
		return true
	case KindM:
		if len(a.M) != len(b.M) {
			return false
		}
		for k, x := range a.M {
			y, ok := b.M[k]
			if !ok || !equalValues(x, y) {
				return false
			}
		}
		return true
	}
	return false
}

// compareScalars orders two values of the same scalar type (S, N, B);
// ok is false when they cannot be ordered.
func compareScalars(a, b Value) (int, bool) {
	if a.Kind != b.Kind {
		return 0, false
	}
	switch a.Kind {
	case KindS:
		return compareStrings(a.S, b.S), true
	case KindN:
		return cmpDecimal(mustDecimal(a.S), mustDecimal(b.S)), true
	case KindB:
		return bytes.Compare(a.B, b.B), true
	}
	return 0, false
}

// compareStrings orders strings by their UTF-8 bytes, as DynamoDB does.
func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// valueSize is the size DynamoDB counts for a value toward the 400 KB item
// limit (the documented approximation).
func valueSize(v Value) int {
	switch v.Kind {
	case KindS:
		return len(v.S)
	case KindN:
		return numberSize(v.S)
	case KindB:
		return len(v.B)
	case KindBOOL, KindNULL:
		return 1
	case KindSS:
		n := 0
		for _, s := range v.SS {
			n += len(s)
		}
		return n
	case KindNS:
		n := 0
		for _, s := range v.SS {
			n += numberSize(s)
		}
		return n
	case KindBS:
		n := 0
		for _, x := range v.BS {
			n += len(x)
		}
		return n
	case KindL:
		n := 3
		for _, x := range v.L {
			n += 1 + valueSize(x)
		}
		return n
	case KindM:
		n := 3
		for k, x := range v.M {
			n += 1 + len(k) + valueSize(x)
		}
		return n
	}
	return 0
}

// numberSize: about one byte per two significant digits, plus one.
func numberSize(s string) int {
	d := mustDecimal(s)
	return (len(d.digits)+1)/2 + 1
}

// itemSize is the item's size: attribute names plus values.
func itemSize(it Item) int {
	n := 0
	for k, v := range it {
		n += len(k) + valueSize(v)
	}
	return n
}
