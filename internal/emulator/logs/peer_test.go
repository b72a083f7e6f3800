package logs

import (
	"testing"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
)

// TestPeerBoto3: botocore (awsJson 1.1) creates, writes, reads and filters
// logs, and maps the typed errors.
func TestPeerBoto3(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	emutest.RunBoto3(t, e.url, `
import sys, time, boto3
logs = boto3.client("logs", endpoint_url=sys.argv[1])
g = "/aws/lambda/ProcessOrderFunction"
logs.create_log_group(logGroupName=g, tags={"orders:stack": "orders"})
try:
    logs.create_log_group(logGroupName=g)
    raise SystemExit("no error")
except logs.exceptions.ResourceAlreadyExistsException:
    pass
logs.put_retention_policy(logGroupName=g, retentionInDays=14)
logs.create_log_stream(logGroupName=g, logStreamName="s")
now = int(time.time() * 1000)
logs.put_log_events(logGroupName=g, logStreamName="s", logEvents=[{"timestamp": now, "message": "order ORD-1001 stored"}, {"timestamp": now + 1, "message": "order ORD-1002 skipped"}])
grp = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"][0]
assert grp["retentionInDays"] == 14 and grp["arn"].endswith(":*"), grp
ev = logs.get_log_events(logGroupName=g, logStreamName="s", startFromHead=True)
assert [x["message"] for x in ev["events"]] == ["order ORD-1001 stored", "order ORD-1002 skipped"], ev
assert ev["nextForwardToken"].startswith("f/"), ev
hits = logs.filter_log_events(logGroupName=g, filterPattern='"ORD-1001 stored"')["events"]
assert [x["message"] for x in hits] == ["order ORD-1001 stored"], hits
try:
    logs.delete_log_group(logGroupName="/nope")
    raise SystemExit("no error")
except logs.exceptions.ResourceNotFoundException:
    pass
try:
    logs.put_retention_policy(logGroupName=g, retentionInDays=2)
    raise SystemExit("no error")
except logs.exceptions.InvalidParameterException:
    pass
`)
}
