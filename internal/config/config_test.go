package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDefaultIsValid(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	if c.Arch != "arm64" || c.Threshold != "100" || c.LogRetentionDays != 14 ||
		c.IAMWait != 2*time.Minute || c.Output != "text" || c.Timeout != 10 || c.MemoryMB != 128 {
		t.Errorf("unexpected defaults: %+v", c)
	}
}

func TestNamesDefault(t *testing.T) {
	n := Default().Names()
	want := Names{
		Stack: "orders", Table: "OrdersTable", Topic: "HighValueOrderTopic", Queue: "HighValueQueue",
		Role: "ProcessOrderFunction-role", RolePolicy: "ProcessOrderFunction-policy",
		Function: "ProcessOrderFunction", LogGroup: "/aws/lambda/ProcessOrderFunction",
	}
	if n != want {
		t.Errorf("Names() = %+v\nwant %+v", n, want)
	}
}

func TestNamesPrefix(t *testing.T) {
	c := Default()
	c.Prefix = "dev-"
	n := c.Names()
	for got, want := range map[string]string{
		n.Stack: "dev-orders", n.Table: "dev-OrdersTable", n.Topic: "dev-HighValueOrderTopic",
		n.Queue: "dev-HighValueQueue", n.Role: "dev-ProcessOrderFunction-role",
		n.RolePolicy: "dev-ProcessOrderFunction-policy", n.Function: "dev-ProcessOrderFunction",
		n.LogGroup: "/aws/lambda/dev-ProcessOrderFunction",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestARNs(t *testing.T) {
	a := Default().Names().ARNs("aws", "eu-west-1", "123456789012")
	for got, want := range map[string]string{
		a.Table:    "arn:aws:dynamodb:eu-west-1:123456789012:table/OrdersTable",
		a.Topic:    "arn:aws:sns:eu-west-1:123456789012:HighValueOrderTopic",
		a.Queue:    "arn:aws:sqs:eu-west-1:123456789012:HighValueQueue",
		a.LogGroup: "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/ProcessOrderFunction",
		a.Role:     "arn:aws:iam::123456789012:role/ProcessOrderFunction-role",
		a.Function: "arn:aws:lambda:eu-west-1:123456789012:function:ProcessOrderFunction",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	if a.Partition != "aws" || a.Region != "eu-west-1" || a.Account != "123456789012" {
		t.Errorf("partition/region/account = %q %q %q", a.Partition, a.Region, a.Account)
	}
	cn := Default().Names().ARNs("aws-cn", "cn-north-1", "123456789012")
	if !strings.HasPrefix(cn.Role, "arn:aws-cn:iam::") {
		t.Errorf("China role ARN = %q", cn.Role)
	}
}

func TestPartitionOf(t *testing.T) {
	for region, want := range map[string]string{
		"us-east-1": "aws", "cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov",
		"us-iso-east-1": "aws-iso", "us-isob-east-1": "aws-iso-b", "": "aws",
	} {
		if got := PartitionOf(region); got != want {
			t.Errorf("PartitionOf(%q) = %q, want %q", region, got, want)
		}
	}
}

// fieldErrors returns the flags Validate complained about, in order.
func fieldErrors(t *testing.T, err error) []*FieldError {
	t.Helper()
	if err == nil {
		return nil
	}
	var out []*FieldError
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("Validate error %v is not a joined error", err)
	}
	for _, e := range joined.Unwrap() {
		var fe *FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("Validate error %v is not a *FieldError", e)
		}
		out = append(out, fe)
	}
	return out
}

func TestValidateOneBadValue(t *testing.T) {
	for _, tc := range []struct {
		name   string
		modify func(*Config)
		flag   string
		inMsg  string
	}{
		{"arch", func(c *Config) { c.Arch = "x86" }, "arch", `must be arm64 or x86_64, got "x86"`},
		{"arch empty", func(c *Config) { c.Arch = "" }, "arch", `got ""`},
		{"output", func(c *Config) { c.Output = "yaml" }, "output", `"yaml"`},
		{"threshold word", func(c *Config) { c.Threshold = "abc" }, "threshold", `"abc"`},
		{"threshold negative", func(c *Config) { c.Threshold = "-1" }, "threshold", `"-1"`},
		{"threshold 3 places", func(c *Config) { c.Threshold = "1.005" }, "threshold", "at most 2 decimal places"},
		{"threshold trailing dot", func(c *Config) { c.Threshold = "100." }, "threshold", `"100."`},
		{"threshold exponent", func(c *Config) { c.Threshold = "1e3" }, "threshold", `"1e3"`},
		{"threshold empty", func(c *Config) { c.Threshold = "" }, "threshold", `""`},
		{"threshold NaN", func(c *Config) { c.Threshold = "NaN" }, "threshold", `"NaN"`},
		{"threshold huge", func(c *Config) { c.Threshold = strings.Repeat("9", 31) }, "threshold", "at most 30 digits"},
		{"retention 0", func(c *Config) { c.LogRetentionDays = 0 }, "log-retention-days", "got 0"},
		{"retention 10", func(c *Config) { c.LogRetentionDays = 10 }, "log-retention-days", "1, 3, 5, 7, 14"},
		{"iam wait negative", func(c *Config) { c.IAMWait = -time.Second }, "iam-wait", "-1s"},
		{"timeout 0", func(c *Config) { c.Timeout = 0 }, "timeout", "between 1 and 900"},
		{"timeout 901", func(c *Config) { c.Timeout = 901 }, "timeout", "got 901"},
		{"memory 64", func(c *Config) { c.MemoryMB = 64 }, "memory", "between 128 and 10240"},
		{"region", func(c *Config) { c.Region = "US East" }, "region", `"US East"`},
		{"endpoint scheme", func(c *Config) { c.EndpointURL = "127.0.0.1:4566" }, "endpoint-url", "http://"},
		{"endpoint ftp", func(c *Config) { c.EndpointURL = "ftp://x" }, "endpoint-url", `"ftp://x"`},
		{"endpoint with local", func(c *Config) { c.EndpointURL = "http://127.0.0.1:1"; c.Local = true }, "endpoint-url", "--local"},
		{"boundary", func(c *Config) { c.PermissionsBoundary = "Boundary" }, "permissions-boundary", `"Boundary"`},
		{"prefix charset", func(c *Config) { c.Prefix = "dev." }, "prefix", `"dev."`},
		{"prefix space", func(c *Config) { c.Prefix = "my stack" }, "prefix", "letters, digits"},
		{"prefix slash", func(c *Config) { c.Prefix = "a/b" }, "prefix", `"a/b"`},
		{"prefix too long", func(c *Config) { c.Prefix = strings.Repeat("p", MaxPrefixLen+1) }, "prefix", "IAM role name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.modify(&c)
			fes := fieldErrors(t, c.Validate())
			if len(fes) != 1 {
				t.Fatalf("got %d problems %v, want 1 for --%s", len(fes), fes, tc.flag)
			}
			if fes[0].Flag != tc.flag {
				t.Errorf("flag = %q, want %q", fes[0].Flag, tc.flag)
			}
			msg := fes[0].Error()
			if !strings.HasPrefix(msg, "--"+tc.flag+": ") || !strings.Contains(msg, tc.inMsg) {
				t.Errorf("message %q: want prefix --%s: and to contain %q", msg, tc.flag, tc.inMsg)
			}
		})
	}
}

