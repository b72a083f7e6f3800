package emulator

import (
	"io"
	"net"
	"net/http"
	"testing"
)

// A connection that never sent a request is cut at shutdown; one that did
// is left for http.Server.Shutdown to finish.
func TestShutdownCutsSpareConnections(t *testing.T) {
	var sc spareConns
	spareSrv, spareCli := net.Pipe()
	usedSrv, usedCli := net.Pipe()
	defer spareCli.Close()
	defer usedCli.Close()
	defer usedSrv.Close()
	sc.track(spareSrv, http.StateNew)
	sc.track(usedSrv, http.StateNew)
	sc.track(usedSrv, http.StateActive)

	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { sc.cutUntil(stop); close(done) }()
	if _, err := spareCli.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read from the spare connection: %v, want EOF (closed by shutdown)", err)
	}
	close(stop)
	<-done
	// The used connection is still open: a write reaches the other end.
	go func() { _, _ = usedCli.Write([]byte("x")) }()
	if _, err := usedSrv.Read(make([]byte, 1)); err != nil {
		t.Fatalf("the connection that sent a request was cut: %v", err)
	}
}
