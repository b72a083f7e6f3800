package emulator

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// spareConns tracks accepted connections that have not sent a request yet.
// An HTTP client often dials a spare connection it then never uses (a
// request finds an idle one first); http.Server.Shutdown counts such a
// connection as busy until it is 5 seconds old, so every --local command
// that ends its emulator would wait that long for nothing. Shutdown cuts
// connections that stayed silent for spareAfter instead: on loopback a
// client that dialed to send a request has sent it long before.
type spareConns struct {
	mu    sync.Mutex
	conns map[net.Conn]time.Time // accept time
}

const spareAfter = 50 * time.Millisecond

func (s *spareConns) track(c net.Conn, state http.ConnState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if state == http.StateNew {
		if s.conns == nil {
			s.conns = map[net.Conn]time.Time{}
		}
		s.conns[c] = time.Now()
		return
	}
	delete(s.conns, c)
}

// cutUntil closes silent connections older than spareAfter, checking
// again every few milliseconds, until stop is closed.
func (s *spareConns) cutUntil(stop <-chan struct{}) {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		s.mu.Lock()
		for c, at := range s.conns {
			if time.Since(at) >= spareAfter {
				_ = c.Close()
				delete(s.conns, c)
			}
		}
		s.mu.Unlock()
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}
