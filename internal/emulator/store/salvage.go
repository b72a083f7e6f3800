package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// CorruptError is Open's refusal to start over damaged files: the damage
// is not a torn write a crash can leave (which only ever is the tail of the
// newest log segment), so records after it were acknowledged and starting
// would silently lose them. Every file is left as it was.
type CorruptError struct {
	File   string
	Offset int64 // byte offset of the damage in File; -1 when not known
	Reason string
}

func (e *CorruptError) Error() string {
	at := ""
	if e.Offset >= 0 {
		at = fmt.Sprintf(" at byte %d", e.Offset)
	}
	return fmt.Sprintf("%s is corrupt%s: %s; every file is kept as it was: restore the data dir from a backup, "+
		"or start it with salvage (orders local serve --salvage) to recover every intact record and report what is lost", e.File, at, e.Reason)
}

// Loss is a part of the store's files that a salvaging Open could not read.
type Loss struct {
	File   string
	Offset int64 // -1: the whole file, or somewhere not known
	Bytes  int64 // how many bytes were skipped (0 when not known)
	Reason string
}

func (l Loss) String() string {
	switch {
	case l.Offset < 0:
		return fmt.Sprintf("%s: %s", l.File, l.Reason)
	default:
		return fmt.Sprintf("%s at byte %d (%d bytes): %s", l.File, l.Offset, l.Bytes, l.Reason)
	}
}

// SalvageReport is what a salvaging Open recovered and lost.
type SalvageReport struct {
	Recovered int    // log records applied
	Losses    []Loss // empty when nothing was damaged
}

func (r SalvageReport) String() string {
	if len(r.Losses) == 0 {
		return fmt.Sprintf("salvage: nothing damaged (%d log records replayed)", r.Recovered)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "salvage: recovered %d log records; lost %d part(s):", r.Recovered, len(r.Losses))
	for _, l := range r.Losses {
		b.WriteString("\n  " + l.String())
	}
	return b.String()
}

// corruptSuffix marks a damaged file a salvaging Open kept aside.
const corruptSuffix = ".corrupt"

// Salvaged is what Open with Salvage recovered and lost.
func (s *Store) Salvaged() SalvageReport { return s.salvaged }

// stateMarker says a store was created in the data dir: a later missing or
// emptied emulator.db is lost state, not a new data dir.
const stateMarker = "emulator.initialized"

// cleanMarker records the size and modification time emulator.db had when
// a Close finished with it: a file that still has both was written by
// bbolt alone and closed cleanly, so Open need not read every page of it
// again. A crash (or anything else touching the file) changes them.
const cleanMarker = "emulator.db.clean"

func fileStamp(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%d %d", fi.Size(), fi.ModTime().UnixNano())
}

// closedCleanly reports whether the store file is as a clean Close left it.
func closedCleanly(dir, path string) bool {
	b, err := os.ReadFile(filepath.Join(dir, cleanMarker))
	return err == nil && len(b) > 0 && string(b) == fileStamp(path)
}

// markClean records the file's stamp after a clean Close; without it the
// next Open reads every page, which is only slower.
func markClean(dir, path string) {
	if stamp := fileStamp(path); stamp != "" {
		_ = os.WriteFile(filepath.Join(dir, cleanMarker), []byte(stamp), 0o600)
	}
}

// checkStoreFile refuses a missing or empty emulator.db where a store was
// (the marker, or log segments, say so) — bbolt would start an empty one.
// With salvage it reports the loss and lets Open start a new file.
func (s *Store) checkStoreFile(dir string, salvage bool) error {
	fi, err := os.Stat(s.path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("open store %s: %w", s.path, err)
	}
	missing := err != nil
	if !missing && fi.Size() > 0 {
		return nil
	}
	var why []string
	if _, err := os.Stat(filepath.Join(dir, stateMarker)); err == nil {
		why = append(why, stateMarker+" says a store was created here")
	}
	w := &wal{dir: dir}
	if ns, err := w.segments(); err != nil {
		return err
	} else if len(ns) > 0 {
		why = append(why, fmt.Sprintf("%d write-ahead log segment(s) are left", len(ns)))
	}
	if len(why) == 0 {
		return nil // a new data dir
	}
	state := "missing"
	if !missing {
		state = "empty"
	}
	reason := state + " although " + strings.Join(why, " and ")
	if !salvage {
		return &CorruptError{File: s.path, Offset: -1, Reason: reason}
	}
	if !missing {
		if err := os.Rename(s.path, s.path+corruptSuffix); err != nil {
			return fmt.Errorf("salvage: keep %s aside: %w", s.path, err)
		}
	}
	s.salvaged.Losses = append(s.salvaged.Losses, Loss{File: s.path, Offset: -1,
		Reason: reason + ": everything checkpointed into it is lost; rebuilt from the write-ahead log"})
	return nil
}

// markCreated writes the state marker once a store file is in place.
func markCreated(dir string) error {
	p := filepath.Join(dir, stateMarker)
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	if err := os.WriteFile(p, []byte("an orders emulator store lives in this directory (emulator.db)\n"), 0o600); err != nil {
		return fmt.Errorf("mark data dir: %w", err)
	}
	return syncDir(dir)
}

