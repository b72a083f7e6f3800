package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/config"
	"github.com/orders-dev/orders/internal/invoke"
)

// fakeLogs answers FilterLogEvents with filter; other calls panic.
type fakeLogs struct {
	awsapi.Logs
	filter func(in *cloudwatchlogs.FilterLogEventsInput) (*cloudwatchlogs.FilterLogEventsOutput, error)

	mu     sync.Mutex
	groups []string
}

func (f *fakeLogs) FilterLogEvents(_ context.Context, in *cloudwatchlogs.FilterLogEventsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error) {
	f.mu.Lock()
	f.groups = append(f.groups, aws.ToString(in.LogGroupName))
	f.mu.Unlock()
	return f.filter(in)
}

var sampleEvents = []cwtypes.FilteredLogEvent{
	{EventId: aws.String("e1"), Timestamp: aws.Int64(time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC).UnixMilli()),
		LogStreamName: aws.String("2025/01/02/[$LATEST]abc"), Message: aws.String("START RequestId: r1 Version: $LATEST\n")},
	{EventId: aws.String("e2"), Timestamp: aws.Int64(time.Date(2025, 1, 2, 3, 4, 5, 7e6, time.UTC).UnixMilli()),
		LogStreamName: aws.String("2025/01/02/[$LATEST]abc"), Message: aws.String(`{"msg":"order stored","OrderId":"ORD-1002"}`)},
}

func newLogsHarness(t *testing.T, events []cwtypes.FilteredLogEvent) (*harness, *fakeLogs) {
	h := newHarness(t)
	fl := &fakeLogs{filter: func(*cloudwatchlogs.FilterLogEventsInput) (*cloudwatchlogs.FilterLogEventsOutput, error) {
		return &cloudwatchlogs.FilterLogEventsOutput{Events: events}, nil
	}}
	h.clients.Logs = fl
	return h, fl
}

func TestLogsPrintsTimeStreamMessage(t *testing.T) {
	h, fl := newLogsHarness(t, sampleEvents)
	if code := h.run("logs", "--prefix", "dev-"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	want := "2025-01-02T03:04:05.006Z 2025/01/02/[$LATEST]abc START RequestId: r1 Version: $LATEST\n" +
		`2025-01-02T03:04:05.007Z 2025/01/02/[$LATEST]abc {"msg":"order stored","OrderId":"ORD-1002"}` + "\n"
	if h.out.String() != want {
		t.Errorf("stdout\n%s\nwant\n%s", h.out, want)
	}
	if len(fl.groups) != 1 || fl.groups[0] != "/aws/lambda/dev-ProcessOrderFunction" {
		t.Errorf("read groups %v", fl.groups)
	}
}

func TestLogsJSONIsOneArray(t *testing.T) {
	for _, tc := range []struct {
		name   string
		events []cwtypes.FilteredLogEvent
	}{{"events", sampleEvents}, {"none", nil}} {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := newLogsHarness(t, tc.events)
			if code := h.run("--output", "json", "logs", "--since", "1h"); code != ExitOK {
				t.Fatalf("exit %d", code)
			}
			var got []invoke.LogEvent
			oneJSONDocument(t, h.out.Bytes(), &got)
			if got == nil || len(got) != len(tc.events) {
				t.Fatalf("%d events (%v), want %d", len(got), got, len(tc.events))
			}
			for i, e := range got {
				if e.ID != aws.ToString(tc.events[i].EventId) || e.Stream != "2025/01/02/[$LATEST]abc" || e.Time.IsZero() {
					t.Errorf("event %d: %+v", i, e)
				}
			}
		})
	}
}

