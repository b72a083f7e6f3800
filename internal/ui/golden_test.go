package ui

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the current output")

// golden compares got with testdata/name.golden. Escape sequences and
// carriage returns are spelled out (\e, \r) so the files read and diff as text.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	got = visible(got)
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test ./internal/ui -update accepts it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func visible(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\x1b"), []byte(`\e`))
	return bytes.ReplaceAll(b, []byte("\r"), []byte(`\r`))
}

// clock is a hand-driven clock: time moves only when the test says so.
type clock struct{ t time.Time }

func newClock() *clock                   { return &clock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)} }
func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
