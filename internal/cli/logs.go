package cli

import (
	"encoding/json"
	"fmt"
	"io"
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
		follow bool
		since  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "logs",
		Short: "Print the function's CloudWatch Logs",
		Long: `logs prints the function's log events from its log group (/aws/lambda/ProcessOrderFunction),
one per line: TIME STREAM MESSAGE, the time in UTC. The function logs START, END and REPORT
lines for every invocation, and one line per order with its OrderId, Amount and outcome.

--since bounds how far back to start (0: from the beginning). --follow keeps printing new
events as they arrive until Ctrl-C, which ends it with exit 0.

With --output json, logs prints one JSON array of {"time","stream","message","eventId"}
objects; with --follow, which never ends, it prints one such JSON object per line instead
(JSON Lines), each as soon as it arrives.`,
		Example: `  orders logs
  orders logs --since 1h
  orders logs --follow
  orders --output json logs --since 0`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if since < 0 {
				return usageErrorf("--since: must not be negative, got %s (0 reads from the beginning)", since)
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
			if err := invoke.Tail(ctx, c.Logs, group, since, follow, emit); err != nil {
				return err
			}
			if a.jsonOutput() && !follow {
				if events == nil {
					events = []invoke.LogEvent{}
				}
				return a.printJSON(events)
			}
			if !a.jsonOutput() && !follow && n == 0 {
				window := "in the last " + since.String()
				if since == 0 {
					window = "yet"
				}
				fmt.Fprintf(a.io.ErrOut, "no log events in %s %s; the function logs when it runs: try `%s`\n", group, window, a.suggest("send --amount 250"))
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new events until Ctrl-C")
	cmd.Flags().DurationVar(&since, "since", 10*time.Minute, "start this long ago, e.g. 30s, 10m, 2h (0: from the beginning)")
	return cmd
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
