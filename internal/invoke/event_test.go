package invoke

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orders-dev/orders/function/handler"
)

func TestEventExact(t *testing.T) {
	tests := []struct{ id, amount, want string }{
		{"ORD-1001", "250", `{"OrderId":"ORD-1001","Amount":250}`},
		{"ORD-1002", "99.99", `{"OrderId":"ORD-1002","Amount":99.99}`},
		{"ORD-1003", "100", `{"OrderId":"ORD-1003","Amount":100}`},
		{"A", "250.50", `{"OrderId":"A","Amount":250.5}`},
		{"A", "1.5e2", `{"OrderId":"A","Amount":150}`},
		{"A", "0", `{"OrderId":"A","Amount":0}`},
		{"A", " 7 ", `{"OrderId":"A","Amount":7}`},
		// float64 would print 1e+15 or lose the cents here.
		{"A", "999999999999999.99", `{"OrderId":"A","Amount":999999999999999.99}`},
	}
	for _, tt := range tests {
		got, err := Event(tt.id, tt.amount)
		if err != nil {
			t.Errorf("Event(%q, %q): %v", tt.id, tt.amount, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("Event(%q, %q) = %s, want %s", tt.id, tt.amount, got, tt.want)
		}
		if _, err := handler.ParseOrder(got); err != nil {
			t.Errorf("the handler rejects %s: %v", got, err)
		}
	}
}

func TestEventRejectsBadFlags(t *testing.T) {
	tests := []struct{ id, amount, flag, problem string }{
		{"A", "-5", "--amount", "must be >= 0"},
		{"A", "NaN", "--amount", "not a decimal number"},
		{"A", "1.234", "--amount", "at most 2 decimal places"},
		{"A", "", "--amount", "empty"},
		{"A", "1e400", "--amount", "too large"},
		{"A", "\"250\"", "--amount", "not a decimal number"},
		{"", "250", "--order-id", "must not be empty"},
		{"has space", "250", "--order-id", "not allowed"},
		{strings.Repeat("x", 65), "250", "--order-id", "too long"},
	}
	for _, tt := range tests {
		_, err := Event(tt.id, tt.amount)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("Event(%q, %q) error = %v, want a *UsageError", tt.id, tt.amount, err)
			continue
		}
		if ue.Flag != tt.flag || !strings.HasPrefix(err.Error(), tt.flag+": ") || !strings.Contains(err.Error(), tt.problem) {
			t.Errorf("Event(%q, %q) error = %q, want %s: ...%s...", tt.id, tt.amount, err, tt.flag, tt.problem)
		}
	}
}

func TestEventFromFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.json")
	// Sent as is: a bad event is how one sees the function reject it.
	content := "{\"OrderId\": \"\", \"Amount\": \"abc\"}\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := EventFromFile(path)
	if err != nil || string(got) != content {
		t.Errorf("EventFromFile = %q, %v; want the file's bytes", got, err)
	}

	_, err = EventFromFile(filepath.Join(dir, "missing.json"))
	var ue *UsageError
	if !errors.As(err, &ue) || ue.Flag != "--event" {
		t.Errorf("missing file: error = %v, want --event usage error", err)
	}

	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, make([]byte, MaxEventBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := EventFromFile(big); !errors.As(err, &ue) || !strings.Contains(err.Error(), "payload limit") {
		t.Errorf("oversized file: error = %v", err)
	}
}

func TestNewOrderIDUniqueAndValid(t *testing.T) {
	seen := map[string]bool{}
	for range 2000 {
		id := NewOrderID()
		if seen[id] {
			t.Fatalf("NewOrderID repeated %q", id)
		}
		seen[id] = true
		if !strings.HasPrefix(id, "ORD-") {
			t.Fatalf("id %q does not start with ORD-", id)
		}
		if _, err := Event(id, "1"); err != nil {
			t.Fatalf("id %q is not a valid order id: %v", id, err)
		}
	}
}
