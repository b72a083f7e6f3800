// Package store is the emulator's durable key-value store: a write-ahead
// log with group commit (concurrent writers share one record and one
// fsync), checkpointed into bbolt, which is what reads and restarts see.
// Services keep their working state in memory and write every change here
// before they answer, so nothing acknowledged is lost on a restart, a
// kill -9 or a power cut.
package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Op is one change: put Value at Key in Bucket, delete Key (Delete), or drop
// the whole bucket (DeleteBucket). Buckets are created on first put.
type Op struct {
	Bucket       string
	Key          string
	Value        []byte
	Delete       bool
	DeleteBucket bool
	// Add, when non-zero, adds to the counter at Key (a decimal integer,
	// 0 when absent) instead of putting Value.
	Add int64
}

// Add is an Op that adds delta to the counter at bucket/key. Counters
// written by concurrent writers stay exact: the store applies the deltas
// in commit order (logging the resulting value), where a put of a value
// each writer computed could land in the other order.
func Add(bucket, key string, delta int64) Op { return Op{Bucket: bucket, Key: key, Add: delta} }

// Counter reads a counter written by Add.
func (s *Store) Counter(bucket, key string) (n int64, found bool, err error) {
	b, err := s.Get(bucket, key)
	if err != nil || b == nil {
		return 0, false, err
	}
	n, err = strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("counter %s/%s: %w", bucket, key, err)
	}
	return n, true, nil
}

// resolveAdds turns the batch's counter ops into puts of the resulting
// values. Only the commit loop calls it, so nothing else changes counters
// between its read and the batch's commit.
func (s *Store) resolveAdds(batch []*write) error {
	var sums map[string]int64 // bucket + "\x00" + key
	for _, w := range batch {
		for i, op := range w.ops {
			if op.Add == 0 {
				switch {
				case sums == nil:
				case op.DeleteBucket: // its counters start again from 0
					for id := range sums {
						if strings.HasPrefix(id, op.Bucket+"\x00") {
							sums[id] = 0
						}
					}
				default: // a put or delete replaces the counter
					delete(sums, op.Bucket+"\x00"+op.Key)
				}
				continue
			}
			if sums == nil {
				sums = map[string]int64{}
			}
			id := op.Bucket + "\x00" + op.Key
			cur, ok := sums[id]
			if !ok {
				var err error
				if cur, _, err = s.Counter(op.Bucket, op.Key); err != nil {
					return err
				}
			}
			cur += op.Add
			sums[id] = cur
			w.ops[i] = Put(op.Bucket, op.Key, []byte(strconv.FormatInt(cur, 10)))
		}
	}
	return nil
}

// Put is an Op that stores value at bucket/key.
func Put(bucket, key string, value []byte) Op { return Op{Bucket: bucket, Key: key, Value: value} }

// Del is an Op that removes bucket/key.
func Del(bucket, key string) Op { return Op{Bucket: bucket, Key: key, Delete: true} }

// DropBucket is an Op that removes a bucket and everything in it.
func DropBucket(bucket string) Op { return Op{Bucket: bucket, DeleteBucket: true} }

// ErrInUse is returned by Open when another process holds the data dir.
var ErrInUse = errors.New("data dir is in use by another orders process")

// Store is safe for concurrent use.
type Store struct {
	db       *bolt.DB
	path     string
	temp     bool
	wal      *wal // nil for in-memory stores, which commit to bbolt directly
	writes   chan *write
	stopped  chan struct{}
	closeMu  sync.RWMutex
	closed   bool
	closeErr error
	pending  overlay // what the log acknowledged and bbolt does not hold yet

	salvaged SalvageReport
}

type write struct {
	ops  []Op
	done chan error
}

// Options configure Open.
type Options struct {
	// InMemory keeps the store in a temporary file that is removed on Close,
	// without fsync: for throwaway runs and tests.
	InMemory bool
	// Salvage opens over damaged files instead of refusing (CorruptError):
	// every intact log record is applied, damaged ones skipped, a corrupt
	// emulator.db rebuilt from what can be read of it and the log, damaged
	// files kept beside with a .corrupt suffix; Salvaged reports the loss.
	Salvage bool

	// openFile opens the log's segment files (os.OpenFile); tests make it fail.
	openFile func(name string, flag int, perm os.FileMode) (*os.File, error)
}