// openBolt opens path and reads every bucket and key once, turning what
// bbolt does with a damaged file — panics, failed assertions, faults on the
// mmapped garbage — into a CorruptError naming the file. It runs on a
// goroutine of its own so that SetPanicOnFault (per goroutine) applies.
func openBolt(path string, bo *bolt.Options, verify bool) (db *bolt.DB, err error) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		debug.SetPanicOnFault(true)
		var tx *bolt.Tx
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			release(tx, db)
			db, err = nil, &CorruptError{File: path, Offset: -1, Reason: fmt.Sprintf("bbolt cannot read it: %v", r)}
		}()
		if err = checkMeta(path); err != nil {
			return
		}
		if db, err = boltOpen(path, bo); err != nil {
			db = nil
			var pe *os.PathError
			if !errors.Is(err, bolt.ErrTimeout) && !errors.As(err, &pe) {
				err = &CorruptError{File: path, Offset: -1, Reason: err.Error()}
			}
			return
		}
		if !verify {
			return
		}
		if tx, err = db.Begin(false); err == nil {
			err = walk(tx)
			_ = tx.Rollback()
			tx = nil
		}
		if err != nil {
			_ = db.Close()
			db, err = nil, &CorruptError{File: path, Offset: -1, Reason: err.Error()}
		}
	}()
	<-done
	return db, err
}

// walks counts the walks, for tests.
var walks atomic.Int64

// walk reads every key and value of every bucket, so each page in use is
// visited once before the services rely on it. It costs a read of the
// whole file, so Open skips it for a file exactly as a clean Close left
// it (cleanMarker).
func walk(tx *bolt.Tx) error {
	walks.Add(1)
	return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			_ = v
		}
		return nil
	})
}

// release rolls tx back and closes db after a panic, itself guarded: the
// structures it touches may be the damaged ones.
func release(tx *bolt.Tx, db *bolt.DB) {
	if tx != nil {
		func() {
			defer func() { _ = recover() }()
			_ = tx.Rollback()
		}()
	}
	if db != nil {
		func() {
			defer func() { _ = recover() }()
			_ = db.Close() // releases the file's lock
		}()
	}
}

// rebuildBolt keeps the damaged file aside (.corrupt), starts a new one
// and copies into it every bucket that can still be read from the damaged
// one; the log is replayed over it afterwards as usual.
func (s *Store) rebuildBolt(bo *bolt.Options, damage *CorruptError) (*bolt.DB, error) {
	aside := s.path + corruptSuffix
	if err := os.Rename(s.path, aside); err != nil {
		return nil, fmt.Errorf("salvage: keep %s aside: %w", s.path, err)
	}
	db, err := openBolt(s.path, bo, true)
	if err != nil {
		return nil, fmt.Errorf("salvage: new store %s: %w", s.path, err)
	}
	s.salvaged.Losses = append(s.salvaged.Losses, Loss{File: s.path, Offset: -1,
		Reason: damage.Reason + " (kept as " + filepath.Base(aside) + ")"})
	ro := *bo
	ro.ReadOnly = true
	old, err := openGuarded(aside, &ro)
	if err != nil {
		s.salvaged.Losses = append(s.salvaged.Losses, Loss{File: s.path, Offset: -1,
			Reason: "nothing could be read from it (" + err.Error() + "): rebuilt from the write-ahead log alone"})
		return db, nil
	}
	defer release(nil, old)
	names, err := guarded(func() ([]string, error) {
		var names []string
		err := old.View(func(tx *bolt.Tx) error {
			return tx.ForEach(func(name []byte, _ *bolt.Bucket) error { names = append(names, string(name)); return nil })
		})
		return names, err
	})
	if err != nil {
		s.salvaged.Losses = append(s.salvaged.Losses, Loss{File: s.path, Offset: -1, Reason: "its bucket list is unreadable (" + err.Error() + ")"})
	}
	for _, name := range names {
		type kv struct{ k, v []byte }
		var kvs []kv // what was read before any damage
		_, err := guarded(func() (struct{}, error) {
			return struct{}{}, old.View(func(tx *bolt.Tx) error {
				return tx.Bucket([]byte(name)).ForEach(func(k, v []byte) error {
					kvs = append(kvs, kv{bytes.Clone(k), bytes.Clone(v)})
					return nil
				})
			})
		})
		if err != nil {
			s.salvaged.Losses = append(s.salvaged.Losses, Loss{File: s.path, Offset: -1,
				Reason: fmt.Sprintf("bucket %q is unreadable (%v): %d keys of it recovered", name, err, len(kvs))})
		}
		err = db.Update(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte(name))
			if err != nil {
				return err
			}
			for _, e := range kvs {
				if err := b.Put(e.k, e.v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("salvage: copy bucket %q: %w", name, err)
		}
	}
	return db, nil
}

// openGuarded opens path with bbolt, a panic or fault becoming an error.
func openGuarded(path string, bo *bolt.Options) (*bolt.DB, error) {
	return guarded(func() (*bolt.DB, error) { return boltOpen(path, bo) })
}

// boltOpen is bolt.Open that, should bbolt panic half-way, closes the file
// it opened before the panic goes on. (Its lock stays while bbolt's mmap
// does, which is why checkMeta catches what would make bbolt panic inside
// Open — a bad freelist page, a truncated file — before bbolt maps it.)
func boltOpen(path string, bo *bolt.Options) (*bolt.DB, error) {
	var f *os.File
	o := *bo
	o.OpenFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
		var err error
		f, err = os.OpenFile(name, flag, perm)
		return f, err
	}
	defer func() {
		if r := recover(); r != nil {
			if f != nil {
				_ = f.Close()
			}
			panic(r)
		}
	}()
	return bolt.Open(path, 0o600, &o)
}

