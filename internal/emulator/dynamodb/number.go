package dynamodb

import (
	"math/big"
	"strings"
)

// DynamoDB numbers: up to 38 significant digits, magnitude between 1E-130
// and 9.99...E+125. AWS stores them as exact decimals and answers with the
// canonical plain form ("250.00" reads back as "250", "1E+2" as "100").
const (
	maxNumberDigits = 38
	maxNumberExp    = 125  // largest adjusted exponent
	minNumberExp    = -130 // smallest adjusted exponent
)

// decimal is digits × 10^exp with digits free of leading and trailing
// zeros; zero has no digits.
type decimal struct {
	neg    bool
	digits string
	exp    int
}

// AWS's messages for numbers it cannot store.
const (
	msgNumberOverflow  = "Number overflow. Attempting to store a number with magnitude larger than supported range"
	msgNumberUnderflow = "Number underflow. Attempting to store a number with magnitude smaller than supported range"
	msgNumberDigits    = "Attempting to store more than 38 significant digits in a Number"
)

func msgNumberInvalid(s string) string {
	return "The parameter cannot be converted to a numeric value: " + s
}

// parseDecimal parses a number the way DynamoDB accepts it: optional sign,
// digits with an optional point, optional exponent; no spaces, no NaN or
// Infinity. The second result is AWS's message when the string is not a
// storable number.
func parseDecimal(s string) (decimal, string) {
	var d decimal
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		d.neg = s[i] == '-'
		i++
	}
	var mant strings.Builder
	intDigits, fracDigits := 0, 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		mant.WriteByte(s[i])
		i++
		intDigits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			mant.WriteByte(s[i])
			i++
			fracDigits++
		}
	}
	if intDigits+fracDigits == 0 {
		return decimal{}, msgNumberInvalid(s)
	}
	exp := 0
	expHuge := 0 // +1 / -1 when the written exponent is beyond any storable range
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		expNeg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			expNeg = s[i] == '-'
			i++
		}
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if exp < 1_000_000 {
				exp = exp*10 + int(s[i]-'0')
			} else {
				expHuge = 1
			}
			i++
		}
		if i == start {
			return decimal{}, msgNumberInvalid(s)
		}
		if expNeg {
			exp = -exp
			expHuge = -expHuge
		}
	}
	if i != len(s) {
		return decimal{}, msgNumberInvalid(s)
	}
	digits := strings.TrimLeft(mant.String(), "0")
	exp -= fracDigits
	trimmed := strings.TrimRight(digits, "0")
	exp += len(digits) - len(trimmed)
	d.digits = trimmed
	d.exp = exp
	if d.digits == "" {
		return decimal{}, "" // zero, whatever its sign and exponent ("-0" is "0")
	}
	switch {
	case expHuge > 0:
		return decimal{}, msgNumberOverflow
	case expHuge < 0:
		return decimal{}, msgNumberUnderflow
	}
	return d, d.check()
}

// check reports AWS's message when d is outside what DynamoDB stores.
func (d decimal) check() string {
	if d.digits == "" {
		return ""
	}
	adj := d.adjExp()
	if adj > maxNumberExp {
		return msgNumberOverflow
	}
	if adj < minNumberExp {
		return msgNumberUnderflow
	}
	if len(d.digits) > maxNumberDigits {
		return msgNumberDigits
	}
	return ""
}

// adjExp is the exponent of the leading digit (scientific notation).
func (d decimal) adjExp() int { return len(d.digits) - 1 + d.exp }

func (d decimal) isZero() bool { return d.digits == "" }

// String is the canonical plain form DynamoDB answers with.
func (d decimal) String() string {
	if d.digits == "" {
		return "0"
	}
	var b strings.Builder
	if d.neg {
		b.WriteByte('-')
	}
	if d.exp >= 0 {
		b.WriteString(d.digits)
		b.WriteString(strings.Repeat("0", d.exp))
		return b.String()
	}
	point := len(d.digits) + d.exp // digits before the decimal point
	if point > 0 {
		b.WriteString(d.digits[:point])
		b.WriteByte('.')
		b.WriteString(d.digits[point:])
		return b.String()
	}
	b.WriteString("0.")
	b.WriteString(strings.Repeat("0", -point))
	b.WriteString(d.digits)
	return b.String()
}

// cmpDecimal compares exactly: -1, 0 or +1.
func cmpDecimal(a, b decimal) int {
	sa, sb := a.sign(), b.sign()
	if sa != sb {
		if sa < sb {
			return -1
		}
		return 1
	}
	if sa == 0 {
		return 0
	}
	m := cmpMagnitude(a, b)
	if sa < 0 {
		return -m
	}
	return m
}

func (d decimal) sign() int {
	switch {
	case d.digits == "":
		return 0
	case d.neg:
		return -1
	default:
		return 1
	}
}

// cmpMagnitude compares |a| and |b|, both non-zero. With no leading or
// trailing zeros, the adjusted exponent decides first and the digit strings
// then compare lexically (a shorter string that is a prefix is smaller).
func cmpMagnitude(a, b decimal) int {
	ea, eb := a.adjExp(), b.adjExp()
	if ea != eb {
		if ea < eb {
			return -1
		}
		return 1
	}
	return strings.Compare(a.digits, b.digits)
}

// addDecimal adds exactly with math/big; the caller checks the result's range.
func addDecimal(a, b decimal) decimal {
	if a.isZero() {
		return b
	}
	if b.isZero() {
		return a
	}
	exp := min(a.exp, b.exp)
	x := a.scaled(exp)
	y := b.scaled(exp)
	x.Add(x, y)
	return fromBig(x, exp)
}

func negDecimal(d decimal) decimal {
	if d.isZero() {
		return d
	}
	d.neg = !d.neg
	return d
}

// scaled returns the coefficient of d expressed at exponent exp (exp <= d.exp).
func (d decimal) scaled(exp int) *big.Int {
	n, _ := new(big.Int).SetString(d.digits, 10)
	if shift := d.exp - exp; shift > 0 {
		n.Mul(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(shift)), nil))
	}
	if d.neg {
		n.Neg(n)
	}
	return n
}

func fromBig(n *big.Int, exp int) decimal {
	var d decimal
	if n.Sign() == 0 {
		return d
	}
	d.neg = n.Sign() < 0
	s := new(big.Int).Abs(n).String()
	t := strings.TrimRight(s, "0")
	d.digits = t
	d.exp = exp + len(s) - len(t)
	return d
}

// canonicalNumber validates s and returns its canonical form, or AWS's
// message.
func canonicalNumber(s string) (string, string) {
	d, msg := parseDecimal(s)
	if msg != "" {
		return "", msg
	}
	return d.String(), ""
}

// mustDecimal parses a number already validated and canonicalised.
func mustDecimal(s string) decimal {
	d, _ := parseDecimal(s)
	return d
}
