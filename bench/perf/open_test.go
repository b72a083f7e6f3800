//go:build linux

package perf

import (
	"os"
	"testing"
	"time"

	"github.com/orders-dev/orders/internal/emulator"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// TestOpenTime times opening the store and the whole emulator on an
// existing data dir (ORDERS_PERF_OPEN_DIR, e.g. $XDG_DATA_HOME/orders after
// a load run): what every `orders --local` command pays before its first
// request, and which grows with the data the services load.
func TestOpenTime(t *testing.T) {
	dir := os.Getenv("ORDERS_PERF_OPEN_DIR")
	if dir == "" {
		t.Skip("set ORDERS_PERF_OPEN_DIR")
	}
	for range 3 {
		t0 := time.Now()
		st, err := store.Open(dir, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t1 := time.Now()
		st.Close()
		emu, err := emulator.Open(emulator.Options{DataDir: dir, Enforce: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("store open %v, emulator open %v", t1.Sub(t0), time.Since(t1))
		emu.Close()
	}
}
