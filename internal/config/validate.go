package config

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Flag names, without the dashes: Validate names problems by the flag that
// sets the value, and the CLI registers its flags under the same names.
const (
	FlagRegion              = "region"
	FlagProfile             = "profile"
	FlagEndpointURL         = "endpoint-url"
	FlagLocal               = "local"
	FlagDataDir             = "data-dir"
	FlagOutput              = "output"
	FlagPrefix              = "prefix"
	FlagArch                = "arch"
	FlagThreshold           = "threshold"
	FlagLogRetentionDays    = "log-retention-days"
	FlagIAMWait             = "iam-wait"
	FlagTimeout             = "timeout"
	FlagMemoryMB            = "memory"
	FlagPermissionsBoundary = "permissions-boundary"
)

// FieldError is one bad setting, named by its flag.
type FieldError struct {
	Flag    string // without dashes, e.g. "arch"
	Problem string // e.g. `must be arm64 or x86_64, got "x"`
}

func (e *FieldError) Error() string { return "--" + e.Flag + ": " + e.Problem }

// RetentionDays are the values CloudWatch Logs' PutRetentionPolicy accepts.
var RetentionDays = []int32{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// Limits Lambda enforces on the function's settings.
const (
	MinTimeout, MaxTimeout   = 1, 900
	MinMemoryMB, MaxMemoryMB = 128, 10240
	MaxIAMWait               = time.Hour
	maxThresholdDigits       = 30 // well inside DynamoDB's 38 significant digits
)

var (
	// The handler compares amounts as exact decimals with at most 2 places;
	// a threshold it could not compare that way is refused here.
	thresholdRE = regexp.MustCompile(`^[0-9]+(\.[0-9]{1,2})?$`)
	regionRE    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	boundaryRE  = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(aws|[0-9]{12}):policy/[\w+=,.@/-]{1,512}$`)
	// The intersection of what DynamoDB, SNS, SQS, IAM, Lambda and CloudWatch
	// Logs accept in a name, so one prefix works for every resource.
	prefixRE = regexp.MustCompile(`^[A-Za-z0-9_-]*$`)
)

// nameRule is what one service accepts as a name.
type nameRule struct {
	what     string
	min, max int
	charset  *regexp.Regexp
	allowed  string // charset, human-readable
}

var (
	tableRule    = nameRule{"DynamoDB table name", 3, 255, regexp.MustCompile(`^[A-Za-z0-9_.-]+$`), "A-Z a-z 0-9 _ . -"}
	topicRule    = nameRule{"SNS topic name", 1, 256, regexp.MustCompile(`^[A-Za-z0-9_-]+$`), "A-Z a-z 0-9 _ -"}
	queueRule    = nameRule{"SQS queue name", 1, 80, regexp.MustCompile(`^[A-Za-z0-9_-]+$`), "A-Z a-z 0-9 _ -"}
	roleRule     = nameRule{"IAM role name", 1, 64, regexp.MustCompile(`^[\w+=,.@-]+$`), "A-Z a-z 0-9 _ + = , . @ -"}
	policyRule   = nameRule{"IAM inline policy name", 1, 128, regexp.MustCompile(`^[\w+=,.@-]+$`), "A-Z a-z 0-9 _ + = , . @ -"}
	functionRule = nameRule{"Lambda function name", 1, 64, regexp.MustCompile(`^[A-Za-z0-9_-]+$`), "A-Z a-z 0-9 _ -"}
	logGroupRule = nameRule{"CloudWatch Logs log group name", 1, 512, regexp.MustCompile(`^[A-Za-z0-9_./#-]+$`), "A-Z a-z 0-9 _ . / # -"}
	tagValueRule = nameRule{"tag value", 0, 256, regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+@-]*$`), "letters, digits, spaces, _ . : / = + @ -"}
)

// check returns why name breaks the rule, or "".
func (r nameRule) check(name string) string {
	switch n := len(name); {
	case n > r.max:
		return fmt.Sprintf("%s %q would be %d characters, the limit is %d", r.what, name, n, r.max)
	case n < r.min:
		return fmt.Sprintf("%s %q would be %d characters, the minimum is %d", r.what, name, n, r.min)
	case !r.charset.MatchString(name):
		return fmt.Sprintf("%s %q may contain only %s", r.what, name, r.allowed)
	}
	return ""
}

// MaxPrefixLen is the longest prefix that keeps every derived name within
// its service's limit (the role name, 64 characters, is the tightest).
var MaxPrefixLen = func() int {
	n := Config{}.Names()
	return min(
		tableRule.max-len(n.Table), topicRule.max-len(n.Topic), queueRule.max-len(n.Queue),
		roleRule.max-len(n.Role), policyRule.max-len(n.RolePolicy), functionRule.max-len(n.Function),
		logGroupRule.max-len(n.LogGroup), tagValueRule.max-len(n.Stack))
}()

// Validate checks every setting and returns all problems at once, each a
// *FieldError naming its flag (joined with errors.Join), or nil.
func (c Config) Validate() error {
	var errs []error
	bad := func(flag, format string, args ...any) {
		errs = append(errs, &FieldError{Flag: flag, Problem: fmt.Sprintf(format, args...)})
	}

	if c.Region != "" && !regionRE.MatchString(c.Region) {
		bad(FlagRegion, "must be an AWS region such as us-east-1, got %q", c.Region)
	}
	if c.EndpointURL != "" {
		if u, err := url.Parse(c.EndpointURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(FlagEndpointURL, "must be an http:// or https:// URL such as http://127.0.0.1:4566, got %q", c.EndpointURL)
		}
		if c.Local {
			bad(FlagEndpointURL, "cannot be used with --local, which runs its own endpoint")
		}
	}
	if c.Output != OutputText && c.Output != OutputJSON {
		bad(FlagOutput, "must be text or json, got %q", c.Output)
	}
	if c.Arch != ArchARM64 && c.Arch != ArchX86_64 {
		bad(FlagArch, "must be arm64 or x86_64, got %q", c.Arch)
	}
	if !thresholdRE.MatchString(c.Threshold) {
		bad(FlagThreshold, "must be a decimal number ≥ 0 with at most 2 decimal places, such as 100 or 99.50, got %q", c.Threshold)
	} else if digits := len(strings.Replace(c.Threshold, ".", "", 1)); digits > maxThresholdDigits {
		bad(FlagThreshold, "must have at most %d digits, got %d", maxThresholdDigits, digits)
	}
	if !slices.Contains(RetentionDays, c.LogRetentionDays) {
		bad(FlagLogRetentionDays, "must be one of CloudWatch Logs' values %s, got %d", joinInts(RetentionDays), c.LogRetentionDays)
	}
	if c.IAMWait < 0 || c.IAMWait > MaxIAMWait {
		bad(FlagIAMWait, "must be between 0s and %s, got %s", MaxIAMWait, c.IAMWait)
	}
	if c.Timeout < MinTimeout || c.Timeout > MaxTimeout {
		bad(FlagTimeout, "must be between %d and %d seconds, got %d", MinTimeout, MaxTimeout, c.Timeout)
	}
	if c.MemoryMB < MinMemoryMB || c.MemoryMB > MaxMemoryMB {
		bad(FlagMemoryMB, "must be between %d and %d MB, got %d", MinMemoryMB, MaxMemoryMB, c.MemoryMB)
	}
	if c.PermissionsBoundary != "" && !boundaryRE.MatchString(c.PermissionsBoundary) {
		bad(FlagPermissionsBoundary, "must be an IAM policy ARN such as arn:aws:iam::123456789012:policy/Boundary, got %q", c.PermissionsBoundary)
	}
	errs = append(errs, c.validatePrefix()...)
	return errors.Join(errs...)
}

func (c Config) validatePrefix() []error {
	if !prefixRE.MatchString(c.Prefix) {
		return []error{&FieldError{Flag: FlagPrefix, Problem: fmt.Sprintf(
			"may contain only letters, digits, _ and - (a name every service accepts), got %q", c.Prefix)}}
	}
	// Check each derived name against its own service, so the message says
	// which name breaks which limit.
	n := c.Names()
	var errs []error
	for _, nc := range []struct {
		rule nameRule
		name string
	}{
		{tableRule, n.Table}, {topicRule, n.Topic}, {queueRule, n.Queue}, {roleRule, n.Role},
		{policyRule, n.RolePolicy}, {functionRule, n.Function}, {logGroupRule, n.LogGroup}, {tagValueRule, n.Stack},
	} {
		if p := nc.rule.check(nc.name); p != "" {
			errs = append(errs, &FieldError{Flag: FlagPrefix, Problem: fmt.Sprintf(
				"too long: %s (the prefix may be at most %d characters)", p, MaxPrefixLen)})
		}
	}
	return errs
}

func joinInts(v []int32) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(int(x))
	}
	return strings.Join(s, ", ")
}
