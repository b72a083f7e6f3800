package store

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"testing"
	"time"
)

// Get and Scan see every acknowledged write whether or not a checkpoint
// has moved it into bbolt: random puts, deletes and bucket drops are
// checked against a model after every step, with checkpoints between.
func TestReadsSeeWritesBeforeAndAfterCheckpoints(t *testing.T) {
	for _, inMemory := range []bool{false, true} {
		t.Run(fmt.Sprintf("inMemory=%v", inMemory), func(t *testing.T) {
			s, err := Open(t.TempDir(), Options{InMemory: inMemory})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			rng := rand.New(rand.NewPCG(1, 2))
			model := map[string]map[string]string{"a": {}, "b": {}}
			key := func() string { return fmt.Sprintf("k%02d", rng.IntN(40)) }
			for step := range 600 {
				bucket := []string{"a", "b"}[rng.IntN(2)]
				switch r := rng.IntN(100); {
				case r < 60:
					k, v := key(), fmt.Sprint(step)
					if err := s.Write(Put(bucket, k, []byte(v))); err != nil {
						t.Fatal(err)
					}
					model[bucket][k] = v
				case r < 90:
					k := key()
					if err := s.Write(Del(bucket, k)); err != nil {
						t.Fatal(err)
					}
					delete(model[bucket], k)
				case r < 93:
					if err := s.Write(DropBucket(bucket)); err != nil {
						t.Fatal(err)
					}
					model[bucket] = map[string]string{}
				default:
					if err := s.settle(); err != nil {
						t.Fatal(err)
					}
				}
				checkAgainst(t, s, model, key(), key())
			}
		})
	}
}

func checkAgainst(t *testing.T, s *Store, model map[string]map[string]string, lo, hi string) {
	t.Helper()
	if lo > hi {
		lo, hi = hi, lo
	}
	for bucket, m := range model {
		for k, want := range m {
			got, err := s.Get(bucket, k)
			if err != nil || string(got) != want {
				t.Fatalf("Get(%s, %s) = %q, %v; want %q", bucket, k, got, err, want)
			}
		}
		if got, _ := s.Get(bucket, "k99"); got != nil {
			t.Fatalf("Get of a missing key = %q", got)
		}
		var keys []string
		for k := range m {
			if k >= lo && k < hi {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, reverse := range []bool{false, true} {
			var got []string
			err := s.Scan(bucket, []byte(lo), []byte(hi), reverse, func(k, v []byte) bool {
				if string(v) != m[string(k)] {
					t.Fatalf("Scan %s: %s = %q, want %q", bucket, k, v, m[string(k)])
				}
				got = append(got, string(k))
				return true
			})
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(keys)
			if reverse {
				slices.Reverse(want)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("Scan(%s, [%s, %s), reverse=%v) = %v, want %v", bucket, lo, hi, reverse, got, want)
			}
		}
		n := 0
		if err := s.Scan(bucket, nil, nil, false, func(k, v []byte) bool { n++; return n < 3 }); err != nil {
			t.Fatal(err)
		}
		if want := min(3, len(m)); n != want {
			t.Fatalf("Scan that stops after 3 visited %d keys, want %d", n, want)
		}
	}
}

// Counters stay exact under concurrent writers, across checkpoints and a
// reopen, and a dropped bucket's counters start again from zero.
func TestCountersAddUpUnderConcurrentWriters(t *testing.T) {
	for _, inMemory := range []bool{false, true} {
		t.Run(fmt.Sprintf("inMemory=%v", inMemory), func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(dir, Options{InMemory: inMemory})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = s.Close() }()
			const writers, each = 8, 50
			errs := make(chan error, writers)
			for w := range writers {
				go func() {
					var err error
					for i := range each {
						delta := int64(1)
						if i%5 == 4 {
							delta = -1
						}
						if err = s.Write(Put("m", fmt.Sprintf("%d-%d", w, i), []byte("x")), Add("n", "count", delta)); err != nil {
							break
						}
					}
					errs <- err
				}()
			}
			for range writers {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			want := int64(writers * (each - 2*each/5))
			if n, ok, err := s.Counter("n", "count"); err != nil || !ok || n != want {
				t.Fatalf("counter = %d (%v, %v), want %d", n, ok, err, want)
			}
			if err := s.Write(Add("n", "count", 5), DropBucket("n"), Add("n", "count", 2)); err != nil {
				t.Fatal(err)
			}
			if n, _, _ := s.Counter("n", "count"); n != 2 {
				t.Fatalf("counter after a drop = %d, want 2", n)
			}
			if inMemory {
				return
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if s, err = Open(dir, Options{}); err != nil {
				t.Fatal(err)
			}
			if n, _, _ := s.Counter("n", "count"); n != 2 {
				t.Fatalf("counter after reopen = %d, want 2", n)
			}
		})
	}
}

// Open reads every page of a store file only when it is not exactly as a
// clean Close left it: after a crash, or when anything else touched it.
func TestOpenWalksOnlyAFileNotClosedCleanly(t *testing.T) {
	dir := t.TempDir()
	open := func() *Store {
		t.Helper()
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open() // a new file: walked (it is empty)
	if err := s.Write(Put("a", "k", []byte("v"))); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	before := walks.Load()
	s = open()
	if got := walks.Load() - before; got != 0 {
		t.Fatalf("a cleanly closed store was walked %d times at open", got)
	}
	if v, err := s.Get("a", "k"); err != nil || string(v) != "v" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Something else touched the file since.
	path := dir + "/" + FileName
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	before = walks.Load()
	s = open()
	defer s.Close()
	if got := walks.Load() - before; got != 1 {
		t.Fatalf("a store file changed after its clean close was walked %d times at open, want 1", got)
	}
}
