// Package config holds the settings of one orders run: where to talk to
// AWS, what to call the resources and how to configure them. The CLI fills a
// Config from flags, ORDERS_* variables and the config file; everything else
// only reads it.
package config

import (
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/orders-dev/orders/function/handler"
)

// StackTagKey is the tag every taggable resource carries; its value is
// Names.Stack, so destroy and status can tell the stack's resources apart.
const StackTagKey = "orders:stack"

// Architectures Lambda accepts, in the spelling Lambda uses.
const (
	ArchARM64  = "arm64"
	ArchX86_64 = "x86_64"
)

// Output formats.
const (
	OutputText = "text"
	OutputJSON = "json"
)

// Config is everything one run needs to know. The zero value is not useful:
// start from Default and override.
type Config struct {
	Region, Profile, EndpointURL string
	Local                        bool
	DataDir                      string
	Output                       string // "text" | "json"
	Prefix                       string // prepended to every resource name
	Arch                         string // "arm64" | "x86_64"
	Threshold                    string // decimal string: an order notifies when Amount > Threshold
	LogRetentionDays             int32  // one of CloudWatch Logs' allowed values
	IAMWait                      time.Duration
	Timeout                      int32 // function timeout, seconds
	MemoryMB                     int32
	PermissionsBoundary          string // optional policy ARN set on the function's role
	Yes                          bool
	// Adopt lets up take over same-named resources that are not the
	// stack's (orders up --adopt): tag them, then converge them.
	Adopt bool
	// DryRun makes up and destroy print their plan and change nothing.
	DryRun bool
}

// Defaults, exported so help texts can quote them.
const (
	DefaultThreshold        = handler.DefaultThreshold // the function's own, so an unset THRESHOLD means the same
	DefaultLogRetentionDays = 14
	DefaultIAMWait          = 2 * time.Minute
	DefaultTimeout          = 10
	DefaultMemoryMB         = 128
)

// Default returns the settings used when nothing is configured: the seed's
// resource names, arm64 (cheaper on Lambda), threshold 100, 14 days of logs.
func Default() Config {
	return Config{
		DataDir:          DefaultDataDir(),
		Output:           OutputText,
		Arch:             ArchARM64,
		Threshold:        DefaultThreshold,
		LogRetentionDays: DefaultLogRetentionDays,
		IAMWait:          DefaultIAMWait,
		Timeout:          DefaultTimeout,
		MemoryMB:         DefaultMemoryMB,
	}
}

// DefaultDataDir is where --local keeps its state when --data-dir is not
// given: $XDG_DATA_HOME/orders, else the platform's per-user data directory.
// It returns "" only when no home directory can be found.
func DefaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "orders")
	}
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "orders")
		}
	case "darwin":
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, "Library", "Application Support", "orders")
		}
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "orders")
	}
	return ""
}
