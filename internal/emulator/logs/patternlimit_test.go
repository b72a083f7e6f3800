package logs

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
)

// A filter pattern is at most 1,024 characters (the API's FilterPattern
// shape); a 1 MB one was compiled and run against every event.
func TestFilterPatternLengthLimit(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	e.group(t, fnGroup)
	for _, c := range []struct {
		pattern string
		ok      bool
	}{
		{strings.Repeat("a", 1024), true},
		{strings.Repeat("é", 1024), true}, // characters, not bytes
		{strings.Repeat("a", 1025), false},
		{strings.Repeat("ERROR ", 1<<20/6), false},
	} {
		_, err := e.client.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String(fnGroup), FilterPattern: aws.String(c.pattern)})
		switch {
		case c.ok && err != nil:
			t.Errorf("a %d-character pattern: %v", len([]rune(c.pattern)), err)
		case !c.ok && (apiCode(err) != "InvalidParameterException" || !strings.Contains(err.Error(), "1024")):
			t.Errorf("a %d-character pattern: %v, want InvalidParameterException naming the 1024 limit", len([]rune(c.pattern)), err)
		}
	}
}
