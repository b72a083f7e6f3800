package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orders-dev/orders/function"
	"github.com/orders-dev/orders/internal/config"
)

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Each setting comes from the first of: flag, ORDERS_<FLAG>, config file,
// default.
func TestSettingPrecedence(t *testing.T) {
	h := newHarness(t)
	writeFile(t, "orders.yaml", `
region: eu-west-1
threshold: 50
timeout: 20
memory: 256
prefix: file-
iam-wait: 30s
`)
	t.Setenv("ORDERS_THRESHOLD", "75")
	t.Setenv("ORDERS_TIMEOUT", "30")
	t.Setenv("ORDERS_PREFIX", "env-")
	if code := h.run("up", "--timeout", "40", "--prefix", "flag-"); code != ExitOK {
		t.Fatalf("exit %d, want 0", code)
	}
	got := h.factoryCfg
	want := config.Default()
	want.Region = "eu-west-1" // file
	want.Threshold = "75"     // env beats file
	want.Timeout = 40         // flag beats env and file
	want.MemoryMB = 256       // file
	want.Prefix = "flag-"     // flag beats env and file
	want.IAMWait = 30 * time.Second
	if got != want {
		t.Errorf("resolved config\n got %+v\nwant %+v", got, want)
	}
	if h.newStackCfg != want {
		t.Errorf("the stack was given %+v, want %+v", h.newStackCfg, want)
	}
}

// The environment and the file apply to every command, even one without
// the flag: status judges drift against the architecture they ask for.
func TestSettingsApplyToCommandsWithoutTheFlag(t *testing.T) {
	h := newHarness(t)
	t.Setenv("ORDERS_ARCH", "x86_64")
	writeFile(t, "orders.yaml", "log-retention-days: 30\n")
	if code := h.run("status"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if h.factoryCfg.Arch != config.ArchX86_64 || h.factoryCfg.LogRetentionDays != 30 {
		t.Errorf("status resolved arch %q, retention %d; want x86_64 from ORDERS_ARCH, 30 from the file",
			h.factoryCfg.Arch, h.factoryCfg.LogRetentionDays)
	}
}

func TestConfigFileFlagAndEnv(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	writeFile(t, a, "region: ap-south-1\n")
	writeFile(t, b, "region: sa-east-1\n")

	h := newHarness(t)
	writeFile(t, "orders.yaml", "region: us-west-2\n") // not read: --config names another
	t.Setenv("ORDERS_CONFIG", b)
	if code := h.run("status", "--config", a); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if h.factoryCfg.Region != "ap-south-1" {
		t.Errorf("--config: region %q, want ap-south-1", h.factoryCfg.Region)
	}

	h = newHarness(t)
	t.Setenv("ORDERS_CONFIG", b)
	if code := h.run("status"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if h.factoryCfg.Region != "sa-east-1" {
		t.Errorf("ORDERS_CONFIG: region %q, want sa-east-1", h.factoryCfg.Region)
	}
}

func TestBadSettingsFromFileAndEnvExit2(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		env        map[string]string
		args       []string
		want       string
	}{
		{name: "unknown key", file: "regoin: us-east-1\n", want: `unknown setting "regoin"`},
		{name: "bad number in file", file: "timeout: abc\n", want: `config file orders.yaml: timeout: want a whole number, got "abc"`},
		{name: "bad value in file", file: "arch: sparc\n", want: `config file orders.yaml: arch: must be arm64 or x86_64, got "sparc"`},
		{name: "not YAML", file: "region: [\n", want: "config file orders.yaml"},
		{name: "bad bool in env", env: map[string]string{"ORDERS_LOCAL": "maybe"}, want: `ORDERS_LOCAL: want true or false, got "maybe"`},
		{name: "bad duration in env", env: map[string]string{"ORDERS_IAM_WAIT": "2"}, want: `ORDERS_IAM_WAIT: want a duration`},
		{name: "bad output in env", env: map[string]string{"ORDERS_OUTPUT": "xml"}, want: `ORDERS_OUTPUT: must be text or json, got "xml"`},
		{name: "missing --config", args: []string{"--config", "nope.yaml"}, want: "config file: stat nope.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			if tc.file != "" {
				writeFile(t, "orders.yaml", tc.file)
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			if code := h.run(append([]string{"status"}, tc.args...)...); code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
			if !strings.Contains(h.errOut.String(), tc.want) {
				t.Errorf("stderr lacks %q:\n%s", tc.want, h.errOut)
			}
			if h.factoryCalls != 0 {
				t.Error("a bad setting reached for AWS clients")
			}
		})
	}
}

// A command's own flags (here policy --account) take ORDERS_* and file
// values too, without the command doing anything.
func TestCommandFlagsFromEnvAndFile(t *testing.T) {
	h := newHarness(t)
	t.Setenv("ORDERS_ACCOUNT", "123456789012")
	writeFile(t, "orders.yaml", "region: us-east-2\n")
	if code := h.run("policy", "trust"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if h.factoryCalls != 0 {
		t.Error("policy with an account from ORDERS_ACCOUNT still called AWS")
	}

	h = newHarness(t)
	writeFile(t, "orders.yaml", "account: \"123456789012\"\nregion: us-east-2\n")
	if code := h.run("policy", "function"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if want := "arn:aws:dynamodb:us-east-2:123456789012:table/OrdersTable"; !strings.Contains(h.out.String(), want) {
		t.Errorf("policy from the file's account lacks %s:\n%s", want, h.out)
	}
}

// With --local the function runs on this machine, so the default
// architecture is the host's; an explicit one is kept.
func TestLocalDefaultsToHostArch(t *testing.T) {
	h := newHarness(t)
	if code := h.run("--local", "status"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if got, want := h.factoryCfg.Arch, function.HostArch(); got != want || !h.factoryCfg.Local {
		t.Errorf("--local: arch %q (local %v), want the host's %q", got, h.factoryCfg.Local, want)
	}

	h = newHarness(t)
	t.Setenv("ORDERS_LOCAL", "true")
	if code := h.run("up", "--arch", "x86_64"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if h.factoryCfg.Arch != "x86_64" || !h.factoryCfg.Local {
		t.Errorf("ORDERS_LOCAL + --arch x86_64: got arch %q local %v", h.factoryCfg.Arch, h.factoryCfg.Local)
	}
}

// Each run has its own viper: a setting of one run does not leak into the next.
func TestRunsDoNotShareSettings(t *testing.T) {
	h := newHarness(t)
	if code := h.run("status", "--region", "eu-north-1"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	h2 := newHarness(t)
	if code := h2.run("status"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if h2.factoryCfg.Region != "" {
		t.Errorf("second run inherited region %q", h2.factoryCfg.Region)
	}
}
