package emulator

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestHealthIntroducesTheEmulator: GET /_orders/health answers unsigned
// with who this emulator is: its instance, account, region, data dir,
// services and uptime.
func TestHealthIntroducesTheEmulator(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e, url := openAt(t, dir)
	resp, err := http.Get(url + HealthPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("health: %s, content type %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	var h Health
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	if h.Service != HealthService || h.Instance == "" || h.Instance != e.Instance() || h.PID != os.Getpid() ||
		h.Account != DefaultAccount || h.Region != "us-east-1" || h.DataDir != dir || h.Uptime < 0 {
		t.Errorf("health: %+v", h)
	}
	for _, s := range []string{"dynamodb", "sqs", "sns", "iam", "sts", "logs", "lambda"} {
		if !strings.Contains(strings.Join(h.Services, ","), s) {
			t.Errorf("health lists services %v, not %s", h.Services, s)
		}
	}
}

// TestStaleEndpointFileIsNotTrusted: an
// endpoint.json left by a process that died names a port another emulator
// (over another data dir) now serves; Check must refuse it, naming why,
// and accept the one the file really describes.
func TestStaleEndpointFileIsNotTrusted(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	mine, other := t.TempDir(), t.TempDir()
	e, url := openAt(t, other)

	// What a crashed server on `mine` left behind: its port, now other's.
	stale := Endpoint{URL: url, PID: os.Getpid(), Account: e.Account(), Instance: "a-process-that-died", DataDir: mine}
	if err := stale.Check(ctx, mine); err == nil {
		t.Fatalf("an endpoint file of %s was trusted though %s serves %s", mine, url, other)
	} else if !strings.Contains(err.Error(), other) {
		t.Errorf("the refusal does not say whose emulator answers: %v", err)
	}
	// A file without an instance id (older orders) is not trusted either:
	// nothing says the server is the one that wrote it.
	if err := (Endpoint{URL: url, PID: os.Getpid(), Account: e.Account()}).Check(ctx, other); err == nil {
		t.Error("an endpoint file without an instance id was trusted")
	}
	if err := e.Advertised().Check(ctx, other); err != nil {
		t.Errorf("the emulator's own endpoint record is refused: %v", err)
	}
	if err := e.Advertised().Check(ctx, mine); err == nil {
		t.Error("the record of other's emulator was accepted for mine")
	}
}
