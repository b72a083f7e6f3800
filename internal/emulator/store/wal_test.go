package store

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// writeSegment puts a log segment in dir as a crashed process leaves it.
func writeSegment(t *testing.T, dir string, n uint64, records ...[]byte) {
	t.Helper()
	var b []byte
	for _, r := range records {
		b = append(b, r...)
	}
	if err := os.WriteFile(segmentPath(dir, n), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func record(ops ...Op) []byte { return encodeRecord([][]Op{ops}) }

func contents(t *testing.T, s *Store, bucket string) map[string]string {
	t.Helper()
	got := map[string]string{}
	if err := s.ForEach(bucket, func(k, v []byte) error { got[string(k)] = string(v); return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

func segmentFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, walPrefix+"*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// initStore creates an empty store file in dir (bbolt's, without a log).
func initStore(t *testing.T, dir string) {
	t.Helper()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestReplayAppliesLoggedRecordsInOrder(t *testing.T) {
	dir := t.TempDir()
	initStore(t, dir)
	writeSegment(t, dir, 7,
		record(Put("a", "k1", []byte("v1")), Put("a", "k2", []byte("v2"))),
		record(Put("b", "x", []byte("y"))))
	writeSegment(t, dir, 8,
		record(Del("a", "k1"), Put("a", "k2", []byte("v2b"))),
		record(DropBucket("b")))

	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := contents(t, s, "a"); len(got) != 1 || got["k2"] != "v2b" {
		t.Fatalf("bucket a = %v, want only k2=v2b", got)
	}
	if names, _ := s.Buckets("b"); len(names) != 0 {
		t.Fatalf("dropped bucket b is back: %v", names)
	}
	for _, f := range segmentFiles(t, dir) {
		if strings.HasSuffix(f, "0007") || strings.HasSuffix(f, "0008") {
			t.Fatalf("replayed segment %s was not removed", f)
		}
	}
}

// A torn record is dropped only at the tail of the newest segment; a bad
// record elsewhere refuses to start (TestCorruptRecordRefusesToStart and
// TestBadRecordInOlderSegmentRefuses cover the rest).
func TestReplayStopsAtTornOrCorruptRecord(t *testing.T) {
	dir := t.TempDir()
	initStore(t, dir)
	good := record(Put("a", "1", []byte("one")))
	torn := record(Put("a", "2", []byte("two")))
	writeSegment(t, dir, 1, good, torn[:len(torn)-3]) // a write cut short by the crash

	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := contents(t, s, "a"); len(got) != 1 || got["1"] != "one" {
		t.Fatalf("bucket a = %v, want only 1=one: nothing after a torn record", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	dir = t.TempDir()
	initStore(t, dir)
	bad := record(Put("c", "2", []byte("two")))
	bad[len(bad)-1] ^= 0xff // flipped bit: the checksum no longer matches
	writeSegment(t, dir, 1, record(Put("c", "1", []byte("one"))), bad, record(Put("c", "3", []byte("three"))))
	var ce *CorruptError
	if _, err = Open(dir, Options{}); !errors.As(err, &ce) {
		t.Fatalf("Open over a corrupt middle record: %v, want a CorruptError", err)
	}
}

// An old segment whose deletion did not reach the disk must not be applied
// over newer state (here it would bring back a deleted key).
func TestReplaySkipsSegmentsAlreadyCheckpointed(t *testing.T) {
	dir := t.TempDir()
	initStore(t, dir)
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("a"))
		if err != nil {
			return err
		}
		if err := b.Put([]byte("live"), []byte("yes")); err != nil {
			return err
		}
		return markAbsorbed(tx, 5)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	writeSegment(t, dir, 4, record(Put("a", "deleted", []byte("old")))) // absorbed, then deleted in 5
	writeSegment(t, dir, 6, record(Put("a", "new", []byte("after"))))   // not absorbed yet

	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := contents(t, s, "a")
	if got["deleted"] != "" || got["live"] != "yes" || got["new"] != "after" || len(got) != 2 {
		t.Fatalf("bucket a = %v, want live=yes new=after", got)
	}
	if err := s.Write(Put("a", "later", []byte("x"))); err != nil {
		t.Fatal(err)
	}
	if names, err := s.Buckets(""); err != nil || len(names) != 1 || names[0] != "a" {
		t.Fatalf("Buckets(\"\") = %v, %v: want only a (the checkpoint marker is the store's own)", names, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if f := segmentFiles(t, dir); len(f) != 0 {
		t.Fatalf("segments left after a clean close: %v", f)
	}
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := contents(t, s, "a"); got["later"] != "x" || len(got) != 3 {
		t.Fatalf("bucket a after reopen = %v", got)
	}
}

func TestReadsSeeAcknowledgedWrites(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 20 {
		k := strconv.Itoa(i)
		if err := s.Write(Put("r", k, []byte(k))); err != nil {
			t.Fatal(err)
		}
		v, err := s.Get("r", k)
		if err != nil || string(v) != k {
			t.Fatalf("Get after Write %d = %q, %v", i, v, err)
		}
	}
	if err := s.Write(DropBucket("r")); err != nil {
		t.Fatal(err)
	}
	if names, err := s.Buckets("r"); err != nil || len(names) != 0 {
		t.Fatalf("Buckets after drop = %v, %v", names, err)
	}
}

func TestWriteRefusesWhatBboltWouldRefuse(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, ops := range [][]Op{
		{Put("", "k", []byte("v"))},
		{Put("b", "", []byte("v"))},
		{Put("b", strings.Repeat("k", bolt.MaxKeySize+1), nil)},
		{Put("ok", "k", []byte("v")), DropBucket("")},
	} {
		if err := s.Write(ops...); err == nil {
			t.Errorf("Write(%.60v) succeeded", ops)
		}
	}
	if got := contents(t, s, "ok"); len(got) != 0 {
		t.Fatalf("a refused write changed something: %v", got)
	}
	// A delete of a missing key (even an empty one) is not an error.
	if err := s.Write(Del("b", ""), Del("missing", "k")); err != nil {
		t.Fatal(err)
	}
}

// Writers and readers at once, across checkpoints, then a reopen.
func TestConcurrentWritesAcrossCheckpoints(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	const writers, each = 8, 60
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := s.Write(Put("q", fmt.Sprintf("%02d-%03d", g, i), []byte("m")), Del("q", fmt.Sprintf("%02d-%03d", g, i-1))); err != nil {
					t.Error(err)
				}
				if i%20 == 0 {
					if err := s.wal.checkpoint(); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	check := func(s *Store) {
		got := contents(t, s, "q")
		if len(got) != writers {
			t.Fatalf("%d keys, want %d (the last of each writer): %v", len(got), writers, got)
		}
		for g := range writers {
			if _, ok := got[fmt.Sprintf("%02d-%03d", g, each-1)]; !ok {
				t.Fatalf("writer %d's last key missing", g)
			}
		}
	}
	check(s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check(s)
}

// The real thing: a process writing as fast as it can is killed with
// SIGKILL; every write it was told is durable is there after reopening.
func TestKill9KeepsAcknowledgedWrites(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGKILL")
	}
	if dir := os.Getenv("ORDERS_STORE_CRASH_DIR"); dir != "" {
		crashWriter(dir)
		return
	}
	for round := range 3 {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestKill9KeepsAcknowledgedWrites$")
		cmd.Env = append(os.Environ(), "ORDERS_STORE_CRASH_DIR="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acked := map[string]bool{}
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if k, ok := strings.CutPrefix(sc.Text(), "acked "); ok {
				acked[k] = true
				if len(acked) == 300+100*round {
					_ = cmd.Process.Signal(syscall.SIGKILL)
				}
			}
		}
		_ = cmd.Wait()
		if len(acked) < 300 {
			t.Fatalf("round %d: the writer acknowledged only %d writes before dying", round, len(acked))
		}
		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := contents(t, s, "k9")
		for k := range acked {
			if got[k] != "v"+k {
				t.Fatalf("round %d: acknowledged write %s lost (have %d of %d)", round, k, len(got), len(acked))
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// crashWriter writes from 8 goroutines until killed, printing each key once
// Write has returned.
func crashWriter(dir string) {
	s, err := Open(dir, Options{})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				k := fmt.Sprintf("%d-%d", g, i)
				if err := s.Write(Put("k9", k, []byte("v"+k)), Put("other", k, make([]byte, 300))); err != nil {
					fmt.Println("write:", err)
					os.Exit(1)
				}
				if i%50 == 0 {
					_ = s.wal.checkpoint() // checkpoints under way when the kill comes, too
				}
				mu.Lock()
				fmt.Println("acked", k)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	time.Sleep(time.Hour)
}

func TestParseRecordsNeverPanics(t *testing.T) {
	r := record(Put("bucket", "key", []byte("value")), Del("b", "k"), DropBucket("z"))
	for cut := range len(r) + 1 {
		recs, complete := parseRecords(r[:cut])
		wantRecs := 0
		if cut == len(r) {
			wantRecs = 1
		}
		if complete != (cut == 0 || cut == len(r)) || len(recs) != wantRecs {
			t.Fatalf("cut %d: %d records, complete %v", cut, len(recs), complete)
		}
	}
	// A length that points past the end, and a zero length.
	b := make([]byte, recordHeader)
	binary.LittleEndian.PutUint32(b, 1<<31)
	if _, complete := parseRecords(b); complete {
		t.Fatal("huge length accepted")
	}
	if _, complete := parseRecords(make([]byte, 16)); complete {
		t.Fatal("zero length accepted")
	}
}

func FuzzApplyRecord(f *testing.F) {
	f.Add(record(Put("b", "k", []byte("v")))[recordHeader:])
	f.Add(record(Del("b", "k"), DropBucket("b"))[recordHeader:])
	f.Add([]byte{})
	db, err := bolt.Open(filepath.Join(f.TempDir(), "fuzz.db"), 0o600, &bolt.Options{NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	f.Fuzz(func(t *testing.T, payload []byte) {
		err := db.Update(func(tx *bolt.Tx) error {
			if err := applyRecord(tx, payload); err != nil {
				return err
			}
			return errors.New("roll back")
		})
		if err == nil {
			t.Fatal("the rollback error was lost")
		}
	})
}

// BenchmarkWriteOne is one writer's durable write latency (no batching).
func BenchmarkWriteOne(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	v := make([]byte, 400)
	b.ResetTimer()
	for i := range b.N {
		if err := s.Write(Put("bench", strconv.Itoa(i), v)); err != nil {
			b.Fatal(err)
		}
	}
}
