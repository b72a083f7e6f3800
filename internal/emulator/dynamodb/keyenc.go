package dynamodb

// Primary keys are encoded so that byte order is DynamoDB's order: the hash
// part first, then the range part, each self-delimiting so a partition's
// items are one contiguous run sorted by range key (S by UTF-8 bytes, N
// numerically, B by unsigned bytes). The same encoding keys the items
// in the store, so a bucket walk is already in Query/Scan order.

const (
	tagNumNeg  = 0x80
	tagNumZero = 0x81
	tagNumPos  = 0x82
	expBias    = 256 // adjusted exponents -130..125 become 126..381
)

// appendKeyPart encodes one key attribute (S, N or B).
func appendKeyPart(b []byte, v Value) []byte {
	switch v.Kind {
	case KindN:
		return appendNumberKey(b, mustDecimal(v.S))
	case KindB:
		return appendBytesKey(b, v.B, true)
	default:
		return appendBytesKey(b, []byte(v.S), true)
	}
}

// appendBytesKey escapes 0x00 as 0x00 0xFF and, when terminate is set,
// ends with 0x00 0x01, so that a shorter string sorts before any longer
// one it prefixes and nothing after it can be mistaken for it.
func appendBytesKey(b, s []byte, terminate bool) []byte {
	for _, c := range s {
		if c == 0 {
			b = append(b, 0, 0xFF)
		} else {
			b = append(b, c)
		}
	}
	if terminate {
		b = append(b, 0, 1)
	}
	return b
}

// appendNumberKey: sign tag, biased adjusted exponent, digits, terminator;
// negatives have exponent and digits inverted so larger magnitudes sort
// first.
func appendNumberKey(b []byte, d decimal) []byte {
	if d.isZero() {
		return append(b, tagNumZero)
	}
	e := d.adjExp() + expBias
	if !d.neg {
		b = append(b, tagNumPos, byte(e>>8), byte(e))
		b = append(b, d.digits...)
		return append(b, 0x00)
	}
	e = 0xFFFF - e
	b = append(b, tagNumNeg, byte(e>>8), byte(e))
	for i := 0; i < len(d.digits); i++ {
		b = append(b, 0xFF-d.digits[i])
	}
	return append(b, 0xFF)
}

// prefixEnd returns the smallest key greater than every key starting with
// p ("" when there is none).
func prefixEnd(p []byte) string {
	b := append([]byte(nil), p...)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xFF {
			b[i]++
			return string(b[:i+1])
		}
	}
	return ""
}

// keyAfter is the smallest key greater than k.
func keyAfter(k string) string { return k + "\x00" }