// FileName is the store's file inside a data dir.
const FileName = "emulator.db"

// Open opens (creating if needed) the store in dataDir. A second process on
// the same data dir gets ErrInUse at once rather than hanging on the lock.
func Open(dataDir string, opts Options) (*Store, error) {
	s := &Store{writes: make(chan *write, 1024), stopped: make(chan struct{})}
	bo := &bolt.Options{Timeout: 200 * time.Millisecond, FreelistType: bolt.FreelistMapType}
	if opts.InMemory {
		f, err := os.CreateTemp("", "orders-emulator-*.db")
		if err != nil {
			return nil, fmt.Errorf("create in-memory store: %w", err)
		}
		s.path, s.temp = f.Name(), true
		_ = f.Close()
		_ = os.Remove(s.path) // bbolt initialises a fresh file itself
		bo.NoSync, bo.NoFreelistSync = true, true
	} else {
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data dir %s: %w", dataDir, err)
		}
		s.path = filepath.Join(dataDir, FileName)
		if err := s.checkStoreFile(dataDir, opts.Salvage); err != nil {
			return nil, err
		}
	}
	db, err := openBolt(s.path, bo, opts.InMemory || !closedCleanly(dataDir, s.path))
	var damaged *CorruptError
	if errors.As(err, &damaged) && opts.Salvage && !opts.InMemory {
		db, err = s.rebuildBolt(bo, damaged)
	}
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("open %s: %w", dataDir, ErrInUse)
		}
		if errors.As(err, &damaged) {
			return nil, err // names the file already
		}
		return nil, fmt.Errorf("open store %s: %w", s.path, err)
	}
	s.db = db
	if !opts.InMemory {
		if s.wal, err = openWAL(dataDir, db, &s.pending, opts, &s.salvaged); err != nil {
			_ = db.Close()
			var ce *CorruptError
			if errors.As(err, &ce) {
				return nil, err
			}
			return nil, fmt.Errorf("open store %s: %w", dataDir, err)
		}
		if err := markCreated(dataDir); err != nil {
			_ = s.wal.close()
			_ = db.Close()
			return nil, err
		}
	}
	go s.commitLoop()
	return s, nil
}

// Path is the store's file.
func (s *Store) Path() string { return s.path }

// Write applies ops atomically and returns once they are durable. Writers
// that arrive while a commit is in flight are folded into the next one.
func (s *Store) Write(ops ...Op) error {
	if len(ops) == 0 {
		return nil
	}
	for _, op := range ops {
		if err := checkOp(op); err != nil {
			return err
		}
	}
	w := &write{ops: ops, done: make(chan error, 1)}
	if slices.ContainsFunc(ops, func(op Op) bool { return op.Add != 0 }) {
		w.ops = slices.Clone(ops) // the commit loop rewrites counter ops
	}
	if w.size() > maxWriteBytes {
		return fmt.Errorf("store: one write of %d bytes is more than %d", w.size(), maxWriteBytes)
	}
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return errors.New("store is closed")
	}
	s.writes <- w
	s.closeMu.RUnlock()
	return <-w.done
}

// maxBatch and maxBatchBytes bound one commit so a flood of writers still
// sees progress; maxWriteBytes bounds one Write (a log record's length is
// 32 bits).
const (
	maxBatch      = 512
	maxBatchBytes = 64 << 20
	maxWriteBytes = 1 << 30
)

func (w *write) size() int {
	n := 0
	for _, op := range w.ops {
		n += len(op.Bucket) + len(op.Key) + len(op.Value)
	}
	return n
}

func (s *Store) commitLoop() {
	defer close(s.stopped)
	for first := range s.writes {
		batch := []*write{first}
		bytes := first.size()
	drain:
		for len(batch) < maxBatch && bytes < maxBatchBytes {
			select {
			case w, ok := <-s.writes:
				if !ok {
					break drain
				}
				batch = append(batch, w)
				bytes += w.size()
			default:
				break drain
			}
		}
		err := s.resolveAdds(batch)
		switch {
		case err != nil: // nothing is written; each writer hears why
		case s.wal != nil:
			err = s.wal.append(batch)
		default:
			err = s.db.Update(func(tx *bolt.Tx) error {
				for _, w := range batch {
					for _, op := range w.ops {
						if err := apply(tx, op); err != nil {
							return err
						}
					}
				}
				return nil
			})
		}
		for _, w := range batch {
			w.done <- err
		}
	}
}

