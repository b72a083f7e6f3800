//go:build unix

package emulator

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/orders-dev/orders/internal/emulator/store"
)

// TestServeRefusesDamagedStoreUntilSalvage: `orders local serve` over a
// damaged emulator.db exits non-zero naming the file, touching nothing;
// with --salvage it starts, says what was lost and serves.
func TestServeRefusesDamagedStoreUntilSalvage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	srv := serve(t, dir)
	if err := createOrdersTable(ctx, dynamodb.NewFromConfig(adminConfig(srv.url))); err != nil {
		t.Fatal(err)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-srv.exited
	path := filepath.Join(dir, store.FileName)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 8192; i < len(b); i += 5 {
		b[i] ^= 0x5a
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}

	bad, err := startServe(t, dir)
	if err == nil {
		t.Fatalf("orders local serve started over a damaged %s at %s", path, bad.url)
	}
	<-bad.exited
	if bad.err == nil || !strings.Contains(bad.stderrText(), path) || !strings.Contains(bad.stderrText(), "--salvage") {
		t.Fatalf("exit %v; stderr does not name %s and --salvage:\n%s", bad.err, path, bad.stderrText())
	}
	if after, err := os.ReadFile(path); err != nil || string(after) != string(b) {
		t.Fatalf("the refused start changed %s (%v)", path, err)
	}

	good, err := startServe(t, dir, "--salvage")
	if err != nil {
		t.Fatal(err)
	}
	// stderr is copied in the background: poll for the report.
	reported := func() bool {
		m := good.stderrText()
		return strings.Contains(m, "salvage:") && strings.Contains(m, path)
	}
	for deadline := time.Now().Add(30 * time.Second); !reported() && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if !reported() {
		t.Errorf("--salvage did not report the loss:\n%s", good.stderrText())
	}
	if _, err := os.Stat(path + ".corrupt"); err != nil {
		t.Errorf("the damaged file was not kept: %v", err)
	}
	if err := createOrdersTable(ctx, dynamodb.NewFromConfig(adminConfig(good.url))); err != nil {
		t.Errorf("the salvaged emulator does not serve: %v", err)
	}
}
