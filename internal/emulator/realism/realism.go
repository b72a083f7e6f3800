// Package realism makes the emulator as difficult as AWS on purpose: the
// delays AWS documents before a change is seen everywhere (eventual
// consistency, resources that take a while to become ACTIVE) and the
// throttling and 5xx answers every AWS client must survive. A Profile says
// how much of that is on; the services ask it how long each documented
// delay lasts and the dispatcher asks it whether to fail a call.
//
// The zero value and a nil *Profile are "off": no delays, no faults, the
// emulator answers instantly and consistently.
package realism

import (
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Mode is how much of AWS's behaviour the emulator reproduces.
type Mode string

const (
	// Off answers instantly and consistently (fast tests, demos).
	Off Mode = "off"
	// AWS reproduces the documented delays (times Scale).
	AWS Mode = "aws"
)

// Environment variables the in-process emulator (orders --local) reads.
const (
	EnvMode      = "ORDERS_REALISM"
	EnvScale     = "ORDERS_REALISM_SCALE"
	EnvFaultRate = "ORDERS_FAULT_RATE"
	EnvFaultSeed = "ORDERS_FAULT_SEED"
)

// Config is what a user chooses; New validates it into a Profile.
type Config struct {
	Mode      Mode
	Scale     float64 // multiplies every delay; 1 = AWS's typical values
	FaultRate float64 // 0..1: share of eligible calls answered with a fault
	Seed      int64   // same seed + same calls = same faults and jitter
}

// DefaultConfig is off, scale 1, no faults, seed 1.
func DefaultConfig() Config { return Config{Mode: Off, Scale: 1, Seed: 1} }

// Profile is an active realism setting. It is safe for concurrent use.
type Profile struct {
	cfg Config

	mu     sync.Mutex
	calls  map[string]uint64 // per service/operation: how many eligible calls were decided
	jitter uint64            // how many random delays were drawn
}

// New validates c. A bad setting is a *ConfigError; callers prefix the
// flag or variable they read it from.
func New(c Config) (*Profile, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Mode == "" {
		c.Mode = Off
	}
	return &Profile{cfg: c, calls: map[string]uint64{}}, nil
}

// Setting names one of Config's settings, for errors.
type Setting int

const (
	SettingMode Setting = iota
	SettingScale
	SettingFaultRate
	SettingSeed
)

// ConfigError is a bad setting; callers name the flag or variable it came
// from (Setting says which).
type ConfigError struct {
	Setting Setting
	Msg     string
}

func (e *ConfigError) Error() string { return e.Msg }

// Validate reports the first bad setting as a *ConfigError.
func (c Config) Validate() error {
	if _, err := ParseMode(string(c.Mode)); err != nil {
		return err
	}
	if math.IsNaN(c.Scale) || math.IsInf(c.Scale, 0) || c.Scale < 0 {
		return &ConfigError{SettingScale, fmt.Sprintf("must be a number ≥ 0 (1 = AWS's typical delays, 0.05 for tests), got %v", c.Scale)}
	}
	if math.IsNaN(c.FaultRate) || c.FaultRate < 0 || c.FaultRate > 1 {
		return &ConfigError{SettingFaultRate, fmt.Sprintf("must be a number between 0 and 1, got %v", c.FaultRate)}
	}
	return nil
}

// ParseMode reads "off" or "aws" ("" is off).
func ParseMode(s string) (Mode, error) {
	switch Mode(strings.ToLower(strings.TrimSpace(s))) {
	case "", Off:
		return Off, nil
	case AWS:
		return AWS, nil
	}
	return "", &ConfigError{SettingMode, fmt.Sprintf("must be %q or %q, got %q", Off, AWS, s)}
}

// FromEnv reads the ORDERS_REALISM* variables through lookup (os.LookupEnv).
// An unset variable keeps its default; a bad one is an error naming it.
func FromEnv(lookup func(string) (string, bool)) (*Profile, error) {
	c := DefaultConfig()
	if v, ok := lookup(EnvMode); ok {
		m, err := ParseMode(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvMode, err)
		}
		c.Mode = m
	}
	if v, ok := lookup(EnvScale); ok && strings.TrimSpace(v) != "" {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return nil, fmt.Errorf("%s: must be a number ≥ 0 (1 = AWS's typical delays, 0.05 for tests), got %q", EnvScale, v)
		}
		c.Scale = f
	}
	if v, ok := lookup(EnvFaultRate); ok && strings.TrimSpace(v) != "" {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return nil, fmt.Errorf("%s: must be a number between 0 and 1, got %q", EnvFaultRate, v)
		}
		c.FaultRate = f
	}
	if v, ok := lookup(EnvFaultSeed); ok && strings.TrimSpace(v) != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: must be a whole number, got %q", EnvFaultSeed, v)
		}
		c.Seed = n
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", envNames[settingOf(err)], err)
	}
	return New(c)
}

