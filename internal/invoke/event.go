package invoke

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/orders-dev/orders/function/handler"
)

// UsageError is a bad flag value, found before anything was invoked: the
// CLI exits 2 on it. Its message starts with the flag ("--amount: ...").
type UsageError struct {
	Flag    string // "--amount", "--order-id", "--event", "--count", "--concurrency"
	Problem string
}

func (e *UsageError) Error() string { return e.Flag + ": " + e.Problem }

// orderEvent is the event the function reads. Amount is written as the
// number's own text, so it never passes through float64.
type orderEvent struct {
	OrderID string          `json:"OrderId"`
	Amount  json.RawMessage `json:"Amount"`
}

// Event builds {"OrderId":"<id>","Amount":<amount>} after checking both
// values by the handler's own rules (the amount: a decimal >= 0, below
// 1e15, at most two decimal places; the id: 1-64 of A-Z a-z 0-9 _ . : -).
// The amount is written in canonical form ("250.50" becomes 250.5), exactly.
// Errors are *UsageError naming --amount or --order-id.
func Event(orderID, amount string) ([]byte, error) {
	a, err := handler.ParseAmount(strings.TrimSpace(amount))
	if err != nil {
		return nil, &UsageError{Flag: "--amount", Problem: err.Error()}
	}
	ev, err := json.Marshal(orderEvent{OrderID: orderID, Amount: json.RawMessage(a.String())})
	if err != nil {
		return nil, fmt.Errorf("encode order event: %w", err)
	}
	// The handler is the authority on what a valid event is: ask it.
	if _, err := handler.ParseOrder(ev); err != nil {
		var ve *handler.ValidationError
		if errors.As(err, &ve) {
			for _, p := range ve.Problems {
				if p.Field == "OrderId" {
					return nil, &UsageError{Flag: "--order-id", Problem: p.Problem}
				}
			}
		}
		return nil, &UsageError{Flag: "--amount", Problem: err.Error()}
	}
	return ev, nil
}

// MaxEventBytes is Lambda's limit for a synchronous invocation's payload.
const MaxEventBytes = 6 * 1024 * 1024

// EventFromFile reads an event to send as it is, from path ("-" is standard
// input). It is deliberately not validated: sending a bad event shows how
// the function rejects it. Errors are *UsageError naming --event.
func EventFromFile(path string) ([]byte, error) {
	var r io.Reader
	if path == "-" {
		r = os.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, &UsageError{Flag: "--event", Problem: err.Error()}
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxEventBytes+1))
	if err != nil {
		return nil, &UsageError{Flag: "--event", Problem: fmt.Sprintf("read %s: %v", path, err)}
	}
	if len(data) > MaxEventBytes {
		return nil, &UsageError{Flag: "--event", Problem: fmt.Sprintf("%s is larger than Lambda's %d MB payload limit", path, MaxEventBytes>>20)}
	}
	return data, nil
}

// NewOrderID returns an order id no other call returns:
// ORD-<UTC time to the second>-<12 random hex digits>, e.g.
// ORD-20250102T150405Z-1a2b3c4d5e6f. It sorts by time and fits the
// handler's id rules.
func NewOrderID() string { return newID("ORD") }

func newID(prefix string) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported platforms; if it ever
		// does, the nanoseconds still make a collision unlikely.
		return fmt.Sprintf("%s-%s-%d", prefix, time.Now().UTC().Format("20060102T150405Z"), time.Now().UnixNano()%1e12)
	}
	return prefix + "-" + time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
