package handler

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in, want string // want: canonical text, or "" when an error is expected
		errHas   string
	}{
		{in: "250", want: "250"},
		{in: "250.00", want: "250"},
		{in: "250.5", want: "250.5"},
		{in: "250.50", want: "250.5"},
		{in: "99.99", want: "99.99"},
		{in: "0.05", want: "0.05"},
		{in: "0.5", want: "0.5"},
		{in: "0", want: "0"},
		{in: "-0", want: "0"},
		{in: "0.00", want: "0"},
		{in: "100.000000", want: "100"}, // the value has no decimals
		{in: "1.5e2", want: "150"},
		{in: "1E2", want: "100"},
		{in: "1e+2", want: "100"},
		{in: "25e-1", want: "2.5"},
		{in: "1e-2", want: "0.01"},
		{in: "12345e-2", want: "123.45"},
		{in: "0e400", want: "0"},
		{in: "999999999999999.99", want: "999999999999999.99"},
		{in: "999999999999999", want: "999999999999999"},
		{in: "1e14", want: "100000000000000"},

		{in: "-3", errHas: "must be >= 0, got -3"},
		{in: "-0.01", errHas: "must be >= 0"},
		{in: "1.234", errHas: "at most 2 decimal places, got 1.234"},
		{in: "0.001", errHas: "at most 2 decimal places"},
		{in: "1e-3", errHas: "at most 2 decimal places"},
		{in: "1e-99999999999999999999", errHas: "at most 2 decimal places"},
		{in: "1e400", errHas: "too large: 1e400 (must be less than 1e15)"},
		{in: "1e15", errHas: "too large"},
		{in: "1000000000000000", errHas: "too large"},
		{in: "1e99999999999999999999", errHas: "too large"},
		{in: "9223372036854775807", errHas: "too large"},
		{in: "", errHas: "not a decimal number: empty"},
		{in: "abc", errHas: `not a decimal number: "abc"`},
		{in: "NaN", errHas: "not a decimal number"},
		{in: "Inf", errHas: "not a decimal number"},
		{in: "+5", errHas: "not a decimal number"},
		{in: "05", errHas: "not a decimal number"},
		{in: ".5", errHas: "not a decimal number"},
		{in: "5.", errHas: "not a decimal number"},
		{in: "1e", errHas: "not a decimal number"},
		{in: "1e+", errHas: "not a decimal number"},
		{in: "0x10", errHas: "not a decimal number"},
		{in: " 5", errHas: "not a decimal number"},
		{in: "1,5", errHas: "not a decimal number"},
		{in: "--5", errHas: "not a decimal number"},
		{in: strings.Repeat("1", 65), errHas: "65 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseAmount(tt.in)
			if tt.errHas != "" {
				if err == nil {
					t.Fatalf("ParseAmount(%q) = %s, want error containing %q", tt.in, got, tt.errHas)
				}
				if !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("ParseAmount(%q) error %q, want it to contain %q", tt.in, err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAmount(%q): %v", tt.in, err)
			}
			if got.String() != tt.want {
				t.Fatalf("ParseAmount(%q) = %s, want %s", tt.in, got, tt.want)
			}
			// The canonical text reads back as the same value.
			again, err := ParseAmount(got.String())
			if err != nil || again.Cmp(got) != 0 {
				t.Fatalf("canonical %q does not round-trip: %v, %v", got, again, err)
			}
		})
	}
}

func TestAmountCmp(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"250", "250.00", 0},
		{"1.5e2", "150", 0},
		{"100", "100.01", -1},
		{"100.01", "100", 1},
		{"99.99", "100", -1},
		{"0", "0.01", -1},
		{"999999999999999.99", "999999999999999.98", 1},
	}
	for _, tt := range tests {
		if got := MustParseAmount(tt.a).Cmp(MustParseAmount(tt.b)); got != tt.want {
			t.Errorf("Cmp(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestAmountMarshalsAsJSONNumber(t *testing.T) {
	b, err := json.Marshal(struct{ A Amount }{MustParseAmount("250.50")})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"A":250.5}` {
		t.Fatalf("got %s", b)
	}
}

func TestMustParseAmountPanicsOnBadInput(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	MustParseAmount("-1")
}
