package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The write-ahead log. A bbolt commit syncs the file twice (its data pages,
// then its meta page) and rewrites every page on the path to each changed
// key; appending a batch to a log and syncing once does neither. So a
// batch is durable — and Write returns — once its record is synced in the
// log; a checkpointer applies logged batches to bbolt later, in big
// transactions of bbolt's own (crash-safe) kind, and deletes the log
// segments they came from. Open replays whatever a crash left in the log.
//
// The log is a sequence of segment files (emulator.wal.<16 hex digits>),
// one written at a time. A record is [length u32][CRC-32C u32][payload],
// payload = uvarint op count, then per op: kind byte, bucket, and key and
// value as the kind needs, each uvarint-length-prefixed. bbolt holds the
// number of the last segment it has absorbed (checkpointBucket), written in
// the same transaction as the segment's ops, so replay skips exactly what
// is already in bbolt however the deletions of segment files were
// ordered on disk — an old segment applied over newer state could
// resurrect deleted keys.

const (
	walPrefix        = "emulator.wal."
	checkpointBucket = "store.checkpoint"
	checkpointKey    = "segment"
	recordHeader     = 8
	// Checkpoint once this much is logged and not yet in bbolt, or every
	// checkpointEvery while anything is: bounds memory (logged records are
	// kept until checkpointed) and replay time.
	checkpointBytes = 8 << 20
	checkpointEvery = 500 * time.Millisecond
)

const (
	opPut byte = iota
	opDel
	opDropBucket
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type segment struct {
	n       uint64
	path    string
	f       *os.File // open while the segment is the one written
	size    int64
	records [][]byte // payloads logged here, in order
}

type wal struct {
	dir      string
	db       *bolt.DB
	openFile func(name string, flag int, perm os.FileMode) (*os.File, error)

	// mu guards the fields below. The commit loop holds it while it writes
	// and syncs a record, so a rotation never splits a record.
	mu     sync.Mutex
	active *segment
	// spare is the next segment, created ahead (under ckMu) so a rotation
	// needs no new file descriptor when the process is at its limit.
	spare   *segment
	sealed  []*segment // no longer written, not yet in bbolt; oldest first
	pending int64      // bytes logged and not yet in bbolt
	overlay *overlay   // the same, for reads
	failed  error      // sticky: after a failed write or sync the log takes no more writes

	ckMu sync.Mutex // one checkpoint at a time

	kick     chan struct{}
	stop     chan struct{}
	loopDone chan struct{}
}

func segmentPath(dir string, n uint64) string {
	return filepath.Join(dir, fmt.Sprintf("%s%016x", walPrefix, n))
}

// openWAL replays the log segments a previous process left into db, removes
// them and starts a new segment. Damage other than a torn tail of the
// newest segment is a CorruptError, unless salvage (then it is skipped and
// reported in rep).
func openWAL(dir string, db *bolt.DB, ov *overlay, opts Options, rep *SalvageReport) (*wal, error) {
	w := &wal{dir: dir, db: db, overlay: ov, openFile: opts.openFile, kick: make(chan struct{}, 1), stop: make(chan struct{}), loopDone: make(chan struct{})}
	if w.openFile == nil {
		w.openFile = os.OpenFile
	}
	last, err := w.replay(opts.Salvage, rep)
	if err != nil {
		return nil, err
	}
	if w.active, err = w.createSegment(last + 1); err != nil {
		return nil, err
	}
	w.spare, _ = w.createSegment(last + 2) // best effort: rotation makes one if missing
	go w.loop()
	return w, nil
}

// segments lists the log's segment numbers in the data dir, ascending.
func (w *wal) segments() ([]uint64, error) {
	ents, err := os.ReadDir(w.dir)
	if err != nil {
		return nil, fmt.Errorf("list write-ahead log: %w", err)
	}
	var ns []uint64
	for _, e := range ents {
		hex, ok := strings.CutPrefix(e.Name(), walPrefix)
		if !ok || len(hex) != 16 {
			continue
		}
		n, err := strconv.ParseUint(hex, 16, 64)
		if err != nil {
			continue
		}
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return ns, nil
}

// replay applies the records of every segment bbolt has not absorbed, in
// order, then removes the segments. It returns the highest segment number
// seen. Only the newest segment may end in a torn record (a write cut
// short by a crash, never acknowledged): it is dropped. Any other damaged
// record was acknowledged, as were those after it, so replay refuses
// (leaving every file as it is) rather than silently lose them — unless
// salvage, which applies every intact record, skips the damaged ones,
// reports them in rep and keeps each damaged segment aside (.corrupt).
func (w *wal) replay(salvage bool, rep *SalvageReport) (uint64, error) {
	ns, err := w.segments()
	if err != nil {
		return 0, err
	}
	applied, err := w.absorbed()
	if err != nil {
		return 0, err
	}
	last := applied
	// The newest segment that holds anything is the one a crash may have
	// cut short; later ones are empty spares.
	newest := -1
	for i, n := range ns {
		if fi, err := os.Stat(segmentPath(w.dir, n)); err == nil && fi.Size() > 0 {
			newest = i
		}
	}
	var payloads [][]byte
	var damaged []string
	for i, n := range ns {
		last = max(last, n)
		if n <= applied {
			continue
		}
		path := segmentPath(w.dir, n)
		b, err := os.ReadFile(path)
		if err != nil {
			return 0, fmt.Errorf("read write-ahead log: %w", err)
		}
		recs, bad := scanSegment(path, b, i == newest)
		if len(bad) > 0 {
			if !salvage {
				return 0, &CorruptError{File: path, Offset: bad[0].Offset, Reason: bad[0].Reason}
			}
			rep.Losses = append(rep.Losses, bad...)
			damaged = append(damaged, path)
		}
		payloads = append(payloads, recs...)
	}
	if len(ns) > 0 {
		err := w.db.Update(func(tx *bolt.Tx) error {
			for _, p := range payloads {
				if err := applyRecord(tx, p); err != nil {
					return err
				}
			}
			return markAbsorbed(tx, last)
		})
		if err != nil {
			return 0, fmt.Errorf("replay write-ahead log: %w", err)
		}
		if rep != nil {
			rep.Recovered += len(payloads)
		}
	}
	for _, path := range damaged {
		if err := os.Rename(path, path+corruptSuffix); err != nil {
			return 0, fmt.Errorf("salvage: keep %s aside: %w", path, err)
		}
	}
	for _, n := range ns {
		if err := os.Remove(segmentPath(w.dir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return 0, fmt.Errorf("remove replayed write-ahead log: %w", err)
		}
	}
	return last, nil
}

// absorbed is the last segment number whose records are all in bbolt.
func (w *wal) absorbed() (uint64, error) {
	var n uint64
	err := w.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte(checkpointBucket)); b != nil {
			if v := b.Get([]byte(checkpointKey)); len(v) == 8 {
				n = binary.BigEndian.Uint64(v)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("read checkpoint: %w", err)
	}
	return n, nil
}

func markAbsorbed(tx *bolt.Tx, n uint64) error {
	b, err := tx.CreateBucketIfNotExists([]byte(checkpointBucket))
	if err != nil {
		return err
	}
	v := make([]byte, 8)
	binary.BigEndian.PutUint64(v, n)
	return b.Put([]byte(checkpointKey), v)
}

// parseRecords splits a segment into record payloads; complete is false
// when it ends in a partial or corrupt record.
func parseRecords(b []byte) (payloads [][]byte, complete bool) {
	for off := 0; off < len(b); {
		n, ok := recordAt(b, off)
		if !ok {
			return payloads, false
		}
		payloads = append(payloads, b[off+recordHeader:off+n])
		off += n
	}
	return payloads, true
}

// recordAt is the length (header included) of an intact record at off.
func recordAt(b []byte, off int) (int, bool) {
	if len(b)-off < recordHeader {
		return 0, false
	}
	n := binary.LittleEndian.Uint32(b[off:])
	sum := binary.LittleEndian.Uint32(b[off+4:])
	if n == 0 || uint64(n) > uint64(len(b)-off-recordHeader) {
		return 0, false
	}
	end := off + recordHeader + int(n)
	if crc32.Checksum(b[off+recordHeader:end], castagnoli) != sum {
		return 0, false
	}
	return recordHeader + int(n), true
}

// scanSegment returns the intact records of a segment and the damaged
// stretches between them. A damaged stretch at the end of the newest
// segment that looks like a torn write is dropped silently.
//
// Telling a torn write from damage (the idea, not the code, of etcd's WAL
// decoder): a crash mid-append leaves the last record incomplete — its
// header or payload cut short by the end of the file, or never written
// beyond zeros (a sector of it all zeros) — and nothing intact after it,
// since records are appended one at a time. A record that fails its
// checksum with intact records after it, or a bad record in an older
// segment (synced before the next was started), is damage.
func scanSegment(path string, b []byte, newest bool) (recs [][]byte, bad []Loss) {
	for off := 0; off < len(b); {
		if n, ok := recordAt(b, off); ok {
			recs = append(recs, b[off+recordHeader:off+n])
			off += n
			continue
		}
		next := resync(b, off)
		if newest && next == len(b) && tornTail(b, off) {
			return recs, bad
		}
		bad = append(bad, Loss{File: path, Offset: int64(off), Bytes: int64(next - off), Reason: badRecordReason(b, off)})
		off = next
	}
	return recs, bad
}

// resync is the offset of the next intact record after a damaged one at
// off (len(b) when there is none). Its length field is tried first; then
// every later offset, the checksum ruling out chance matches.
func resync(b []byte, off int) int {
	if len(b)-off >= recordHeader {
		if n := int(binary.LittleEndian.Uint32(b[off:])); n > 0 && n <= len(b)-off-recordHeader {
			if next := off + recordHeader + n; next == len(b) {
				// The damaged record ends the segment, by its own length.
			} else if _, ok := recordAt(b, next); ok {
				return next
			}
		}
	}
	for p := off + 1; p+recordHeader < len(b); p++ {
		if _, ok := recordAt(b, p); ok {
			return p
		}
	}
	return len(b)
}

// sectorSize is the unit a disk writes atomically (or not at all).
const sectorSize = 512

// tornTail says whether the damaged stretch from off to the end of b is a
// write cut short by a crash.
func tornTail(b []byte, off int) bool {
	rest := b[off:]
	if len(rest) < recordHeader {
		return true
	}
	n := uint64(binary.LittleEndian.Uint32(rest))
	if n+recordHeader > uint64(len(rest)) {
		return true // cut short
	}
	if n+recordHeader < uint64(len(rest)) {
		return allZero(rest[n+recordHeader:]) && zeroSector(b, off, off+int(n)+recordHeader) // zeros after a zeroed record
	}
	return zeroSector(b, off, len(b))
}

// zeroSector says whether [from, to) covers or touches a sector-aligned
// stretch of b that is all zeros (one the crash never wrote), or is all
// zeros itself.
func zeroSector(b []byte, from, to int) bool {
	if allZero(b[from:to]) {
		return true
	}
	for s := from - from%sectorSize; s < to; s += sectorSize {
		lo, hi := max(s, from), min(s+sectorSize, to)
		if hi > lo && allZero(b[lo:hi]) && (hi-lo == sectorSize || hi == to) {
			return true
		}
	}
	return false
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func badRecordReason(b []byte, off int) string {
	rest := b[off:]
	if len(rest) < recordHeader {
		return "write-ahead log record header cut short"
	}
	n := uint64(binary.LittleEndian.Uint32(rest))
	switch {
	case n == 0:
		return "write-ahead log record of length 0"
	case n+recordHeader > uint64(len(rest)):
		return fmt.Sprintf("write-ahead log record of %d bytes runs past the end of the segment", n)
	}
	return "write-ahead log record fails its CRC-32C checksum"
}

// nextSegment is segment n: the spare made ahead, or a new one. Called
// under ckMu.
func (w *wal) nextSegment(n uint64) (*segment, error) {
	if sp := w.spare; sp != nil {
		w.spare = nil
		if sp.n == n {
			return sp, nil
		}
		_ = sp.f.Close()
		_ = os.Remove(sp.path)
	}
	return w.createSegment(n)
}

func (w *wal) createSegment(n uint64) (*segment, error) {
	path := segmentPath(w.dir, n)
	f, err := w.openFile(path, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create write-ahead log segment: %w", err)
	}
	// The new name must be durable before a record synced in the file is
	// acknowledged.
	if err := syncDir(w.dir); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return nil, fmt.Errorf("create write-ahead log segment: %w", err)
	}
	return &segment{n: n, path: path, f: f}, nil
}

// encodeRecord makes one log record (header included) of the ops of a
// batch of writes, in order.
func encodeRecord(batch [][]Op) []byte {
	size, n := binary.MaxVarintLen64, 0
	for _, ops := range batch {
		n += len(ops)
		for _, op := range ops {
			size += 1 + 3*binary.MaxVarintLen64 + len(op.Bucket) + len(op.Key) + len(op.Value)
		}
	}
	rec := make([]byte, recordHeader, recordHeader+size)
	rec = binary.AppendUvarint(rec, uint64(n))
	for _, ops := range batch {
		for _, op := range ops {
			rec = appendOp(rec, op)
		}
	}
	payload := rec[recordHeader:]
	binary.LittleEndian.PutUint32(rec[0:4], uint32(len(payload)))
	binary.LittleEndian.PutUint32(rec[4:8], crc32.Checksum(payload, castagnoli))
	return rec
}

// append logs one batch as one record and returns once it is on disk.
func (w *wal) append(batch []*write) error {
	ops := make([][]Op, len(batch))
	for i, wr := range batch {
		ops[i] = wr.ops
	}
	rec := encodeRecord(ops)
	payload := rec[recordHeader:]

	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failed != nil {
		return w.failed
	}
	seg := w.active
	if _, err := seg.f.WriteAt(rec, seg.size); err != nil {
		return w.failLocked(fmt.Errorf("write-ahead log: %w", err))
	}
	if err := fdatasync(seg.f); err != nil {
		// Whether the record reached the disk is unknown: take no more
		// writes rather than log past it.
		return w.failLocked(fmt.Errorf("sync write-ahead log: %w", err))
	}
	seg.size += int64(len(rec))
	seg.records = append(seg.records, payload)
	w.overlay.record(batch, seg.n) // before a checkpoint can take the segment
	w.pending += int64(len(rec))
	if w.pending >= checkpointBytes {
		select {
		case w.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

func (w *wal) failLocked(err error) error {
	w.failed = err
	return err
}

func appendOp(b []byte, op Op) []byte {
	kind := opPut
	switch {
	case op.DeleteBucket:
		kind = opDropBucket
	case op.Delete:
		kind = opDel
	}
	b = append(b, kind)
	b = appendBytes(b, op.Bucket)
	if kind == opDropBucket {
		return b
	}
	b = appendBytes(b, op.Key)
	if kind == opPut {
		b = binary.AppendUvarint(b, uint64(len(op.Value)))
		b = append(b, op.Value...)
	}
	return b
}

func appendBytes(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errBadRecord = errors.New("malformed write-ahead log record")

// applyRecord applies one logged batch inside tx.
func applyRecord(tx *bolt.Tx, p []byte) error {
	n, p, ok := readUvarint(p)
	if !ok {
		return errBadRecord
	}
	for range n {
		if len(p) == 0 {
			return errBadRecord
		}
		kind := p[0]
		p = p[1:]
		var op Op
		var bucket, key, value []byte
		if bucket, p, ok = readBytes(p); !ok {
			return errBadRecord
		}
		op.Bucket = string(bucket)
		switch kind {
		case opDropBucket:
			op.DeleteBucket = true
		case opDel, opPut:
			if key, p, ok = readBytes(p); !ok {
				return errBadRecord
			}
			op.Key = string(key)
			if kind == opDel {
				op.Delete = true
			} else {
				if value, p, ok = readBytes(p); !ok {
					return errBadRecord
				}
				op.Value = value // bbolt copies it
			}
		default:
			return errBadRecord
		}
		if checkOp(op) != nil {
			continue // refused by Write, so never logged; skipped rather than fail a replay
		}
		if err := apply(tx, op); err != nil {
			return err
		}
	}
	return nil
}

func readUvarint(p []byte) (uint64, []byte, bool) {
	v, n := binary.Uvarint(p)
	if n <= 0 {
		return 0, nil, false
	}
	return v, p[n:], true
}

func readBytes(p []byte) ([]byte, []byte, bool) {
	n, p, ok := readUvarint(p)
	if !ok || n > uint64(len(p)) {
		return nil, nil, false
	}
	return p[:n], p[n:], true
}

// loop checkpoints when enough is logged, and periodically.
func (w *wal) loop() {
	defer close(w.loopDone)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-w.kick:
		case <-t.C:
		}
		_ = w.checkpoint() // a failure is sticky: Write and the reads report it
	}
}

// checkpoint moves everything logged so far into bbolt and removes the
// segments it came from. Writes go on meanwhile, into a new segment.
func (w *wal) checkpoint() error {
	w.ckMu.Lock()
	defer w.ckMu.Unlock()
	w.mu.Lock()
	failed, rotate, n := w.failed, len(w.active.records) > 0, w.active.n+1
	w.mu.Unlock()
	if failed != nil {
		return failed
	}
	if rotate {
		// Made outside mu (it syncs the directory): writes go on meanwhile.
		next, err := w.nextSegment(n)
		if err != nil {
			// Not sticky: nothing was written, writes go on into the
			// active segment, and the next checkpoint tries again.
			return err
		}
		w.mu.Lock()
		old := w.active
		_ = old.f.Close() // synced record by record
		old.f = nil
		w.sealed = append(w.sealed, old)
		w.active = next
		w.mu.Unlock()
		w.spare, _ = w.createSegment(n + 1) // best effort, as in openWAL
	}
	w.mu.Lock()
	done := slices.Clone(w.sealed)
	w.mu.Unlock()
	if len(done) == 0 {
		return nil
	}
	var size int64
	err := w.db.Update(func(tx *bolt.Tx) error {
		for _, seg := range done {
			size += seg.size
			for _, p := range seg.records {
				if err := applyRecord(tx, p); err != nil {
					return err
				}
			}
		}
		return markAbsorbed(tx, done[len(done)-1].n)
	})
	w.mu.Lock()
	if err != nil {
		err = w.failLocked(fmt.Errorf("checkpoint write-ahead log: %w", err))
		w.mu.Unlock()
		return err
	}
	w.sealed = w.sealed[len(done):]
	w.pending -= size
	w.mu.Unlock()
	w.overlay.forget(done[len(done)-1].n)
	for _, seg := range done {
		// A segment left behind is skipped by the next replay (bbolt
		// records it as absorbed) and removed then.
		_ = os.Remove(seg.path)
	}
	return nil
}

// close stops the checkpointer, checkpoints what is left and removes the
// log. On failure the segments stay for the next Open to replay.
func (w *wal) close() error {
	close(w.stop)
	<-w.loopDone
	err := w.checkpoint()
	w.ckMu.Lock()
	if sp := w.spare; sp != nil {
		w.spare = nil
		_ = sp.f.Close()
		_ = os.Remove(sp.path)
	}
	w.ckMu.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.active.f != nil {
		_ = w.active.f.Close()
		w.active.f = nil
	}
	if err == nil && len(w.active.records) == 0 {
		_ = os.Remove(w.active.path)
	}
	return err
}

// checkOp refuses what bbolt would refuse, before the op is logged: once a
// record is acknowledged its application must not fail.
func checkOp(op Op) error {
	switch {
	case op.Bucket == "":
		return fmt.Errorf("store: %w", bolt.ErrBucketNameRequired)
	case len(op.Bucket) > bolt.MaxKeySize:
		return fmt.Errorf("store: bucket name: %w", bolt.ErrKeyTooLarge)
	case op.DeleteBucket:
		return nil
	case op.Key == "" && !op.Delete:
		return fmt.Errorf("store: put in %s: %w", op.Bucket, bolt.ErrKeyRequired)
	case len(op.Key) > bolt.MaxKeySize:
		return fmt.Errorf("store: key in %s: %w", op.Bucket, bolt.ErrKeyTooLarge)
	case len(op.Value) > bolt.MaxValueSize:
		return fmt.Errorf("store: value of %s/%s: %w", op.Bucket, op.Key, bolt.ErrValueTooLarge)
	}
	return nil
}
