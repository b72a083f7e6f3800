package handler

import (
	"fmt"
	"strconv"
	"strings"
)

// Amount is an exact, non-negative decimal with at most two decimal places,
// held as a whole number of hundredths. Orders are money: they are compared
// and stored exactly, never through float64.
//
// The largest amount is MaxAmount - 0.01 (15 integer digits). The cap keeps
// every amount exact in an int64 of hundredths and far inside what DynamoDB's
// N (38 digits) and SNS's Number attributes hold, and it rejects absurd
// inputs such as 1e400 with a clear message.
type Amount struct {
	cents int64
}

// MaxAmount is the exclusive upper bound for an Amount, as text.
const MaxAmount = "1000000000000000" // 1e15

const (
	maxIntegerDigits = 15 // digits before the point: amounts are < 1e15
	maxDecimalPlaces = 2
	maxAmountText    = 64 // longer input is rejected before parsing
)

// ParseAmount reads a decimal in JSON number syntax (e.g. "250", "99.99",
// "1.5e2") and returns it exactly. The value, not the spelling, is checked:
// "250.000" is 250 and accepted; "1.234" has three decimal places and is not.
// Errors say what is wrong with the input, without a field name.
func ParseAmount(s string) (Amount, error) {
	if s == "" {
		return Amount{}, fmt.Errorf("not a decimal number: empty")
	}
	if len(s) > maxAmountText {
		return Amount{}, fmt.Errorf("not a sane decimal number: %d characters (at most %d)", len(s), maxAmountText)
	}
	d, ok := scanDecimal(s)
	if !ok {
		return Amount{}, fmt.Errorf("not a decimal number: %s", quoteShort(s))
	}
	if d.digits == "" { // zero, whatever its sign or exponent
		return Amount{}, nil
	}
	if d.negative {
		return Amount{}, fmt.Errorf("must be >= 0, got %s", s)
	}
	if d.exp < -maxDecimalPlaces {
		return Amount{}, fmt.Errorf("at most %d decimal places, got %s", maxDecimalPlaces, s)
	}
	if int64(len(d.digits))+d.exp > maxIntegerDigits {
		return Amount{}, fmt.Errorf("too large: %s (must be less than 1e15)", s)
	}
	// digits × 10^(exp+2) has at most 17 digits: it fits an int64.
	text := d.digits + strings.Repeat("0", int(d.exp+maxDecimalPlaces))
	cents, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return Amount{}, fmt.Errorf("not a decimal number: %s", quoteShort(s))
	}
	return Amount{cents: cents}, nil
}

// MustParseAmount is ParseAmount for constants; it panics on bad input.
func MustParseAmount(s string) Amount {
	a, err := ParseAmount(s)
	if err != nil {
		panic("handler.MustParseAmount(" + strconv.Quote(s) + "): " + err.Error())
	}
	return a
}

// String is the canonical decimal text: no exponent, no leading zeros, no
// trailing fractional zeros ("250", "99.9", "0.05"). It is what DynamoDB's N
// holds and what the notification carries.
func (a Amount) String() string {
	whole, frac := a.cents/100, a.cents%100
	switch {
	case frac == 0:
		return strconv.FormatInt(whole, 10)
	case frac%10 == 0:
		return fmt.Sprintf("%d.%d", whole, frac/10)
	default:
		return fmt.Sprintf("%d.%02d", whole, frac)
	}
}

// Cmp compares exactly: -1 if a < b, 0 if equal (250 == 250.00), +1 if a > b.
func (a Amount) Cmp(b Amount) int {
	switch {
	case a.cents < b.cents:
		return -1
	case a.cents > b.cents:
		return 1
	}
	return 0
}

// MarshalJSON writes the amount as a JSON number in canonical form.
func (a Amount) MarshalJSON() ([]byte, error) { return []byte(a.String()), nil }

// decimal is a scanned number: value = (-1 if negative) × digits × 10^exp,
// with digits free of leading and trailing zeros ("" means zero).
type decimal struct {
	negative bool
	digits   string
	exp      int64
}

// scanDecimal accepts exactly JSON's number grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func scanDecimal(s string) (decimal, bool) {
	var d decimal
	i := 0
	if i < len(s) && s[i] == '-' {
		d.negative = true
		i++
	}
	intStart := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intPart := s[intStart:i]
	if intPart == "" || (len(intPart) > 1 && intPart[0] == '0') {
		return d, false
	}
	var fracPart string
	if i < len(s) && s[i] == '.' {
		i++
		fracStart := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		fracPart = s[fracStart:i]
		if fracPart == "" {
			return d, false
		}
	}
	var exp int64
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		expNegative := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			expNegative = s[i] == '-'
			i++
		}
		expStart := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		expText := strings.TrimLeft(s[expStart:i], "0")
		if i == expStart {
			return d, false
		}
		// Input is at most maxAmountText long, so any exponent beyond
		// ±10^6 is far outside the accepted range either way: clamp it
		// instead of overflowing.
		if len(expText) > 6 {
			exp = 1_000_000
		} else if expText != "" {
			exp, _ = strconv.ParseInt(expText, 10, 64)
		}
		if expNegative {
			exp = -exp
		}
	}
	if i != len(s) {
		return d, false
	}
	digits := strings.TrimLeft(intPart+fracPart, "0")
	exp -= int64(len(fracPart))
	trimmed := strings.TrimRight(digits, "0")
	exp += int64(len(digits) - len(trimmed))
	d.digits = trimmed
	d.exp = exp
	return d, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// quoteShort quotes s for an error message, cut to a readable length so a
// megabyte of garbage does not end up in a log line.
func quoteShort(s string) string {
	const max = 40
	if len(s) > max {
		return strconv.Quote(s[:max]) + "…"
	}
	return strconv.Quote(s)
}
