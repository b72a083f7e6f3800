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

// boto3FidelityScript pins through botocore what the SDK tests pin:
// WarmThroughput, DeleteTable's DELETING description, and transactions
// with TransactionCanceledException's CancellationReasons.
const boto3FidelityScript = `
import sys, boto3
c = boto3.client("dynamodb", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test")
d = c.create_table(TableName="Peer", BillingMode="PAY_PER_REQUEST",
    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])["TableDescription"]
w = c.describe_table(TableName="Peer")["Table"]["WarmThroughput"]
assert w == {"ReadUnitsPerSecond": 12000, "WriteUnitsPerSecond": 4000, "Status": "ACTIVE"}, w
c.put_item(TableName="Peer", Item={"pk": {"S": "taken"}, "v": {"N": "1"}})
c.transact_write_items(TransactItems=[
    {"Put": {"TableName": "Peer", "Item": {"pk": {"S": "a"}}, "ConditionExpression": "attribute_not_exists(pk)"}},
    {"Update": {"TableName": "Peer", "Key": {"pk": {"S": "taken"}}, "UpdateExpression": "ADD v :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}])
try:
    c.transact_write_items(TransactItems=[
        {"Put": {"TableName": "Peer", "Item": {"pk": {"S": "b"}}}},
        {"ConditionCheck": {"TableName": "Peer", "Key": {"pk": {"S": "taken"}}, "ConditionExpression": "attribute_not_exists(pk)",
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}])
    raise SystemExit("failed condition committed")
except c.exceptions.TransactionCanceledException as e:
    r = e.response["CancellationReasons"]
    assert r == [{"Code": "None"}, {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed",
                 "Item": {"pk": {"S": "taken"}, "v": {"N": "2"}}}], r
    assert e.response["Error"]["Message"] == "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]", e.response
assert "Item" not in c.get_item(TableName="Peer", Key={"pk": {"S": "b"}}, ConsistentRead=True)
g = c.transact_get_items(TransactItems=[{"Get": {"TableName": "Peer", "Key": {"pk": {"S": "a"}}}},
                                        {"Get": {"TableName": "Peer", "Key": {"pk": {"S": "zz"}}}}])["Responses"]
assert g == [{"Item": {"pk": {"S": "a"}}}, {}], g
dd = c.delete_table(TableName="Peer")["TableDescription"]
for absent in ("AttributeDefinitions", "KeySchema", "CreationDateTime"):
    assert absent not in dd, dd
assert dd["TableStatus"] == "DELETING", dd
print("ok")
`

func TestPeerBoto3Fidelity(t *testing.T) {
	e := newEnv(t)
	if out := emutest.RunBoto3(t, e.url, boto3FidelityScript); strings.TrimSpace(out) != "ok" {
		t.Fatalf("boto3: %s", out)
	}
}
