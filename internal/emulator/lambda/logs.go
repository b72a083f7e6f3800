package lambda

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"sync"
	"time"
)

const (
	maxEventBytes = 256 << 10 // CloudWatch's event size limit
	tailBytes     = 4 << 10   // LogType Tail returns the last 4 KB
	// flushEvents / flushBytes: past these an invocation's pending lines
	// are shipped before it ends, so a chatty function cannot hoard memory.
	flushEvents = 2000
	flushBytes  = 512 << 10
	// flushEvery ships a long invocation's lines periodically.
	flushEvery = time.Second
)

// collector reads an instance's stdout and stderr (one pipe, so their
// lines interleave as written) and files each line under the invocation
// running when it arrived. Lines written before the runtime posts its
// answer are in the pipe by the time the answer arrives; sync drains the
// pipe so they are never mistaken for the next invocation's.
type collector struct {
	f    *os.File
	now  func() time.Time
	ship func([]LogEvent) // hands a batch to the shipper

	mu      sync.Mutex
	pending []LogEvent
	bytes   int
	tailOn  bool
	tail    []byte
	partial []byte
	last    time.Time

	barrier chan struct{} // one signal per sync
	done    chan struct{} // closed when the pipe is closed or at EOF
}

func newCollector(f *os.File, now func() time.Time, ship func([]LogEvent)) *collector {
	return &collector{f: f, now: now, ship: ship, barrier: make(chan struct{}, 1), done: make(chan struct{})}
}

func (c *collector) run() {
	defer close(c.done)
	buf := make([]byte, 64<<10)
	for {
		n, err := c.f.Read(buf)
		if n > 0 {
			c.consume(buf[:n])
		}
		if err == nil {
			continue
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// sync asked for everything written so far.
			_ = c.f.SetReadDeadline(time.Time{})
			drainPipe(c.f, buf, c.consume)
			c.mu.Lock()
			c.flushPartialLocked()
			c.mu.Unlock()
			select {
			case c.barrier <- struct{}{}:
			default:
			}
			continue
		}
		c.mu.Lock()
		c.flushPartialLocked()
		c.mu.Unlock()
		return
	}
}

func (c *collector) consume(b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			c.partial = append(c.partial, b...)
			if len(c.partial) >= maxEventBytes {
				c.flushPartialLocked()
			}
			return
		}
		line := b[:i+1]
		b = b[i+1:]
		if len(c.partial) > 0 {
			c.partial = append(c.partial, line...)
			line = c.partial
		}
		c.addLocked(string(line))
		c.partial = c.partial[:0]
	}
	if len(c.pending) >= flushEvents || c.bytes >= flushBytes {
		c.shipLocked()
	}
}

func (c *collector) flushPartialLocked() {
	if len(c.partial) > 0 {
		c.addLocked(string(c.partial) + "\n")
		c.partial = c.partial[:0]
	}
}

// addLocked appends one event; messages end with "\n" as Lambda's do.
func (c *collector) addLocked(msg string) {
	if len(msg) > maxEventBytes {
		msg = msg[:maxEventBytes-1] + "\n"
	}
	t := c.now()
	if t.Before(c.last) {
		t = c.last // CloudWatch wants a batch in time order
	}
	c.last = t
	c.pending = append(c.pending, LogEvent{Timestamp: t, Message: msg})
	c.bytes += len(msg)
	if c.tailOn {
		c.tail = append(c.tail, msg...)
		if len(c.tail) > 4*tailBytes {
			c.tail = append(c.tail[:0], c.tail[len(c.tail)-tailBytes:]...)
		}
	}
}

func (c *collector) shipLocked() {
	if len(c.pending) == 0 {
		return
	}
	batch := c.pending
	c.pending = nil
	c.bytes = 0
	c.ship(batch)
}

// begin opens an invocation's log with its START line.
func (c *collector) begin(requestID string, wantTail bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tailOn = wantTail
	c.tail = c.tail[:0]
	c.addLocked("START RequestId: " + requestID + " Version: $LATEST\n")
}

// add writes platform lines (timeouts, runtime errors) into the log.
func (c *collector) add(lines ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range lines {
		c.addLocked(l)
	}
}

// periodic ships what a long invocation has printed so far.
func (c *collector) periodic() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.shipLocked()
}

// sync waits until every byte written to the pipe so far has been read.
func (c *collector) sync() {
	if c.f == nil {
		return
	}
	select {
	case <-c.done:
		return
	case <-c.barrier: // a stale signal from a sync that gave up
	default:
	}
	if err := c.f.SetReadDeadline(time.Unix(1, 0)); err != nil {
		return
	}
	t := time.NewTimer(time.Second)
	defer t.Stop()
	select {
	case <-c.barrier:
	case <-c.done:
	case <-t.C:
	}
}

