package cli

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/orders-dev/orders/internal/emulator"
)

// TestMain lets the test binary act as the orders command in scripts.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"orders": func() { os.Exit(Main()) },
	})
}

// TestScripts runs testdata/script/*.txtar: the user-visible behaviour of
// the real binary, its exit codes included.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":    exitsCmd,
			"emulator": emulatorCmd,
		},
	})
}

// exitsCmd is `exits CODE command [args...]`: run the command and require
// that exit code (testscript's `!` only tells zero from non-zero). Its
// stdout and stderr are then checked as for exec.
func exitsCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("usage: exits CODE command [args...] (no !)")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exits CODE command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad code %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// emulatorCmd is `emulator DIR`: serve the emulator over DIR from the test
// process for the rest of the script, as `orders local serve` does, and
// export its URL as EMULATOR_URL. `orders --local --data-dir DIR` then
// talks to it (through the endpoint file it writes in DIR), and
// `orders --endpoint-url $EMULATOR_URL` reaches the same state.
func emulatorCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: emulator DIR")
	}
	dir := ts.MkAbs(args[0])
	emu, err := emulator.Open(emulator.Options{DataDir: dir, Enforce: true})
	ts.Check(err)
	url, err := emu.Listen("127.0.0.1:0")
	if err != nil {
		_ = emu.Close()
		ts.Fatalf("emulator: %v", err)
	}
	ts.Check(emulator.WriteEndpoint(dir, emu.Advertised()))
	ts.Defer(func() {
		emulator.RemoveEndpoint(dir)
		if err := emu.Close(); err != nil {
			ts.Logf("emulator: close: %v", err)
		}
	})
	ts.Setenv("EMULATOR_URL", url)
}
