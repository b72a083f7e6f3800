package emulator

import (
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Slow and idle clients. A connection costs a file descriptor, and the
// store needs descriptors of its own (its file, WAL segments, every
// function instance's pipes and Runtime API listener): a client that opens
// thousands of connections and trickles bytes must not leave it none.
const (
	// headerTimeout bounds reading a request's headers.
	headerTimeout = 10 * time.Second
	// bodyTimeout plus the body's size at minBodyRate bound reading a
	// request's body: a 70 MB function upload may take 30 s + 267 s on a
	// slow machine, a trickling client no longer.
	bodyTimeout = 30 * time.Second
	minBodyRate = 256 << 10 // bytes per second
	// maxChunkedBody is what a body of unknown length is assumed to be
	// (Lambda's largest request) when its read deadline is set.
	maxChunkedBody = 70 << 20
	// writeTimeout bounds one answer: longer than anything the emulator
	// holds a request for (a 20 s long poll, an Invoke of a function with
	// the 900 s maximum timeout), so only a client that stops reading is cut.
	writeTimeout = 16 * time.Minute
	// idleTimeout closes kept-alive connections nobody uses.
	idleTimeout = 2 * time.Minute
	// fdReserve is the descriptors kept for everything but connections.
	fdReserve = 1024
	// maxConnsCeiling caps connections however many descriptors there are:
	// each costs a goroutine and buffers too.
	maxConnsCeiling = 4096
)

// connsFor is the connection cap for a descriptor limit of fds: half of
// it, leaving at least fdReserve, at least 64, at most maxConnsCeiling.
func connsFor(fds int64) int {
	n := fds / 2
	if fds-n < fdReserve {
		n = fds - fdReserve
	}
	return int(max(64, min(n, maxConnsCeiling)))
}

// limitListener accepts at most cap(sem) connections at once; Accept waits
// for one to close before taking the next.
type limitListener struct {
	net.Listener
	sem       chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	open      atomic.Int64
	peak      atomic.Int64
}

func newLimitListener(l net.Listener, n int) *limitListener {
	return &limitListener{Listener: l, sem: make(chan struct{}, n), done: make(chan struct{})}
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	n := l.open.Add(1)
	for {
		p := l.peak.Load()
		if n <= p || l.peak.CompareAndSwap(p, n) {
			break
		}
	}
	return &limitConn{Conn: c, l: l}, nil
}

func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

type limitConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.open.Add(-1)
		<-c.l.sem
	})
	return err
}

// connStats is how many connections are open now and were at most.
type connStats struct{ Open, Peak, Limit int64 }

// withDeadlines gives each request its own read and write deadlines: a
// body must arrive at minBodyRate (after bodyTimeout of grace), an answer
// be taken within writeTimeout. Once the body is read the read deadline is
// lifted, so a long poll or a long Invoke is not cut while the client
// waits quietly.
func withDeadlines(next http.Handler, bodyGrace time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
		size := r.ContentLength
		if size < 0 {
			size = maxChunkedBody
		}
		if size == 0 || r.Body == nil || r.Body == http.NoBody {
			_ = rc.SetReadDeadline(time.Time{})
		} else {
			_ = rc.SetReadDeadline(time.Now().Add(bodyGrace + time.Duration(size/minBodyRate)*time.Second))
			r.Body = &liftOnEOF{ReadCloser: r.Body, lift: func() { _ = rc.SetReadDeadline(time.Time{}) }}
		}
		next.ServeHTTP(w, r)
	})
}

// liftOnEOF calls lift once the body has been read to its end.
type liftOnEOF struct {
	io.ReadCloser
	lift func()
	once sync.Once
}

func (b *liftOnEOF) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.once.Do(b.lift)
	}
	return n, err
}
