package sqs

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/service"
)

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Transport type codes of the attribute digest.
const (
	transportString byte = 1
	transportBinary byte = 2
)

// md5OfAttributes is MD5OfMessageAttributes exactly as SQS computes it: for
// each attribute in name order, the length-prefixed (4-byte big-endian)
// name and data type, one transport byte (1 string/number, 2 binary) and
// the length-prefixed value. No attributes gives "" (the field is omitted).
func md5OfAttributes(attrs map[string]service.MessageAttribute) string {
	if len(attrs) == 0 {
		return ""
	}
	h := md5.New()
	for _, name := range sortedKeys(attrs) {
		a := attrs[name]
		writeLenPrefixed(h, []byte(name))
		writeLenPrefixed(h, []byte(a.DataType))
		if isBinaryType(a.DataType) {
			h.Write([]byte{transportBinary})
			writeLenPrefixed(h, a.BinaryValue)
		} else {
			h.Write([]byte{transportString})
			writeLenPrefixed(h, []byte(a.StringValue))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// md5OfSystemAttributes digests the one system attribute senders may set,
// AWSTraceHeader, the same way.
func md5OfSystemAttributes(trace string) string {
	if trace == "" {
		return ""
	}
	return md5OfAttributes(map[string]service.MessageAttribute{"AWSTraceHeader": {DataType: "String", StringValue: trace}})
}

func writeLenPrefixed(h hash.Hash, b []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	h.Write(n[:])
	h.Write(b)
}

func isBinaryType(dataType string) bool {
	return dataType == "Binary" || strings.HasPrefix(dataType, "Binary.")
}
