package store

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// segmentOf builds n records, each putting key i in bucket "a", and returns
// the segment's bytes and each record's offset.
func segmentOf(n int) ([]byte, []int) {
	var b []byte
	var offs []int
	for i := range n {
		offs = append(offs, len(b))
		b = append(b, record(Put("a", strconv.Itoa(i), []byte(fmt.Sprintf("value-%d", i))))...)
	}
	return b, offs
}

// snapshot is every file of dir and its bytes.
func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func sameFiles(t *testing.T, what string, before, after map[string][]byte) {
	t.Helper()
	for name, b := range before {
		a, ok := after[name]
		if !ok {
			t.Errorf("%s: %s was removed", what, name)
		} else if !bytes.Equal(a, b) && name != FileName {
			t.Errorf("%s: %s was changed", what, name)
		}
	}
}

// TestCorruptRecordRefusesToStart: a damaged record anywhere but the tail
// of the newest segment (record 0, a middle record) makes Open fail with
// an error naming the segment and the record's byte offset, and leaves
// every file as it was; Open with Salvage recovers every other record and
// reports the one lost.
func TestCorruptRecordRefusesToStart(t *testing.T) {
	const n = 177
	for _, idx := range []int{0, 88} {
		t.Run(fmt.Sprintf("record %d", idx), func(t *testing.T) {
			dir := t.TempDir()
			initStore(t, dir)
			b, offs := segmentOf(n)
			b[offs[idx]+recordHeader+3] ^= 0x40 // one flipped bit in the payload
			writeSegment(t, dir, 1, b)
			seg := segmentPath(dir, 1)
			before := snapshot(t, dir)

			s, err := Open(dir, Options{})
			if err == nil {
				got := contents(t, s, "a")
				_ = s.Close()
				t.Fatalf("Open started over a corrupt record %d (%d of %d items)", idx, len(got), n)
			}
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.File != seg || ce.Offset != int64(offs[idx]) {
				t.Fatalf("Open: %v; want a CorruptError naming %s at byte %d", err, seg, offs[idx])
			}
			if msg := err.Error(); !strings.Contains(msg, seg) || !strings.Contains(msg, strconv.Itoa(offs[idx])) {
				t.Errorf("the error does not name the file and offset: %s", msg)
			}
			sameFiles(t, "after a refused Open", before, snapshot(t, dir))
			// A second try says the same: nothing was consumed.
			if _, err := Open(dir, Options{}); !errors.As(err, &ce) {
				t.Fatalf("second Open: %v", err)
			}

			s, err = Open(dir, Options{Salvage: true})
			if err != nil {
				t.Fatalf("Open with Salvage: %v", err)
			}
			defer s.Close()
			got := contents(t, s, "a")
			if len(got) != n-1 || got[strconv.Itoa(idx)] != "" || got[strconv.Itoa(n-1)] != fmt.Sprintf("value-%d", n-1) {
				t.Fatalf("salvaged %d items (want %d: all but %d)", len(got), n-1, idx)
			}
			rep := s.Salvaged()
			if len(rep.Losses) != 1 || rep.Losses[0].File != seg || rep.Losses[0].Offset != int64(offs[idx]) ||
				rep.Losses[0].Bytes != int64(offs[idx+1]-offs[idx]) || rep.Recovered != n-1 {
				t.Fatalf("salvage report %+v; want the record at %s:%d lost, %d recovered", rep, seg, offs[idx], n-1)
			}
			if _, err := os.Stat(seg + corruptSuffix); err != nil {
				t.Errorf("the damaged segment was not kept: %v", err)
			}
		})
	}
}

