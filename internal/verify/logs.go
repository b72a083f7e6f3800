package verify

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/orders-dev/orders/internal/awsapi"
)

// logSkew is how far before the probe's start the log search begins: the
// function's clock, not ours, stamps its lines.
const logSkew = 5 * time.Minute

// probeLogs waits for the function's log line of each probe order.
func probeLogs(ctx context.Context, e *env, start time.Time, low, high *probeOrder) Result {
	r := Result{Name: NameProbeLogs}
	streams, problems := waitForLogLines(ctx, e, start.Add(-logSkew), []string{high.id, low.id})
	r.Problems = problems
	r.OK = len(r.Problems) == 0
	if r.OK {
		r.Detail = fmt.Sprintf("%s has the function's lines for %s (stream %s) and %s (stream %s)",
			e.names.LogGroup, high.id, streams[high.id], low.id, streams[low.id])
	} else {
		r.Detail = fmt.Sprintf("log group %s: %d problem%s", e.names.LogGroup, len(r.Problems), plural(len(r.Problems)))
	}
	return r
}

// waitForLogLines searches the function's log group for a line naming each
// id, again every pollEvery until all are found or PollTimeout has passed
// (CloudWatch Logs shows lines some seconds after they are written). It
// returns the stream each id was found in, and a problem for each id not
// found or search that failed.
func waitForLogLines(ctx context.Context, e *env, since time.Time, ids []string) (map[string]string, []string) {
	found := map[string]string{}
	deadline := e.clock.Now().Add(e.pollTimeout)
	for {
		for _, id := range ids {
			if _, ok := found[id]; ok {
				continue
			}
			stream, ok, err := findLogLine(ctx, e, since, id)
			if err != nil {
				return found, []string{err.Error()}
			}
			if ok {
				found[id] = stream
			}
		}
		if len(found) == len(ids) || !e.clock.Now().Before(deadline) {
			break
		}
		if err := e.clock.Sleep(ctx, e.pollEvery); err != nil {
			return found, []string{"stopped: " + err.Error()}
		}
	}
	var problems []string
	for _, id := range ids {
		if _, ok := found[id]; !ok {
			problems = append(problems, fmt.Sprintf("no log line for order %s in %s within %s", id, e.names.LogGroup, e.pollTimeout))
		}
	}
	return found, problems
}

// findLogLine looks for one event naming id (a quoted filter-pattern term,
// as ids contain '-'), all pages.
func findLogLine(ctx context.Context, e *env, since time.Time, id string) (stream string, ok bool, err error) {
	in := &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName:  aws.String(e.names.LogGroup),
		FilterPattern: aws.String(`"` + id + `"`),
	}
	if !since.IsZero() {
		in.StartTime = aws.Int64(since.UnixMilli())
	}
	for {
		out, err := e.logs.FilterLogEvents(ctx, in)
		if err != nil {
			if awsapi.ErrorCode(err) == "ResourceNotFoundException" {
				return "", false, fmt.Errorf("log group %s does not exist", e.names.LogGroup)
			}
			return "", false, fmt.Errorf("search log group %s for %s: %w", e.names.LogGroup, id, awsapi.ExplainAccessDenied(err))
		}
		for _, ev := range out.Events {
			// The pattern matches ORD-1 inside ORD-10 too; the function's
			// JSON line has the id as a whole string.
			if strings.Contains(aws.ToString(ev.Message), `"`+id+`"`) {
				return aws.ToString(ev.LogStreamName), true, nil
			}
		}
		next := aws.ToString(out.NextToken)
		if next == "" || next == aws.ToString(in.NextToken) {
			return "", false, nil
		}
		in.NextToken = aws.String(next)
	}
}