// guarded runs fn on a goroutine of its own, where a panic or a memory
// fault (bbolt reading a damaged mmapped file) becomes an error; what fn
// gathered before is returned with it.
func guarded[T any](fn func() (T, error)) (out T, err error) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		debug.SetPanicOnFault(true)
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%v", r)
			}
		}()
		out, err = fn()
	}()
	<-done
	return out, err
}

// bbolt's file layout (go.etcd.io/bbolt internal/common): a page starts
// with a 16-byte header (id u64, flags u16, count u16, overflow u32); pages
// 0 and 1 are meta pages whose body is magic u32, version u32, pageSize
// u32, flags u32, root bucket (16), freelist pgid u64, high-water pgid u64,
// txid u64 and an FNV-64a checksum of the body before it.
const (
	boltPageHeader   = 16
	boltMagic        = 0xED0CDAED
	boltFreelistFlag = 0x10
	boltNoFreelist   = ^uint64(0)
)

type boltMeta struct {
	pageSize             uint32
	freelist, pgid, txid uint64
}

func readBoltMeta(b []byte) (boltMeta, bool) {
	if len(b) < boltPageHeader+64 {
		return boltMeta{}, false
	}
	m := b[boltPageHeader:]
	h := fnv.New64a()
	_, _ = h.Write(m[:56])
	if binary.LittleEndian.Uint32(m[0:]) != boltMagic || h.Sum64() != binary.LittleEndian.Uint64(m[56:]) {
		return boltMeta{}, false
	}
	return boltMeta{pageSize: binary.LittleEndian.Uint32(m[8:]), freelist: binary.LittleEndian.Uint64(m[32:]),
		pgid: binary.LittleEndian.Uint64(m[40:]), txid: binary.LittleEndian.Uint64(m[48:])}, true
}

// checkMeta refuses, before bbolt maps the file, what would make it panic
// or fault there: a file shorter than its meta page says (truncated), or a
// freelist pointer to something that is no freelist page. A missing file
// (bbolt creates it) and bad meta pages (bbolt says ErrInvalid itself, or
// uses the other one, as after a torn meta write) are bbolt's to handle.
func checkMeta(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open store %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open store %s: %w", path, err)
	}
	size := fi.Size()
	head := make([]byte, boltPageHeader+64)
	var metas []boltMeta
	if _, err := f.ReadAt(head, 0); err == nil {
		if m, ok := readBoltMeta(head); ok {
			metas = append(metas, m)
		}
	}
	second := int64(os.Getpagesize())
	if len(metas) > 0 {
		second = int64(metas[0].pageSize)
	}
	if _, err := f.ReadAt(head, second); err == nil {
		if m, ok := readBoltMeta(head); ok {
			metas = append(metas, m)
		}
	}
	if len(metas) == 0 {
		return nil // bbolt: ErrInvalid
	}
	m := metas[0]
	if len(metas) == 2 && metas[1].txid > m.txid {
		m = metas[1]
	}
	ps := int64(m.pageSize)
	if ps < 512 || uint64(size) < m.pgid*uint64(ps) && m.pgid > 0 {
		return &CorruptError{File: path, Offset: size, Reason: fmt.Sprintf("truncated: %d bytes, but its meta page says it has %d pages of %d bytes", size, m.pgid, ps)}
	}
	if m.freelist != boltNoFreelist {
		off := int64(m.freelist) * ps
		hdr := make([]byte, boltPageHeader)
		if m.freelist >= m.pgid || off+boltPageHeader > size {
			return &CorruptError{File: path, Offset: off, Reason: fmt.Sprintf("its freelist page %d is beyond the end of the file", m.freelist)}
		}
		if _, err := f.ReadAt(hdr, off); err != nil {
			return &CorruptError{File: path, Offset: off, Reason: "freelist page unreadable: " + err.Error()}
		}
		id, flags := binary.LittleEndian.Uint64(hdr), binary.LittleEndian.Uint16(hdr[8:])
		overflow := int64(binary.LittleEndian.Uint32(hdr[12:]))
		if id != m.freelist || flags&boltFreelistFlag == 0 || off+(1+overflow)*ps > size {
			return &CorruptError{File: path, Offset: off, Reason: fmt.Sprintf("page %d, which its meta page names as the freelist, is not a freelist page", m.freelist)}
		}
	}
	return nil
}