func TestValidateGoodValues(t *testing.T) {
	for _, tc := range []struct {
		name   string
		modify func(*Config)
	}{
		{"x86_64", func(c *Config) { c.Arch = "x86_64" }},
		{"json", func(c *Config) { c.Output = "json" }},
		{"threshold 0", func(c *Config) { c.Threshold = "0" }},
		{"threshold 99.5", func(c *Config) { c.Threshold = "99.5" }},
		{"threshold 99.99", func(c *Config) { c.Threshold = "99.99" }},
		{"threshold 30 digits", func(c *Config) { c.Threshold = strings.Repeat("9", 28) + ".9" }},
		{"every retention", func(c *Config) { c.LogRetentionDays = 3653 }},
		{"iam wait 0", func(c *Config) { c.IAMWait = 0 }},
		{"timeout 900", func(c *Config) { c.Timeout = 900 }},
		{"memory 10240", func(c *Config) { c.MemoryMB = 10240 }},
		{"region gov", func(c *Config) { c.Region = "us-gov-west-1" }},
		{"endpoint", func(c *Config) { c.EndpointURL = "http://127.0.0.1:4566" }},
		{"boundary", func(c *Config) { c.PermissionsBoundary = "arn:aws:iam::123456789012:policy/team/Boundary" }},
		{"boundary aws managed", func(c *Config) { c.PermissionsBoundary = "arn:aws:iam::aws:policy/PowerUserAccess" }},
		{"prefix", func(c *Config) { c.Prefix = "Dev_1-" }},
		{"longest prefix", func(c *Config) { c.Prefix = strings.Repeat("p", MaxPrefixLen) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.modify(&c)
			if err := c.Validate(); err != nil {
				t.Errorf("Validate() = %v, want nil", err)
			}
		})
	}
	for _, d := range RetentionDays {
		c := Default()
		c.LogRetentionDays = d
		if err := c.Validate(); err != nil {
			t.Errorf("retention %d: %v", d, err)
		}
	}
}

// The longest prefix must keep every derived name within its service's
// limit, and one more character must break exactly the tightest one.
func TestMaxPrefixLen(t *testing.T) {
	if MaxPrefixLen != 64-len("ProcessOrderFunction-role") {
		t.Errorf("MaxPrefixLen = %d, want %d (role names are at most 64)", MaxPrefixLen, 64-len("ProcessOrderFunction-role"))
	}
	c := Default()
	c.Prefix = strings.Repeat("p", MaxPrefixLen)
	n := c.Names()
	if len(n.Role) != 64 || len(n.Function) > 64 || len(n.Queue) > 80 {
		t.Errorf("lengths: role %d function %d queue %d", len(n.Role), len(n.Function), len(n.Queue))
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c := Default()
	c.Arch = "sparc"
	c.Output = "xml"
	c.Threshold = "1.234"
	c.LogRetentionDays = 2
	c.Prefix = "a b"
	fes := fieldErrors(t, c.Validate())
	var flags []string
	for _, fe := range fes {
		flags = append(flags, fe.Flag)
	}
	want := []string{"output", "arch", "threshold", "log-retention-days", "prefix"}
	if strings.Join(flags, ",") != strings.Join(want, ",") {
		t.Errorf("flags = %v, want %v", flags, want)
	}
	if msg := c.Validate().Error(); strings.Count(msg, "\n") != len(want)-1 {
		t.Errorf("want one line per problem, got %q", msg)
	}
}

func TestDefaultDataDir(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", "/tmp/xdg")
	if got := DefaultDataDir(); got != "/tmp/xdg/orders" {
		t.Errorf("DefaultDataDir() = %q", got)
	}
}