func apply(tx *bolt.Tx, op Op) error {
	if op.DeleteBucket {
		if err := tx.DeleteBucket([]byte(op.Bucket)); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
			return fmt.Errorf("drop bucket %s: %w", op.Bucket, err)
		}
		return nil
	}
	if op.Delete {
		b := tx.Bucket([]byte(op.Bucket))
		if b == nil {
			return nil
		}
		return b.Delete([]byte(op.Key))
	}
	b, err := tx.CreateBucketIfNotExists([]byte(op.Bucket))
	if err != nil {
		return fmt.Errorf("create bucket %s: %w", op.Bucket, err)
	}
	if err := b.Put([]byte(op.Key), op.Value); err != nil {
		return fmt.Errorf("put %s/%s: %w", op.Bucket, op.Key, err)
	}
	return nil
}

// settle makes bbolt hold every acknowledged write before a read: reads
// are rare (services load their state once), so they pay for the
// checkpoint rather than every write paying for bbolt.
func (s *Store) settle() error {
	if s.wal == nil {
		return nil
	}
	s.closeMu.RLock()
	defer s.closeMu.RUnlock()
	if s.closed {
		return nil // bbolt answers: it is closed
	}
	return s.wal.checkpoint()
}

// ForEach calls fn for every key in bucket in key order; the slices are
// only valid during the call. A missing bucket is empty.
func (s *Store) ForEach(bucket string, fn func(key, value []byte) error) error {
	if err := s.settle(); err != nil {
		return err
	}
	return s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(bucket))
		if b == nil {
			return nil
		}
		return b.ForEach(fn)
	})
}

// Buckets lists bucket names that start with prefix.
func (s *Store) Buckets(prefix string) ([]string, error) {
	if err := s.settle(); err != nil {
		return nil, err
	}
	var names []string
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			if len(name) >= len(prefix) && string(name[:len(prefix)]) == prefix && string(name) != checkpointBucket {
				names = append(names, string(name))
			}
			return nil
		})
	})
	return names, err
}

// Close finishes pending writes, closes the database and, for an in-memory
// store, removes its file. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeMu.Lock()
	if s.closed {
		s.closeMu.Unlock()
		return s.closeErr
	}
	s.closed = true
	close(s.writes)
	s.closeMu.Unlock()
	<-s.stopped
	if s.wal != nil {
		s.closeErr = s.wal.close()
	}
	if err := s.db.Close(); s.closeErr == nil {
		s.closeErr = err
	}
	if s.closeErr == nil && !s.temp {
		markClean(filepath.Dir(s.path), s.path)
	}
	if s.temp {
		_ = os.Remove(s.path)
	}
	return s.closeErr
}

// Space is how the store's file is used: FileBytes on disk (bbolt grows it
// ahead in steps), of which the first PagesBytes have ever been written
// (its high-water mark), and of those FreeBytes are pages freed by deleted
// keys and dropped buckets, which bbolt hands out again to later writes
// before it takes new pages past the mark.
type Space struct {
	FileBytes  int64
	PagesBytes int64
	FreeBytes  int64
	PageSize   int
}

// Space reports the file's size and free space once every acknowledged
// write is in bbolt.
func (s *Store) Space() (Space, error) {
	if err := s.settle(); err != nil {
		return Space{}, err
	}
	fi, err := os.Stat(s.path)
	if err != nil {
		return Space{}, fmt.Errorf("stat store: %w", err)
	}
	sp := Space{FileBytes: fi.Size(), PageSize: s.db.Info().PageSize}
	if err := s.db.View(func(tx *bolt.Tx) error { sp.PagesBytes = tx.Size(); return nil }); err != nil {
		return Space{}, fmt.Errorf("read store size: %w", err)
	}
	st := s.db.Stats()
	sp.FreeBytes = int64(st.FreePageN+st.PendingPageN) * int64(sp.PageSize)
	return sp, nil
}
