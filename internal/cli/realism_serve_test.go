package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/orders-dev/orders/internal/emulator"
	"github.com/orders-dev/orders/internal/emulator/realism"
)

// Bad realism settings are usage errors naming the flag or variable, and
// nothing is started.
func TestRealismSettingsAreValidated(t *testing.T) {
	isolate(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"local", "serve", "--in-memory", "--realism", "slow"}, "--realism"},
		{[]string{"local", "serve", "--in-memory", "--realism", "aws", "--realism-scale", "-1"}, "--realism-scale"},
		{[]string{"local", "serve", "--in-memory", "--fault-rate", "1.5"}, "--fault-rate"},
	} {
		ios, _, _, errOut := TestIO()
		if code := Run(context.Background(), Options{IO: ios}, c.args); code != ExitUsage || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("orders %s: exit %d, stderr %q; want a usage error naming %s", strings.Join(c.args, " "), code, errOut, c.want)
		}
	}
	for name, value := range map[string]string{realism.EnvMode: "fast", realism.EnvScale: "x", realism.EnvFaultRate: "2", realism.EnvFaultSeed: "seven"} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, value)
			ios, _, _, errOut := TestIO()
			args := []string{"--data-dir", t.TempDir(), "--local", "verify"}
			if code := Run(context.Background(), Options{IO: ios}, args); code != ExitUsage || !strings.Contains(errOut.String(), name) {
				t.Errorf("%s=%s orders %s: exit %d, stderr %q; want a usage error naming %s", name, value, strings.Join(args, " "), code, errOut, name)
			}
		})
	}
}

// The serve banner and the health endpoint state the active profile.
func TestServeStatesTheRealismProfile(t *testing.T) {
	isolate(t)
	ctx, cancel := context.WithCancel(context.Background())
	errOut := &syncBuffer{}
	ios, _, _, _ := TestIO()
	ios.ErrOut = errOut
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, Options{IO: ios}, []string{"local", "serve", "--in-memory", "--addr", "127.0.0.1:0",
			"--realism", "aws", "--realism-scale", "0.05", "--fault-rate", "0.25", "--fault-seed", "9"})
	}()
	defer func() {
		cancel()
		if code := <-done; code != ExitOK {
			t.Errorf("local serve: exit %d\n%s", code, errOut)
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(errOut.String(), "orders --endpoint-url") {
		if time.Now().After(deadline) {
			t.Fatalf("local serve printed no banner:\n%s", errOut)
		}
		select {
		case code := <-done:
			done <- code
			t.Fatalf("local serve exited %d:\n%s", code, errOut)
		case <-time.After(20 * time.Millisecond):
		}
	}
	if want := "realism aws (delays × 0.05), faults on 25% of calls (seed 9)"; !strings.Contains(errOut.String(), want) {
		t.Errorf("banner lacks %q:\n%s", want, errOut)
	}
	url := strings.Fields(bannerLine(t, errOut.String(), "orders --endpoint-url"))[2]
	h, err := emulator.FetchHealth(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	if h.Realism == nil || *h.Realism != (realism.Summary{Mode: realism.AWS, Scale: 0.05, FaultRate: 0.25, Seed: 9}) {
		t.Errorf("health realism = %+v", h.Realism)
	}
}
