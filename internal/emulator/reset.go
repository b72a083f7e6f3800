package emulator

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/store"
)

// ErrServing is returned by Reset when an emulator serves the data dir.
var ErrServing = errors.New("an emulator is serving the data dir")

// Reset empties the state in dataDir: the store and its write-ahead log,
// and a stale endpoint file. It removes only the files the emulator
// writes (a --data-dir pointed somewhere else by mistake loses nothing
// else), and refuses while any process holds the data dir. It returns the
// names of the files it removed.
func Reset(ctx context.Context, dataDir string) ([]string, error) {
	if ep, err := ReadEndpoint(dataDir); err == nil && ep.Check(ctx, dataDir) == nil {
		return nil, fmt.Errorf("%w: %s serves %s (pid %d); stop it first", ErrServing, ep.URL, dataDir, ep.PID)
	}
	st, err := store.Open(dataDir, store.Options{})
	switch {
	case errors.Is(err, store.ErrInUse):
		return nil, fmt.Errorf("%w: %s; wait for it to finish", err, dataDir)
	case err == nil:
		if err := st.Close(); err != nil {
			return nil, fmt.Errorf("close store: %w", err)
		}
	}
	// Any other error is a damaged store, which is what a reset is for.
	entries, err := os.ReadDir(dataDir)
	if err != nil {
		return nil, fmt.Errorf("read data dir: %w", err)
	}
	var removed []string
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !(n == store.FileName || n == EndpointFile || n == EndpointFile+".tmp" || strings.HasPrefix(n, "emulator.wal.")) {
			continue
		}
		if err := os.Remove(filepath.Join(dataDir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return removed, fmt.Errorf("remove %s: %w", n, err)
		}
		removed = append(removed, n)
	}
	return removed, nil
}