// waitClosed waits for the reader to see the end of the pipe, which
// happens once the process and everything it started have exited.
func (c *collector) waitClosed(d time.Duration) {
	if c.f == nil {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.done:
	case <-t.C:
		_ = c.f.Close()
		<-c.done
	}
}

// end closes an invocation's log with END and REPORT, ships it and returns
// its tail (base64 is the caller's business) when Tail was asked for.
func (c *collector) end(requestID, report string) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.addLocked("END RequestId: " + requestID + "\n")
	c.addLocked(report)
	c.shipLocked()
	var tail []byte
	if c.tailOn {
		tail = c.tail
		if len(tail) > tailBytes {
			tail = tail[len(tail)-tailBytes:]
		}
		tail = append([]byte(nil), tail...)
	}
	c.tailOn = false
	return tail
}

func msFloat(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// reportLine is Lambda's REPORT line. initDur is set on cold starts only;
// status / errType on failures ("timeout", "error").
func reportLine(requestID string, dur time.Duration, memoryMB int32, maxMemMB int, initDur time.Duration, status, errType string) string {
	billed := int64(math.Ceil(msFloat(dur)))
	if billed < 1 {
		billed = 1
	}
	if initDur > 0 {
		billed += int64(math.Ceil(msFloat(initDur))) // custom runtimes bill init
	}
	if maxMemMB < 1 {
		maxMemMB = 1
	}
	s := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t",
		requestID, msFloat(dur), billed, memoryMB, maxMemMB)
	if initDur > 0 {
		s += fmt.Sprintf("Init Duration: %.2f ms\t", msFloat(initDur))
	}
	if status != "" {
		s += "Status: " + status + "\t"
		if errType != "" {
			s += "Error Type: " + errType + "\t"
		}
	}
	return s + "\n"
}

// logBatch is one Append's worth of events for a stream, or (flushed != nil)
// a marker that FlushLogs waits on.
type logBatch struct {
	region, account, group, stream string
	src                            LogSource
	events                         []LogEvent
	flushed                        chan struct{}
}

// shipper hands log batches to Logs.Append off the invoke path, in order,
// merging batches of the same stream that queue up while Append is busy.
type shipper struct {
	logs Logs
	log  *slog.Logger
	ch   chan *logBatch

	mu     sync.RWMutex
	closed bool
	done   chan struct{}
}

func newShipper(logs Logs, log *slog.Logger) *shipper {
	sh := &shipper{logs: logs, log: log, ch: make(chan *logBatch, 4096), done: make(chan struct{})}
	go sh.loop()
	return sh
}

func (sh *shipper) send(b *logBatch) {
	if sh.logs == nil && b.flushed == nil {
		return
	}
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	if sh.closed {
		if b.flushed != nil {
			close(b.flushed)
		}
		return
	}
	sh.ch <- b
}

func (sh *shipper) flush(ctx context.Context) error {
	b := &logBatch{flushed: make(chan struct{})}
	sh.send(b)
	select {
	case <-b.flushed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (sh *shipper) close() {
	sh.mu.Lock()
	if !sh.closed {
		sh.closed = true
		close(sh.ch)
	}
	sh.mu.Unlock()
	<-sh.done
}

func (sh *shipper) loop() {
	defer close(sh.done)
	for b := range sh.ch {
		batch := []*logBatch{b}
	more:
		for len(batch) < 256 {
			select {
			case x, ok := <-sh.ch:
				if !ok {
					break more
				}
				batch = append(batch, x)
			default:
				break more
			}
		}
		sh.ship(batch)
	}
}

func (sh *shipper) ship(batch []*logBatch) {
	type streamKey struct{ region, account, group, stream string }
	var order []streamKey
	merged := map[streamKey]*logBatch{}
	var markers []chan struct{}
	for _, b := range batch {
		if b.flushed != nil {
			markers = append(markers, b.flushed)
			continue
		}
		k := streamKey{b.region, b.account, b.group, b.stream}
		if m := merged[k]; m != nil {
			m.events = append(m.events, b.events...)
			continue
		}
		order = append(order, k)
		merged[k] = b
	}
	for _, k := range order {
		b := merged[k]
		ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), logSourceKey{}, b.src), 30*time.Second)
		if err := sh.logs.Append(ctx, b.region, b.account, b.group, b.stream, b.events); err != nil {
			sh.log.Warn("write function logs", "group", b.group, "stream", b.stream, "err", err)
		}
		cancel()
	}
	for _, m := range markers {
		close(m)
	}
}