// TestBadRecordInOlderSegmentRefuses: an older segment was complete when
// the next one was started, so even a cut-short record there is damage.
func TestBadRecordInOlderSegmentRefuses(t *testing.T) {
	dir := t.TempDir()
	initStore(t, dir)
	good := record(Put("a", "1", []byte("one")))
	torn := record(Put("a", "2", []byte("two")))
	writeSegment(t, dir, 1, good, torn[:len(torn)-3])
	writeSegment(t, dir, 2, record(Put("a", "3", []byte("three"))))
	before := snapshot(t, dir)
	_, err := Open(dir, Options{})
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.File != segmentPath(dir, 1) || ce.Offset != int64(len(good)) {
		t.Fatalf("Open: %v; want a CorruptError at %s:%d", err, segmentPath(dir, 1), len(good))
	}
	sameFiles(t, "after a refused Open", before, snapshot(t, dir))
	s, err := Open(dir, Options{Salvage: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := contents(t, s, "a"); len(got) != 2 || got["1"] != "one" || got["3"] != "three" {
		t.Fatalf("salvaged %v", got)
	}
}

// TestTornTailOfNewestSegmentOpens: a record cut short (or never written
// beyond zeros) at the end of the newest segment is a crash mid-write,
// never acknowledged: Open drops it and starts.
func TestTornTailOfNewestSegmentOpens(t *testing.T) {
	for name, tail := range map[string]func([]byte) []byte{
		"cut short":  func(r []byte) []byte { return r[:len(r)-3] },
		"header cut": func(r []byte) []byte { return r[:5] },
		"zeros":      func(r []byte) []byte { return make([]byte, len(r)) },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			initStore(t, dir)
			b, _ := segmentOf(20)
			writeSegment(t, dir, 1, record(Put("a", "older", []byte("x"))))
			writeSegment(t, dir, 2, b, tail(record(Put("a", "torn", []byte("never acknowledged")))))
			s, err := Open(dir, Options{})
			if err != nil {
				t.Fatalf("Open over a torn tail: %v", err)
			}
			defer s.Close()
			if got := contents(t, s, "a"); len(got) != 21 || got["torn"] != "" {
				t.Fatalf("%d items after a torn tail, want 21", len(got))
			}
		})
	}
}

// TestMissingOrTruncatedStoreRefuses: with log segments left, or after a
// store has once been created here, a missing or emptied emulator.db is
// lost state, not a new account.
func TestMissingOrTruncatedStoreRefuses(t *testing.T) {
	for name, damage := range map[string]func(t *testing.T, dir string){
		"removed after a clean stop":   func(t *testing.T, dir string) { must(t, os.Remove(filepath.Join(dir, FileName))) },
		"truncated after a clean stop": func(t *testing.T, dir string) { must(t, os.Truncate(filepath.Join(dir, FileName), 0)) },
		"removed with a log left": func(t *testing.T, dir string) {
			writeSegment(t, dir, 9, record(Put("a", "logged", []byte("y"))))
			must(t, os.Remove(filepath.Join(dir, FileName)))
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(dir, Options{})
			must(t, err)
			must(t, s.Write(Put("a", "kept", []byte("x"))))
			must(t, s.Close())
			damage(t, dir)
			before := snapshot(t, dir)
			_, err = Open(dir, Options{})
			if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, FileName)) {
				t.Fatalf("Open over a lost %s: %v; want an error naming it", FileName, err)
			}
			sameFiles(t, "after a refused Open", before, snapshot(t, dir))
			s, err = Open(dir, Options{Salvage: true})
			if err != nil {
				t.Fatalf("Open with Salvage: %v", err)
			}
			defer s.Close()
			if rep := s.Salvaged(); len(rep.Losses) == 0 || rep.Losses[0].File != filepath.Join(dir, FileName) {
				t.Fatalf("salvage report %+v does not report the lost %s", rep, FileName)
			}
			if strings.Contains(name, "log") && contents(t, s, "a")["logged"] != "y" {
				t.Errorf("the logged record was not recovered")
			}
		})
	}
}