// --follow prints as events arrive (JSON Lines with --output json) and
// Ctrl-C — the run's context cancelled — ends it with exit 0.
func TestLogsFollowEndsCleanlyOnInterrupt(t *testing.T) {
	for _, output := range []string{"text", "json"} {
		t.Run(output, func(t *testing.T) {
			h, fl := newLogsHarness(t, nil)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			calls := 0
			fl.filter = func(*cloudwatchlogs.FilterLogEventsInput) (*cloudwatchlogs.FilterLogEventsOutput, error) {
				calls++
				if calls == 2 {
					cancel() // the user presses Ctrl-C while the second page is read
					return &cloudwatchlogs.FilterLogEventsOutput{Events: sampleEvents[1:]}, nil
				}
				return &cloudwatchlogs.FilterLogEventsOutput{Events: sampleEvents[:1]}, nil
			}
			code := Run(ctx, h.opts, []string{"--output", output, "logs", "--follow"})
			if code != ExitOK {
				t.Fatalf("exit %d, want 0\nstderr: %s", code, h.errOut)
			}
			if output == "text" {
				if n := strings.Count(h.out.String(), "\n"); n != 2 {
					t.Errorf("%d lines, want 2:\n%s", n, h.out)
				}
				return
			}
			sc := bufio.NewScanner(h.out)
			n := 0
			for sc.Scan() {
				var e invoke.LogEvent
				if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
					t.Fatalf("line %d is not a JSON object: %v: %s", n+1, err, sc.Text())
				}
				n++
			}
			if n != 2 {
				t.Errorf("%d JSON lines, want 2", n)
			}
		})
	}
}

func TestLogsMissingGroupExits1(t *testing.T) {
	h, fl := newLogsHarness(t, nil)
	fl.filter = func(*cloudwatchlogs.FilterLogEventsInput) (*cloudwatchlogs.FilterLogEventsOutput, error) {
		return nil, &cwtypes.ResourceNotFoundException{Message: aws.String("The specified log group does not exist.")}
	}
	if code := h.run("logs"); code != ExitFailed {
		t.Fatalf("exit %d, want 1", code)
	}
	if want := "read log group /aws/lambda/ProcessOrderFunction: log group not found: `orders up` creates it"; !strings.Contains(h.errOut.String(), want) {
		t.Errorf("stderr %q lacks %q", h.errOut, want)
	}
}

func TestLogsNothingYetSaysSo(t *testing.T) {
	h, _ := newLogsHarness(t, nil)
	if code := h.run("logs", "--since", "5m"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if h.out.Len() != 0 || !strings.Contains(h.errOut.String(), "no log events in /aws/lambda/ProcessOrderFunction in the last 5m0s") {
		t.Errorf("stdout %q, stderr %q", h.out, h.errOut)
	}
}

// Bad usage of verify, logs and demo exits 2 before any AWS client exists.
func TestVerifyLogsDemoFlagValidation(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"verify", "--order-id", "has space"}, "orders: --order-id: "},
		{[]string{"verify", "--order-id", strings.Repeat("x", 65)}, "orders: --order-id: "},
		{[]string{"verify", "--wait", "0s"}, "orders: --wait: must be more than 0"},
		{[]string{"verify", "--threshold", "abc"}, "orders: --threshold: "},
		{[]string{"logs", "--since", "-5m"}, "orders: --since: must not be negative"},
		{[]string{"logs", "--since", "yesterday"}, `invalid argument "yesterday" for "--since"`},
		{[]string{"logs", "extra"}, `unknown command "extra" for "orders logs"`},
		{[]string{"demo", "--arch", "sparc"}, `orders: --arch: must be arm64 or x86_64, got "sparc"`},
		{[]string{"demo", "--threshold", "-1"}, "orders: --threshold: "},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			h := newHarness(t)
			if code := h.run(tc.args...); code != ExitUsage {
				t.Fatalf("exit %d, want 2", code)
			}
			if !strings.Contains(h.errOut.String(), tc.want) {
				t.Errorf("stderr %q lacks %q", h.errOut, tc.want)
			}
			if h.out.Len() != 0 || h.factoryCalls != 0 {
				t.Errorf("stdout %q, clients built %d times: want nothing", h.out, h.factoryCalls)
			}
		})
	}
}

