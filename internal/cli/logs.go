package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/orders-dev/orders/internal/invoke"
	"github.com/orders-dev/orders/internal/ui"
)

// logTimeLayout is how logs prints an event's time: UTC, to the millisecond
// (CloudWatch's resolution), the same width on every line.
const logTimeLayout = "2006-01-02T15:04:05.000Z"

func newLogsCmd(a *app) *cobra.Command {
	var (
		follow     bool
		since      time.Duration
		pattern    string
		start, end string
	)
	cmd := &cobra.Command{
		Use:   "logs",
		Short: "Print the function's CloudWatch Logs",
		Long: `logs prints the function's log events from its log group (/aws/lambda/ProcessOrderFunction),
one per line: TIME STREAM MESSAGE, the time in UTC. The function logs START, END and REPORT
lines for every invocation, and one line per order with its OrderId, Amount and outcome.

--since bounds how far back to start (0: from the beginning); --start and --end bound the
window instead, each a time (RFC 3339, e.g. 2026-01-02T15:04:05Z) or a duration ago (10m).
--filter-pattern passes a CloudWatch Logs filter pattern ("ORD-1001", ?ERROR ?Task, ...).
--follow keeps printing new events as they arrive, even ones CloudWatch makes visible late,
until Ctrl-C, which ends it with exit 0.

With --output json, logs prints one JSON array of {"time","stream","message","eventId"}
objects; with --follow, which never ends, it prints one such JSON object per line instead
(JSON Lines), each as soon as it arrives.`,
		Example: `  orders logs
  orders logs --since 1h
  orders logs --follow
  orders logs --filter-pattern '"ORD-1001"' --start 2026-01-02T15:00:00Z --end 30m
  orders --output json logs --since 0`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if since < 0 {
				return usageErrorf("--since: must not be negative, got %s (0 reads from the beginning)", since)
			}
			window, err := logsWindow(cmd.Flags().Changed("since"), start, end, follow, a.now())
			if err != nil {
				return err
			}
			// CloudWatch Logs' limit (FilterLogEvents: filterPattern, max 1,024).
			if n := len([]rune(pattern)); n > maxFilterPattern {
				return usageErrorf("--filter-pattern: %d characters, CloudWatch Logs takes at most %d", n, maxFilterPattern)
			}
			ctx := cmd.Context()
			c, err := a.awsClients(ctx)
			if err != nil {
				return err
			}
			group := a.cfg.Names().LogGroup
			st := a.io.OutStyles()
			var (
				events []invoke.LogEvent // for the JSON array
				n      int
				emit   func(invoke.LogEvent)
				lines  = json.NewEncoder(a.io.Out)
			)
			lines.SetEscapeHTML(false)
			switch {
			case a.jsonOutput() && follow:
				emit = func(e invoke.LogEvent) { _ = lines.Encode(e) }
			case a.jsonOutput():
				emit = func(e invoke.LogEvent) { events = append(events, e) }
			default:
				emit = func(e invoke.LogEvent) {
					n++
					writeLogEvent(a.io.Out, st, e)
				}
			}
			if follow {
				fmt.Fprintf(a.io.ErrOut, "following %s (Ctrl-C to stop)\n", group)
			}
			opts := []invoke.TailOption{invoke.Window(window.start, window.end), invoke.Clock(a.now)}
			if pattern != "" {
				opts = append(opts, invoke.FilterPattern(pattern))
			}
			if err := invoke.Tail(ctx, c.Logs, group, since, follow, emit, opts...); err != nil {
				if errors.Is(err, invoke.ErrLogGroupNotFound) {
					// The hint names the flags this run used (Tail's cannot).
					return fmt.Errorf("read log group %s: %w: `%s` creates it", group, invoke.ErrLogGroupNotFound, a.suggest("up"))
				}
				return err
			}
			if a.jsonOutput() && !follow {
				if events == nil {
					events = []invoke.LogEvent{}
				}
				return a.printJSON(events)
			}
			if !a.jsonOutput() && !follow && n == 0 {
				window := window.describe(since)
				if pattern != "" {
					window += " matching " + strconv.Quote(pattern)
				}
				fmt.Fprintf(a.io.ErrOut, "no log events in %s %s; the function logs when it runs: try `%s`\n", group, window, a.suggest("send --amount 250"))
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new events until Ctrl-C")
	cmd.Flags().DurationVar(&since, "since", 10*time.Minute, "start this long ago, e.g. 30s, 10m, 2h (0: from the beginning)")
	cmd.Flags().StringVar(&pattern, "filter-pattern", "", "only events matching this CloudWatch Logs filter pattern")
	cmd.Flags().StringVar(&start, "start", "", "start at this time: RFC 3339 (2026-01-02T15:04:05Z) or a duration ago (1h)")
	cmd.Flags().StringVar(&end, "end", "", "stop before this time: RFC 3339 or a duration ago (not with --follow)")
	return cmd
}

// maxFilterPattern is FilterLogEvents' limit on filterPattern.
const maxFilterPattern = 1024

// logWindow is --start and --end resolved (zero: not given).
type logWindow struct{ start, end time.Time }

// logsWindow parses --start and --end against now, refusing what cannot be
// honoured together.
func logsWindow(sinceGiven bool, start, end string, follow bool, now time.Time) (logWindow, error) {
	var w logWindow
	var err error
	if start != "" && sinceGiven {
		return w, usageErrorf("--start and --since: choose one")
	}
	if end != "" && follow {
		return w, usageErrorf("--end: --follow never ends; drop one of them")
	}
	if w.start, err = parseLogTime("--start", start, now); err != nil {
		return w, err
	}
	if w.end, err = parseLogTime("--end", end, now); err != nil {
		return w, err
	}
	if !w.start.IsZero() && !w.end.IsZero() && !w.end.After(w.start) {
		return w, usageErrorf("--end %s is not after --start %s", w.end.Format(time.RFC3339), w.start.Format(time.RFC3339))
	}
	return w, nil
}

// parseLogTime reads an RFC 3339 time or a duration ago ("10m").
func parseLogTime(flag, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, usageErrorf("%s %q: want a time in RFC 3339 (2026-01-02T15:04:05Z) or a duration ago (10m, 2h)", flag, s)
}

// describe names the window in a message: "in the last 10m0s", "yet".
func (w logWindow) describe(since time.Duration) string {
	switch {
	case !w.start.IsZero() && !w.end.IsZero():
		return "between " + w.start.UTC().Format(time.RFC3339) + " and " + w.end.UTC().Format(time.RFC3339)
	case !w.start.IsZero():
		return "since " + w.start.UTC().Format(time.RFC3339)
	case !w.end.IsZero() && since > 0:
		return "between " + since.String() + " ago and " + w.end.UTC().Format(time.RFC3339)
	case !w.end.IsZero():
		return "before " + w.end.UTC().Format(time.RFC3339)
	case since == 0:
		return "yet"
	}
	return "in the last " + since.String()
}

// writeLogEvent prints one event as TIME STREAM MESSAGE. A message of
// several lines keeps its own line breaks, indented under the first.
func writeLogEvent(w io.Writer, st *ui.Styles, e invoke.LogEvent) {
	fmt.Fprintf(w, "%s %s %s\n", st.Muted.Render(e.Time.UTC().Format(logTimeLayout)), st.Muted.Render(e.Stream), indentLines(e.Message, "    "))
}

// indentLines indents every line of s after the first.
func indentLines(s, indent string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		out = append(out, s[i])
		if s[i] == '\n' && i < len(s)-1 {
			out = append(out, indent...)
		}
	}
	return string(out)
}
