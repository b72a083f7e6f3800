package store

import (
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
)

// TestTransientOpenFailureIsNotSticky: while opening a file fails with
// EMFILE (the process at its descriptor limit), the store may refuse some
// work, but once descriptors are back every write and read succeeds again
// and nothing acknowledged is missing.
func TestTransientOpenFailureIsNotSticky(t *testing.T) {
	var failing atomic.Bool
	open := func(name string, flag int, perm os.FileMode) (*os.File, error) {
		if failing.Load() {
			return nil, &os.PathError{Op: "open", Path: name, Err: syscall.EMFILE}
		}
		return os.OpenFile(name, flag, perm)
	}
	dir := t.TempDir()
	s, err := Open(dir, Options{openFile: open})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	acked := map[string]bool{}
	write := func(i int) error {
		k := strconv.Itoa(i)
		if err := s.Write(Put("a", k, []byte("v"+k))); err != nil {
			return err
		}
		acked[k] = true
		_, err := s.Get("a", k) // a read checkpoints: the log rotates to a new segment
		return err
	}
	for i := range 5 {
		must(t, write(i))
	}
	failing.Store(true)
	failedWrites, failedReads := 0, 0
	for i := 5; i < 25; i++ {
		if err := write(i); err != nil {
			if acked[strconv.Itoa(i)] {
				failedReads++
			} else {
				failedWrites++
			}
		}
	}
	failing.Store(false)
	for i := 25; i < 30; i++ {
		if err := write(i); err != nil {
			t.Fatalf("write %d after descriptors are back: %v (%d writes and %d reads failed meanwhile)", i, err, failedWrites, failedReads)
		}
	}
	got := contents(t, s, "a")
	for k := range acked {
		if got[k] != "v"+k {
			t.Errorf("acknowledged key %s = %q", k, got[k])
		}
	}
	t.Logf("while open failed: %d writes and %d reads refused; %d writes acknowledged in all", failedWrites, failedReads, len(acked))
	must(t, s.Close())
	s2, err := Open(dir, Options{})
	must(t, err)
	defer s2.Close()
	if got := contents(t, s2, "a"); len(got) != len(acked) {
		t.Fatalf("after reopen %d keys, want %d", len(got), len(acked))
	}
}
