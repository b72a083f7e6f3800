package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/orders-dev/orders/internal/config"
)

// Flags that are not config.Config fields' own.
const (
	flagConfig   = "config"
	flagYes      = "yes"
	flagAccount  = "account"
	flagAdopt    = "adopt"
	flagDryRun   = "dry-run"
	flagReadOnly = "read-only"
	flagDebug    = "debug"
)

// addGlobalFlags registers the flags every command takes.
func addGlobalFlags(fs *pflag.FlagSet) {
	d := config.Default()
	fs.String(config.FlagRegion, "", "AWS region (default: AWS_REGION or the profile's region)")
	fs.String(config.FlagProfile, "", "AWS shared-config profile (default: AWS_PROFILE, else the default profile)")
	fs.String(config.FlagEndpointURL, "", "send every AWS call to this endpoint, e.g. http://127.0.0.1:4566 (AWS_ENDPOINT_URL works too)")
	fs.Bool(config.FlagLocal, false, "use the built-in AWS emulator, keeping its state under --data-dir")
	fs.String(config.FlagDataDir, d.DataDir, "where --local keeps its state")
	fs.String(config.FlagOutput, d.Output, "output format: text or json (one JSON document on stdout)")
	fs.String(flagConfig, "", "config file (default: ./orders.yaml if present)")
	fs.String(config.FlagPrefix, "", "prefix for every resource name, so several stacks can share an account")
	fs.String(flagDebug, "", "trace every AWS call on stderr: --debug one line each (IAM action, status, retries, request id), --debug=wire with headers and bodies (secrets redacted)")
	fs.Lookup(flagDebug).NoOptDefVal = "calls"
}

// addStackFlags registers the flags that shape the stack's resources.
func addStackFlags(fs *pflag.FlagSet) {
	d := config.Default()
	fs.String(config.FlagArch, d.Arch, "function architecture: arm64 or x86_64 (with --local, the default is the host's)")
	fs.String(config.FlagThreshold, d.Threshold, "orders with an Amount above this notify the topic")
	fs.Int32(config.FlagLogRetentionDays, d.LogRetentionDays, "days CloudWatch Logs keeps the function's logs")
	fs.Duration(config.FlagIAMWait, d.IAMWait, "how long to wait for a new IAM role to become usable by Lambda")
	fs.Int32(config.FlagTimeout, d.Timeout, "function timeout in seconds")
	fs.Int32(config.FlagMemoryMB, d.MemoryMB, "function memory in MB")
	fs.String(config.FlagPermissionsBoundary, "", "ARN of a managed policy to set as the role's permissions boundary")
}

// A setting is a config.Config field: set by its flag, by ORDERS_<FLAG>, or
// by the config file key of the flag's name, whichever command runs (the
// environment and the file apply even to commands without the flag, so
// `ORDERS_ARCH=x86_64 orders status` judges drift against x86_64).
type setting struct {
	name string
	set  func(c *config.Config, raw string) error
}

var settings = []setting{
	stringSetting(config.FlagRegion, func(c *config.Config) *string { return &c.Region }),
	stringSetting(config.FlagProfile, func(c *config.Config) *string { return &c.Profile }),
	stringSetting(config.FlagEndpointURL, func(c *config.Config) *string { return &c.EndpointURL }),
	boolSetting(config.FlagLocal, func(c *config.Config) *bool { return &c.Local }),
	stringSetting(config.FlagDataDir, func(c *config.Config) *string { return &c.DataDir }),
	stringSetting(config.FlagOutput, func(c *config.Config) *string { return &c.Output }),
	stringSetting(config.FlagPrefix, func(c *config.Config) *string { return &c.Prefix }),
	stringSetting(config.FlagArch, func(c *config.Config) *string { return &c.Arch }),
	stringSetting(config.FlagThreshold, func(c *config.Config) *string { return &c.Threshold }),
	int32Setting(config.FlagLogRetentionDays, func(c *config.Config) *int32 { return &c.LogRetentionDays }),
	durationSetting(config.FlagIAMWait, func(c *config.Config) *time.Duration { return &c.IAMWait }),
	int32Setting(config.FlagTimeout, func(c *config.Config) *int32 { return &c.Timeout }),
	int32Setting(config.FlagMemoryMB, func(c *config.Config) *int32 { return &c.MemoryMB }),
	stringSetting(config.FlagPermissionsBoundary, func(c *config.Config) *string { return &c.PermissionsBoundary }),
	boolSetting(flagYes, func(c *config.Config) *bool { return &c.Yes }),
	boolSetting(flagDryRun, func(c *config.Config) *bool { return &c.DryRun }),
}

func stringSetting(name string, field func(*config.Config) *string) setting {
	return setting{name, func(c *config.Config, raw string) error {
		*field(c) = raw
		return nil
	}}
}

func boolSetting(name string, field func(*config.Config) *bool) setting {
	return setting{name, func(c *config.Config, raw string) error {
		b, err := strconv.ParseBool(strings.TrimSpace(raw))
		if err != nil {
			return fmt.Errorf("want true or false, got %q", raw)
		}
		*field(c) = b
		return nil
	}}
}

func int32Setting(name string, field func(*config.Config) *int32) setting {
	return setting{name, func(c *config.Config, raw string) error {
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 32)
		if err != nil {
			return fmt.Errorf("want a whole number, got %q", raw)
		}
		*field(c) = int32(n)
		return nil
	}}
}

func durationSetting(name string, field func(*config.Config) *time.Duration) setting {
	return setting{name, func(c *config.Config, raw string) error {
		d, err := time.ParseDuration(strings.TrimSpace(raw))
		if err != nil {
			return fmt.Errorf("want a duration such as 90s or 2m, got %q", raw)
		}
		*field(c) = d
		return nil
	}}
}

// envName is the variable that sets a flag: ORDERS_ and the flag's name in
// upper case, dashes as underscores.
func envName(flag string) string {
	return "ORDERS_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}