var envNames = map[Setting]string{SettingMode: EnvMode, SettingScale: EnvScale, SettingFaultRate: EnvFaultRate, SettingSeed: EnvFaultSeed}

func settingOf(err error) Setting {
	if ce, ok := err.(*ConfigError); ok {
		return ce.Setting
	}
	return SettingMode
}

// Config is the profile's settings (the zero-value "off" for nil).
func (p *Profile) Config() Config {
	if p == nil {
		return DefaultConfig()
	}
	return p.cfg
}

// Delaying reports whether documented delays are on.
func (p *Profile) Delaying() bool { return p != nil && p.cfg.Mode == AWS }

// Faulting reports whether some calls are answered with faults.
func (p *Profile) Faulting() bool { return p != nil && p.cfg.FaultRate > 0 }

// Delay is base scaled by the profile: 0 when delays are off, so callers
// can always write now.Add(p.Delay(realism.X)).
func (p *Profile) Delay(base time.Duration) time.Duration {
	if !p.Delaying() {
		return 0
	}
	return time.Duration(float64(base) * p.cfg.Scale)
}

// Between is a delay drawn uniformly from [lo, hi] (scaled), from the
// profile's seeded source: the same seed and the same sequence of draws
// give the same delays. 0 when delays are off.
func (p *Profile) Between(lo, hi time.Duration) time.Duration {
	if !p.Delaying() {
		return 0
	}
	p.mu.Lock()
	n := p.jitter
	p.jitter++
	p.mu.Unlock()
	u := unit(mix(uint64(p.cfg.Seed) ^ 0x6a09e667f3bcc908 ^ n*0x9e3779b97f4a7c15))
	return p.Delay(lo + time.Duration(u*float64(hi-lo)))
}

// Summary is how the health endpoint and the serve banner state a profile.
type Summary struct {
	Mode      Mode    `json:"mode"`
	Scale     float64 `json:"scale"`
	FaultRate float64 `json:"faultRate"`
	Seed      int64   `json:"seed"`
}

// Summary states the profile (nil: off).
func (p *Profile) Summary() Summary {
	c := p.Config()
	return Summary{Mode: c.Mode, Scale: c.Scale, FaultRate: c.FaultRate, Seed: c.Seed}
}

// String is the profile in a sentence, for the serve banner.
func (p *Profile) String() string {
	c := p.Config()
	s := "realism " + string(c.Mode)
	if c.Mode == AWS {
		s += fmt.Sprintf(" (delays × %g)", c.Scale)
	}
	if c.FaultRate > 0 {
		s += fmt.Sprintf(", faults on %g%% of calls (seed %d)", c.FaultRate*100, c.Seed)
	} else {
		s += ", no injected faults"
	}
	return s
}

// hashKey folds a string into the seed stream.
func hashKey(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}

// mix is SplitMix64's finaliser: a well-spread 64-bit value from any input.
func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// unit maps x to [0, 1).
func unit(x uint64) float64 { return float64(x>>11) / (1 << 53) }
