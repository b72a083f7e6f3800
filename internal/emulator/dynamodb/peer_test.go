package dynamodb

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/orders-dev/orders/internal/emulator/emutest"
)

// boto3Script drives the service the way a Python user would; botocore
// parses every answer against AWS's model, so shapes, timestamps and
// error codes must be AWS's.
const boto3Script = `
import sys, boto3, botocore
from decimal import Decimal
c = boto3.client("dynamodb", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test")
c.create_table(TableName="PeerTable", BillingMode="PAY_PER_REQUEST",
    AttributeDefinitions=[{"AttributeName": "OrderId", "AttributeType": "S"}],
    KeySchema=[{"AttributeName": "OrderId", "KeyType": "HASH"}])
c.get_waiter("table_exists").wait(TableName="PeerTable", WaiterConfig={"Delay": 60, "MaxAttempts": 1})
d = c.describe_table(TableName="PeerTable")["Table"]
assert d["TableStatus"] == "ACTIVE" and d["CreationDateTime"].year >= 2024, d
t = boto3.resource("dynamodb", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="test", aws_secret_access_key="test").Table("PeerTable")
t.put_item(Item={"OrderId": "ORD-1001", "Amount": Decimal("250.00"), "Status": "PENDING_NOTIFY"},
           ConditionExpression="attribute_not_exists(OrderId)")
try:
    t.put_item(Item={"OrderId": "ORD-1001", "Amount": Decimal("1")},
               ConditionExpression="attribute_not_exists(OrderId)", ReturnValuesOnConditionCheckFailure="ALL_OLD")
    raise SystemExit("conditional put succeeded twice")
except c.exceptions.ConditionalCheckFailedException as e:
    assert e.response["Item"]["Amount"] == {"N": "250"}, e.response
t.update_item(Key={"OrderId": "ORD-1001"}, UpdateExpression="ADD Amount :c", ExpressionAttributeValues={":c": Decimal("0.01")})
item = t.get_item(Key={"OrderId": "ORD-1001"}, ConsistentRead=True)["Item"]
assert item["Amount"] == Decimal("250.01"), item
try:
    c.put_item(TableName="PeerTable", Item={"OrderId": {"N": "1"}})
    raise SystemExit("wrong key type accepted")
except c.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "ValidationException", e.response
    assert "Type mismatch for key OrderId expected: S actual: N" in e.response["Error"]["Message"], e.response
q = t.query(KeyConditionExpression="OrderId = :o", ExpressionAttributeValues={":o": "ORD-1001"})
assert q["Count"] == 1, q
c.delete_table(TableName="PeerTable")
c.get_waiter("table_not_exists").wait(TableName="PeerTable", WaiterConfig={"Delay": 60, "MaxAttempts": 1})
try:
    c.describe_table(TableName="PeerTable")
    raise SystemExit("deleted table described")
except c.exceptions.ResourceNotFoundException:
    pass
print("ok")
`

// TestPeerBoto3 runs boto3 against the service. It is skipped where
// python3 with boto3 is missing, unless ORDERS_TEST_PEERS=1 requires it.
func TestPeerBoto3(t *testing.T) {
	py := emutest.Python(t)
	e := newEnv(t)
	cmd := exec.Command(py, "-c", boto3Script, e.url)
	cmd.Env = emutest.PeerEnv()
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("boto3: %v\n%s", err, out)
	}
}
