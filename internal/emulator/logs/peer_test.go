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

// TestPeerBoto3StreamShape: botocore sees log streams without
// uploadSequenceToken and with storedBytes 0.
func TestPeerBoto3StreamShape(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	emutest.RunBoto3(t, e.url, `
import sys, time, boto3
logs = boto3.client("logs", endpoint_url=sys.argv[1])
logs.create_log_group(logGroupName="g")
logs.create_log_stream(logGroupName="g", logStreamName="s")
logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=[{"timestamp": int(time.time() * 1000), "message": "hi"}])
st = logs.describe_log_streams(logGroupName="g")["logStreams"][0]
assert "uploadSequenceToken" not in st and st["storedBytes"] == 0, st
try:
    logs.tag_resource(resourceArn="arn:aws:logs:us-east-1:000000000000:log-group:g", tags={"k": "v!"})
    raise SystemExit("bad tag value accepted")
except logs.exceptions.InvalidParameterException:
    pass
`)
}
