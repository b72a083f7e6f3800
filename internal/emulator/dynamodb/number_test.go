package dynamodb

import (
	"bytes"
	"fmt"
	"math/big"
	"math/rand"
	"sort"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	ok := map[string]string{
		"0": "0", "-0": "0", "+0.000e5": "0", "0e999999999999": "0",
		"1": "1", "-1": "-1", "10": "10", "1.0": "1", ".5": "0.5", "5.": "5",
		"250.00": "250", "0.50": "0.5", "1e2": "100", "1E-2": "0.01", "-1.2300e+1": "-12.3",
		"000123.4500": "123.45", "9.9999999999999999999999999999999999999E+125": "99999999999999999999999999999999999999" + fmt.Sprintf("%0*d", 88, 0),
	}
	for in, want := range ok {
		got, msg := canonicalNumber(in)
		if msg != "" || got != want {
			t.Errorf("%q: got %q (%s), want %q", in, got, msg, want)
		}
	}
	bad := map[string]string{
		"": msgNumberInvalid(""), "-": msgNumberInvalid("-"), ".": msgNumberInvalid("."), "1e": msgNumberInvalid("1e"),
		"1e+": msgNumberInvalid("1e+"), "0x10": msgNumberInvalid("0x10"), "1 ": msgNumberInvalid("1 "), "Infinity": msgNumberInvalid("Infinity"),
		"1e126": msgNumberOverflow, "10e125": msgNumberOverflow, "1e99999999999": msgNumberOverflow,
		"1e-131": msgNumberUnderflow, "0.1e-130": msgNumberUnderflow, "1e-99999999999": msgNumberUnderflow,
		"1.234567890123456789012345678901234567891": msgNumberDigits,
	}
	for in, want := range bad {
		if _, msg := canonicalNumber(in); msg != want {
			t.Errorf("%q: got %q, want %q", in, msg, want)
		}
	}
}

// randomDecimal makes numbers across the whole range, with ties.
func randomDecimal(r *rand.Rand) string {
	digits := r.Intn(20) + 1
	var b bytes.Buffer
	if r.Intn(2) == 0 {
		b.WriteByte('-')
	}
	for i := 0; i < digits; i++ {
		b.WriteByte(byte('0' + r.Intn(10)))
	}
	fmt.Fprintf(&b, "e%d", r.Intn(200)-100)
	return b.String()
}

func ratOf(t *testing.T, s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("big.Rat cannot parse %q", s)
	}
	return r
}

// TestDecimalAgainstBigRat checks comparison, addition, canonical form and
// the key encoding's order against math/big on random numbers.
func TestDecimalAgainstBigRat(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	var nums []decimal
	for i := 0; i < 3000; i++ {
		s := randomDecimal(r)
		d, msg := parseDecimal(s)
		if msg != "" {
			t.Fatalf("%s: %s", s, msg)
		}
		if ratOf(t, d.String()).Cmp(ratOf(t, s)) != 0 {
			t.Fatalf("%s canonicalised to %s, a different number", s, d)
		}
		nums = append(nums, d)
	}
	for i := 0; i+1 < len(nums); i++ {
		a, b := nums[i], nums[i+1]
		ra, rb := ratOf(t, a.String()), ratOf(t, b.String())
		if got, want := cmpDecimal(a, b), ra.Cmp(rb); got != want {
			t.Fatalf("cmp(%s, %s) = %d, want %d", a, b, got, want)
		}
		sum := addDecimal(a, b)
		if ratOf(t, sum.String()).Cmp(new(big.Rat).Add(ra, rb)) != 0 {
			t.Fatalf("%s + %s = %s", a, b, sum)
		}
	}
	sort.Slice(nums, func(i, j int) bool { return cmpDecimal(nums[i], nums[j]) < 0 })
	for i := 0; i+1 < len(nums); i++ {
		ka := appendNumberKey(nil, nums[i])
		kb := appendNumberKey(nil, nums[i+1])
		c := bytes.Compare(ka, kb)
		if want := cmpDecimal(nums[i], nums[i+1]); (c < 0) != (want < 0) || (c == 0) != (want == 0) {
			t.Fatalf("key order of %s and %s: %d, numbers: %d", nums[i], nums[i+1], c, want)
		}
	}
}

func TestStringKeyOrder(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	alphabet := []byte{0, 1, 'a', 'b', 0xFF}
	var strs []string
	for i := 0; i < 2000; i++ {
		b := make([]byte, r.Intn(5))
		for j := range b {
			b[j] = alphabet[r.Intn(len(alphabet))]
		}
		strs = append(strs, string(b))
	}
	sort.Strings(strs)
	for i := 0; i+1 < len(strs); i++ {
		// Concatenated with a range part, the hash part still decides.
		ka := appendBytesKey(nil, []byte(strs[i]), true)
		ka = appendBytesKey(ka, []byte("zzz"), true)
		kb := appendBytesKey(nil, []byte(strs[i+1]), true)
		kb = appendBytesKey(kb, []byte(""), true)
		c := bytes.Compare(ka, kb)
		if strs[i] == strs[i+1] {
			continue
		}
		if c >= 0 {
			t.Fatalf("%q sorts after %q", strs[i], strs[i+1])
		}
	}
}
