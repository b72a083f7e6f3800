package pipeline

import "testing"

// Retention drift reads "1 day", not "1 days".
func TestDays(t *testing.T) {
	for n, want := range map[int32]string{1: "1 day", 14: "14 days", 0: "0 days"} {
		if got := days(n); got != want {
			t.Errorf("days(%d) = %q, want %q", n, got, want)
		}
	}
}
