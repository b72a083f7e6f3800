package emulator

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/orders-dev/orders/internal/emulator/emutest"
	"github.com/orders-dev/orders/internal/emulator/realism"
)

// boto3 sees the realism profile as it would see AWS: a table CREATING
// then ACTIVE, a function Pending (Invoke: ResourceConflictException) then
// Active, QueueDeletedRecently. The test moves the emulator's clock between
// the scripts.
func TestRealismPeerBoto3SeesStates(t *testing.T) {
	emutest.Python(t)
	url, clock, _ := openRealism(t, awsRealism)
	role, err := iam.NewFromConfig(adminConfig(url)).CreateRole(context.Background(), &iam.CreateRoleInput{
		RoleName: aws.String("fn-role"), AssumeRolePolicyDocument: aws.String(lambdaTrust)})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(realism.IAMRoleAssumable)

	out := emutest.RunBoto3(t, url, boto3Prelude+`
ddb.create_table(TableName="Orders", BillingMode="PAY_PER_REQUEST",
    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
print("table", ddb.describe_table(TableName="Orders")["Table"]["TableStatus"])
try:
    ddb.put_item(TableName="Orders", Item={"id": {"S": "1"}})
    print("put ok")
except ClientError as e:
    print("put", e.response["Error"]["Code"])

buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("bootstrap", "#!/bin/sh\n")
fn = lam.create_function(FunctionName="fn", Runtime="provided.al2023", Handler="bootstrap",
    Role="`+aws.ToString(role.Role.Arn)+`", Code={"ZipFile": buf.getvalue()})
print("created", fn["State"])
print("function", lam.get_function(FunctionName="fn")["Configuration"]["State"])
try:
    lam.invoke(FunctionName="fn", Payload=b"{}")
    print("invoke ok")
except ClientError as e:
    print("invoke", e.response["Error"]["Code"])

sqs.create_queue(QueueName="q")
`)
	for _, want := range []string{"table CREATING", "put ResourceNotFoundException", "created Pending", "function Pending", "invoke ResourceConflictException"} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("boto3 before the delays passed: want %q in\n%s", want, out)
		}
	}
	clock.Advance(realism.DynamoDBCreateTable)
	out = emutest.RunBoto3(t, url, boto3Prelude+`
print("table", ddb.describe_table(TableName="Orders")["Table"]["TableStatus"])
print("function", lam.get_function(FunctionName="fn")["Configuration"]["State"])
q = sqs.get_queue_url(QueueName="q")["QueueUrl"]
sqs.delete_queue(QueueUrl=q)
try:
    sqs.create_queue(QueueName="q")
    print("recreate ok")
except ClientError as e:
    print("recreate", e.response["Error"]["Code"])
`)
	for _, want := range []string{"table ACTIVE", "function Active", "recreate AWS.SimpleQueueService.QueueDeletedRecently"} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("boto3 after the delays: want %q in\n%s", want, out)
		}
	}
}

// boto3 decodes every injected fault as the service's own error.
func TestRealismPeerBoto3SeesThrottling(t *testing.T) {
	emutest.Python(t)
	url, _, _ := openRealism(t, realism.Config{Mode: realism.Off, Scale: 1, FaultRate: 1, Seed: 3})
	out := emutest.RunBoto3(t, url, boto3Prelude+`
calls = {
    "dynamodb": lambda: ddb.list_tables(),
    "sqs": lambda: sqs.list_queues(),
    "sns": lambda: sns.list_topics(),
    "lambda": lambda: lam.list_functions(),
}
for name, call in calls.items():
    seen = set()
    for _ in range(8):
        try:
            call()
            seen.add("ok")
        except ClientError as e:
            seen.add("%s %s" % (e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"]))
    print(name, sorted(seen))
`)
	for svc, want := range map[string]string{
		"dynamodb": "'400 ThrottlingException'", "sqs": "'403 RequestThrottled'",
		"sns": "'429 Throttled'", "lambda": "'429 TooManyRequestsException'",
	} {
		line := ""
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, svc+" ") {
				line = l
			}
		}
		if !strings.Contains(line, want) || strings.Contains(line, "'ok'") {
			t.Errorf("boto3 %s at fault rate 1: %q, want %s among the errors and no success\n%s", svc, line, want, out)
		}
	}
}

// boto3Prelude makes clients for the endpoint in sys.argv[1] that report
// the first answer (no retries).
const boto3Prelude = `import io, sys, zipfile
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
cfg = Config(retries={"max_attempts": 1, "mode": "standard"})
ep = sys.argv[1]
ddb = boto3.client("dynamodb", endpoint_url=ep, config=cfg)
lam = boto3.client("lambda", endpoint_url=ep, config=cfg)
sqs = boto3.client("sqs", endpoint_url=ep, config=cfg)
sns = boto3.client("sns", endpoint_url=ep, config=cfg)
`