func TestOrdersCommandRepeatsTheGlobalFlags(t *testing.T) {
	a := &app{}
	a.cfg.Local, a.cfg.DataDir, a.cfg.Prefix = true, "/tmp/my data", "dev-"
	if got, want := a.ordersCommand("send", "--amount", "250"), "orders --local --data-dir '/tmp/my data' --prefix dev- send --amount 250"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	a.cfg = config.Default()
	a.cfg.EndpointURL, a.cfg.Region, a.cfg.Profile = "http://127.0.0.1:4566", "eu-west-1", "dev"
	if got, want := a.ordersCommand("logs", "--follow"), "orders --endpoint-url http://127.0.0.1:4566 --profile dev --region eu-west-1 logs --follow"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got, want := shellJoin([]string{"echo", "it's", `{"a":1}`}), `echo 'it'\''s' '{"a":1}'`; got != want {
		t.Errorf("shellJoin = %s, want %s", got, want)
	}
}

// --filter-pattern, --start and --end reach FilterLogEvents; --start and
// --end take RFC 3339 or a duration ago.
func TestLogsFilterAndWindow(t *testing.T) {
	h, fl := newLogsHarness(t, nil)
	now := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	h.opts.Now = func() time.Time { return now }
	var got []cloudwatchlogs.FilterLogEventsInput
	fl.filter = func(in *cloudwatchlogs.FilterLogEventsInput) (*cloudwatchlogs.FilterLogEventsOutput, error) {
		got = append(got, *in)
		return &cloudwatchlogs.FilterLogEventsOutput{}, nil
	}
	if code := h.run("logs", "--filter-pattern", `"ORD-1001"`, "--start", "2026-01-02T14:00:00Z", "--end", "30m"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if len(got) != 1 || aws.ToString(got[0].FilterPattern) != `"ORD-1001"` ||
		aws.ToInt64(got[0].StartTime) != time.Date(2026, 1, 2, 14, 0, 0, 0, time.UTC).UnixMilli() ||
		aws.ToInt64(got[0].EndTime) != now.Add(-30*time.Minute).UnixMilli() {
		t.Errorf("FilterLogEvents inputs %+v", got)
	}
	if !strings.Contains(h.errOut.String(), `no log events in /aws/lambda/ProcessOrderFunction between 2026-01-02T14:00:00Z and 2026-01-02T14:30:00Z matching "\"ORD-1001\""`) {
		t.Errorf("stderr: %s", h.errOut)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--start", "yesterday"}, "--start \"yesterday\": want a time in RFC 3339"},
		{[]string{"--start", "1h", "--since", "2h"}, "--start and --since: choose one"},
		{[]string{"--end", "1h", "--follow"}, "--end: --follow never ends"},
		{[]string{"--start", "1h", "--end", "2h"}, "is not after --start"},
		{[]string{"--filter-pattern", strings.Repeat("x", 1025)}, "--filter-pattern: 1025 characters, CloudWatch Logs takes at most 1024"},
	} {
		h, _ := newLogsHarness(t, nil)
		if code := h.run(append([]string{"logs"}, tc.args...)...); code != ExitUsage || !strings.Contains(h.errOut.String(), tc.want) {
			t.Errorf("logs %v: exit %d, stderr %q, want %q", tc.args, code, h.errOut, tc.want)
		}
	}
}

// --follow says on stderr what it follows and how to stop.
func TestLogsFollowSaysSo(t *testing.T) {
	h, fl := newLogsHarness(t, sampleEvents)
	ctx, cancel := context.WithCancel(context.Background())
	fl.filter = func(*cloudwatchlogs.FilterLogEventsInput) (*cloudwatchlogs.FilterLogEventsOutput, error) {
		cancel() // Ctrl-C after the first poll
		return &cloudwatchlogs.FilterLogEventsOutput{Events: sampleEvents}, nil
	}
	if code := Run(ctx, h.opts, []string{"logs", "--follow"}); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, h.errOut)
	}
	if !strings.Contains(h.errOut.String(), "following /aws/lambda/ProcessOrderFunction (Ctrl-C to stop)\n") {
		t.Errorf("stderr: %q", h.errOut)
	}
}
