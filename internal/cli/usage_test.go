package cli

import (
	"strings"
	"testing"
)

// Bad usage exits 2 with a message naming the problem, prints nothing on
// stdout, and never reaches AWS.
func TestBadUsageExits2(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"up", "--arch", "sparc"}, `--arch: must be arm64 or x86_64, got "sparc"`},
		{[]string{"--output", "yaml", "status"}, `--output: must be text or json, got "yaml"`},
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"up", "--no-such-flag"}, "unknown flag: --no-such-flag"},
		{[]string{"up", "extra"}, `unknown command "extra"`},
		{[]string{"up", "--timeout", "abc"}, `invalid argument "abc" for "--timeout"`},
		{[]string{"up", "--timeout", "0"}, "--timeout: must be between 1 and 900"},
		{[]string{"up", "--log-retention-days", "2"}, "--log-retention-days: must be one of"},
		{[]string{"up", "--threshold", "-1"}, "--threshold: must be a decimal number"},
		{[]string{"status", "--prefix", "bad prefix"}, "--prefix: may contain only"},
		{[]string{"policy"}, "policy: name one document: function, trust, queue, operator"},
		{[]string{"policy", "admin"}, "policy: name one document"},
		{[]string{"policy", "trust", "--account", "42", "--region", "us-east-1"}, "--account: must be a 12-digit AWS account ID"},
		{[]string{"policy", "trust", "--account", "123456789012"}, "--account: the ARNs need a region too"},
		{[]string{"destroy"}, "pass --yes to confirm"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			h := newHarness(t)
			if code := h.run(tc.args...); code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
			if !strings.Contains(h.errOut.String(), tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, h.errOut)
			}
			if h.out.Len() != 0 {
				t.Errorf("stdout not empty on bad usage:\n%s", h.out)
			}
			if h.factoryCalls != 0 {
				t.Error("bad usage reached for AWS clients")
			}
		})
	}
}

// Several bad values are reported together, each named by its flag.
func TestEveryBadValueNamed(t *testing.T) {
	h := newHarness(t)
	if code := h.run("up", "--arch", "sparc", "--memory", "1"); code != ExitUsage {
		t.Fatalf("exit %d, want %d", code, ExitUsage)
	}
	for _, want := range []string{"--arch:", "--memory:"} {
		if !strings.Contains(h.errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, h.errOut)
		}
	}
}

func TestHelpExits0(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"up", "--help"}, {}} {
		h := newHarness(t)
		if code := h.run(args...); code != ExitOK {
			t.Errorf("orders %v: exit %d, want 0", args, code)
		}
		if !strings.Contains(h.out.String(), "Usage:") {
			t.Errorf("orders %v: no usage on stdout:\n%s", args, h.out)
		}
	}
}

// --local needs a data dir: with none it is refused as bad usage, before
// an emulator is started anywhere.
func TestLocalWithoutDataDirIsRefused(t *testing.T) {
	h := newHarness(t)
	h.opts.ClientFactory = nil // the real default
	if code := h.run("--local", "--data-dir", "", "status"); code != ExitUsage {
		t.Errorf("exit %d, want %d", code, ExitUsage)
	}
	if want := "--data-dir: no default data directory on this machine; set --data-dir"; !strings.Contains(h.errOut.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, h.errOut)
	}
}