// TestCorruptBboltFileIsAnError: garbage, a truncated file, wiped meta
// pages and scribbled-over data pages give an error naming the file — never
// a panic or a fault — and Salvage starts, reporting the loss.
func TestCorruptBboltFileIsAnError(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for name, damage := range map[string]func(b []byte) []byte{
		"garbage": func(b []byte) []byte {
			g := make([]byte, 64<<10)
			for i := range g {
				g[i] = byte(rng.IntN(256))
			}
			return g
		},
		"truncated":      func(b []byte) []byte { return b[:5000] },
		"truncated half": func(b []byte) []byte { return b[:len(b)/2] },
		"bad meta pages": func(b []byte) []byte { pg := pageSize(b); clear(b[16:200]); clear(b[pg+16 : pg+200]); return b },
		"scribbled data pages": func(b []byte) []byte {
			pg := pageSize(b)
			for i := 2 * pg; i < len(b); i += 7 {
				b[i] ^= 0xa5
			}
			return b
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(dir, Options{})
			must(t, err)
			for i := range 300 {
				must(t, s.Write(Put("b"+strconv.Itoa(i%7), strconv.Itoa(i), bytes.Repeat([]byte{'v'}, 200))))
			}
			must(t, s.Close())
			path := filepath.Join(dir, FileName)
			b, err := os.ReadFile(path)
			must(t, err)
			must(t, os.WriteFile(path, damage(b), 0o600))
			s, err = Open(dir, Options{})
			if err == nil {
				_ = s.Close()
				t.Fatalf("Open accepted a %s store file", name)
			}
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("the error does not name %s: %v", path, err)
			}
			t.Logf("refused: %v", err)
			s, err = Open(dir, Options{Salvage: true})
			if err != nil {
				t.Fatalf("Open with Salvage: %v", err)
			}
			defer s.Close()
			rep := s.Salvaged()
			if len(rep.Losses) == 0 {
				t.Fatalf("salvage reported no loss")
			}
			t.Logf("%v", rep)
			must(t, s.Write(Put("after", "k", []byte("v"))))
		})
	}
}

// pageSize reads bbolt's page size from its first meta page.
func pageSize(b []byte) int {
	return int(uint32(b[24]) | uint32(b[25])<<8 | uint32(b[26])<<16 | uint32(b[27])<<24)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkOpenLargeStore is Open (with its read of every page) over a
// store of 50,000 items of 200 bytes; "walk" is that read alone.
func BenchmarkOpenLargeStore(b *testing.B) {
	dir := b.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	v := bytes.Repeat([]byte{'v'}, 200)
	for i := 0; i < 50000; i += 500 {
		ops := make([]Op, 0, 500)
		for j := i; j < i+500; j++ {
			ops = append(ops, Put("items"+strconv.Itoa(j%5), fmt.Sprintf("%08d", j), v))
		}
		if err := s.Write(ops...); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.Run("open", func(b *testing.B) {
		for range b.N {
			s, err := Open(dir, Options{})
			if err != nil {
				b.Fatal(err)
			}
			_ = s.Close()
		}
	})
	b.Run("walk", func(b *testing.B) {
		s, err := Open(dir, Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		b.ResetTimer()
		for range b.N {
			if err := s.db.View(walk); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestSalvageKeepsReadableBuckets: with one bucket's pages scribbled over,
// Open refuses and Salvage recovers every other bucket whole, reporting
// the damaged one.
func TestSalvageKeepsReadableBuckets(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	must(t, err)
	for i := range 300 {
		must(t, s.Write(Put("b"+strconv.Itoa(i%7), strconv.Itoa(i), bytes.Repeat([]byte{'v'}, 200))))
	}
	must(t, s.Close())
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, nil)
	must(t, err)
	var root uint64
	must(t, db.View(func(tx *bolt.Tx) error { root = uint64(tx.Bucket([]byte("b3")).Root()); return nil }))
	pg := db.Info().PageSize
	must(t, db.Close())
	b, err := os.ReadFile(path)
	must(t, err)
	for i := int(root) * pg; i < int(root+1)*pg; i++ {
		b[i] ^= 0x3c
	}
	must(t, os.WriteFile(path, b, 0o600))

	var ce *CorruptError
	if _, err := Open(dir, Options{}); !errors.As(err, &ce) {
		t.Fatalf("Open over a scribbled bucket: %v", err)
	}
	s, err = Open(dir, Options{Salvage: true})
	must(t, err)
	defer s.Close()
	for i := range 7 {
		got := contents(t, s, "b"+strconv.Itoa(i))
		want := 300 / 7
		if i < 300%7 {
			want++
		}
		if i != 3 && len(got) != want {
			t.Errorf("bucket b%d: %d keys salvaged, want %d", i, len(got), want)
		}
	}
	rep := s.Salvaged()
	if !strings.Contains(rep.String(), `"b3"`) {
		t.Errorf("the report does not name bucket b3:\n%v", rep)
	}
	t.Logf("%v", rep)
}
