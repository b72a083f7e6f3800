package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orders-dev/orders/function"
	"github.com/orders-dev/orders/internal/emulator/emutest"
)

// Peer tests: AWS's own clients (boto3 and the aws CLI, both on botocore)
// drive the emulator over HTTP. botocore parses every answer against AWS's
// service models and checks SQS's MD5s, so a shape, a timestamp, an error
// code or a checksum the emulator gets wrong fails here as it would fail for
// a user. Skipped where the tools are missing unless ORDERS_TEST_PEERS=1.

// functionZip writes the real ProcessOrderFunction zip for this host into dir.
func functionZip(t *testing.T, dir string) (path, arch string) {
	t.Helper()
	arch = function.HostArch()
	zip, err := function.Zip(arch)
	if err != nil {
		t.Skipf("no function zip for this host: %v", err)
	}
	path = filepath.Join(dir, "function.zip")
	if err := os.WriteFile(path, zip, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, arch
}

// TestPeerBoto3AllServices runs testdata/peer/boto3_all.py: every operation
// the pipeline and the CLI use, on all seven services, with AWS's error codes and statuses,
// then the real function invoked end to end (stored, notified, logged) and
// with a bad event (FunctionError, errorType ValidationError).
func TestPeerBoto3AllServices(t *testing.T) {
	emutest.Require(t, "python3", "boto3")
	t.Parallel()
	_, url := openAt(t, t.TempDir())
	tmp := t.TempDir()
	zipPath, arch := functionZip(t, tmp)
	script, err := filepath.Abs(filepath.Join("testdata", "peer", "boto3_all.py"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", script, url, zipPath, arch)
	cmd.Dir = tmp
	cmd.Env = emutest.PeerEnv()
	out, err := cmd.CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err != nil || lines[len(lines)-1] != "ok" {
		t.Fatalf("boto3 against the emulator: %v\n%s", err, out)
	}
}

// awsCLI runs the aws CLI against url and returns stdout, stderr and
// whether it succeeded.
type awsCLI struct {
	t   *testing.T
	url string
	dir string
}

func (a awsCLI) run(args ...string) (stdout, stderr string, ok bool) {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	full := append([]string{"--endpoint-url", a.url, "--region", "us-east-1", "--output", "json"}, args...)
	cmd := exec.CommandContext(ctx, "aws", full...)
	cmd.Dir = a.dir
	cmd.Env = emutest.PeerEnv()
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		a.t.Fatalf("aws %s: %v", strings.Join(args, " "), err)
	}
	return o.String(), e.String(), err == nil
}

// ok runs a command that must succeed and decodes its JSON output.
func (a awsCLI) ok(args ...string) map[string]any {
	a.t.Helper()
	out, errOut, ok := a.run(args...)
	if !ok {
		a.t.Fatalf("aws %s failed:\n%s", strings.Join(args, " "), errOut)
	}
	m := map[string]any{}
	if strings.TrimSpace(out) != "" {
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			a.t.Fatalf("aws %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return m
}

// fails runs a command that must fail with AWS error code `code`, which the
// CLI prints as "An error occurred (Code) when calling the Op operation".
func (a awsCLI) fails(code string, args ...string) {
	a.t.Helper()
	_, errOut, ok := a.run(args...)
	if ok {
		a.t.Errorf("aws %s: succeeded, want %s", strings.Join(args, " "), code)
		return
	}
	if !strings.Contains(errOut, "An error occurred ("+code+")") {
		a.t.Errorf("aws %s: want error %s, got:\n%s", strings.Join(args, " "), code, errOut)
	}
}

// str walks m along keys ("Table", "TableStatus") and returns the string there.
func str(m map[string]any, keys ...string) string {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = mm[k]
	}
	s, _ := v.(string)
	return s
}

// TestPeerAWSCLI walks the seed's steps and the pipeline's data path with
// the aws CLI, as a new user following AWS's own docs would.
func TestPeerAWSCLI(t *testing.T) {
	emutest.Require(t, "aws")
	t.Parallel()
	_, url := openAt(t, t.TempDir())
	dir := t.TempDir()
	zipPath, arch := functionZip(t, dir)
	aws := awsCLI{t: t, url: url, dir: dir}
	const account = DefaultAccount
	topicARN := "arn:aws:sns:us-east-1:" + account + ":HighValueOrderTopic"
	queueARN := "arn:aws:sqs:us-east-1:" + account + ":HighValueQueue"

	if got := str(aws.ok("sts", "get-caller-identity"), "Account"); got != account {
		t.Errorf("sts get-caller-identity: Account %q, want %s", got, account)
	}

	// DynamoDB
	d := aws.ok("dynamodb", "create-table", "--table-name", "OrdersTable", "--billing-mode", "PAY_PER_REQUEST",
		"--attribute-definitions", "AttributeName=OrderId,AttributeType=S", "--key-schema", "AttributeName=OrderId,KeyType=HASH")
	if got := str(d, "TableDescription", "TableArn"); got != "arn:aws:dynamodb:us-east-1:"+account+":table/OrdersTable" {
		t.Errorf("create-table: TableArn %q", got)
	}
	aws.ok("dynamodb", "wait", "table-exists", "--table-name", "OrdersTable")
	if got := str(aws.ok("dynamodb", "describe-table", "--table-name", "OrdersTable"), "Table", "TableStatus"); got != "ACTIVE" {
		t.Errorf("describe-table: TableStatus %q, want ACTIVE", got)
	}
	aws.fails("ValidationException", "dynamodb", "put-item", "--table-name", "OrdersTable", "--item", `{"OrderId":{"N":"1"}}`)
	aws.fails("ValidationException", "dynamodb", "put-item", "--table-name", "OrdersTable", "--item", `{"OrderId":{"S":""}}`)
	aws.fails("ResourceNotFoundException", "dynamodb", "describe-table", "--table-name", "Missing")
	aws.ok("dynamodb", "put-item", "--table-name", "OrdersTable", "--item", `{"OrderId":{"S":"ORD-1"},"Amount":{"N":"99.99"}}`,
		"--condition-expression", "attribute_not_exists(OrderId)")
	aws.fails("ConditionalCheckFailedException", "dynamodb", "put-item", "--table-name", "OrdersTable",
		"--item", `{"OrderId":{"S":"ORD-1"},"Amount":{"N":"1"}}`, "--condition-expression", "attribute_not_exists(OrderId)")
	item := aws.ok("dynamodb", "get-item", "--table-name", "OrdersTable", "--key", `{"OrderId":{"S":"ORD-1"}}`)
	if got := str(item, "Item", "Amount", "N"); got != "99.99" {
		t.Errorf("get-item: Amount %q, want 99.99", got)
	}

	// SQS
	qURL := str(aws.ok("sqs", "create-queue", "--queue-name", "HighValueQueue"), "QueueUrl")
	if qURL != url+"/"+account+"/HighValueQueue" {
		t.Errorf("create-queue: QueueUrl %q", qURL)
	}
	aws.fails("AWS.SimpleQueueService.NonExistentQueue", "sqs", "get-queue-url", "--queue-name", "Missing")
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},` +
		`"Action":"sqs:SendMessage","Resource":"` + queueARN + `","Condition":{"ArnEquals":{"aws:SourceArn":"` + topicARN + `"}}}]}`
	attrs, _ := json.Marshal(map[string]string{"Policy": policy})
	aws.ok("sqs", "set-queue-attributes", "--queue-url", qURL, "--attributes", string(attrs))
	sent := aws.ok("sqs", "send-message", "--queue-url", qURL, "--message-body", "hello",
		"--message-attributes", `{"n":{"DataType":"Number","StringValue":"7"}}`)
	got := aws.ok("sqs", "receive-message", "--queue-url", qURL, "--wait-time-seconds", "1", "--message-attribute-names", "All")
	msgs, _ := got["Messages"].([]any)
	if len(msgs) != 1 {
		t.Fatalf("receive-message: %d messages, want 1: %v", len(msgs), got)
	}
	m := msgs[0].(map[string]any)
	if str(m, "Body") != "hello" || str(m, "MD5OfBody") != str(sent, "MD5OfMessageBody") ||
		str(m, "MD5OfMessageAttributes") != str(sent, "MD5OfMessageAttributes") {
		t.Errorf("receive-message: %v does not match send-message %v", m, sent)
	}
	aws.ok("sqs", "delete-message", "--queue-url", qURL, "--receipt-handle", str(m, "ReceiptHandle"))

	// SNS → SQS
	if got := str(aws.ok("sns", "create-topic", "--name", "HighValueOrderTopic"), "TopicArn"); got != topicARN {
		t.Errorf("create-topic: TopicArn %q, want %s", got, topicARN)
	}
	aws.fails("NotFound", "sns", "get-topic-attributes", "--topic-arn", topicARN+"-missing")
	aws.ok("sns", "subscribe", "--topic-arn", topicARN, "--protocol", "sqs", "--notification-endpoint", queueARN,
		"--return-subscription-arn")
	pub := aws.ok("sns", "publish", "--topic-arn", topicARN, "--message", "order ORD-2", "--subject", "High-value order")
	got = aws.ok("sqs", "receive-message", "--queue-url", qURL, "--wait-time-seconds", "2")
	msgs, _ = got["Messages"].([]any)
	if len(msgs) != 1 {
		t.Fatalf("receive-message after publish: %v", got)
	}
	var env map[string]any
	if err := json.Unmarshal([]byte(str(msgs[0].(map[string]any), "Body")), &env); err != nil {
		t.Fatalf("SNS envelope is not JSON: %v", err)
	}
	if str(env, "Type") != "Notification" || str(env, "MessageId") != str(pub, "MessageId") ||
		str(env, "Message") != "order ORD-2" || str(env, "Subject") != "High-value order" || str(env, "TopicArn") != topicARN {
		t.Errorf("SNS envelope %v", env)
	}

	// IAM
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if err := os.WriteFile(filepath.Join(dir, "trust.json"), []byte(trust), 0o600); err != nil {
		t.Fatal(err)
	}
	role := aws.ok("iam", "create-role", "--role-name", "ProcessOrderFunction-role", "--assume-role-policy-document", "file://trust.json")
	roleARN := str(role, "Role", "Arn")
	fnPolicy := `{"Version":"2012-10-17","Statement":[` +
		`{"Effect":"Allow","Action":"dynamodb:PutItem","Resource":"arn:aws:dynamodb:us-east-1:` + account + `:table/OrdersTable"},` +
		`{"Effect":"Allow","Action":"sns:Publish","Resource":"` + topicARN + `"},` +
		`{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:us-east-1:` + account +
		`:log-group:/aws/lambda/ProcessOrderFunction:*"}]}`
	aws.ok("iam", "put-role-policy", "--role-name", "ProcessOrderFunction-role", "--policy-name", "ProcessOrderFunction-policy",
		"--policy-document", fnPolicy)
	rp := aws.ok("iam", "get-role-policy", "--role-name", "ProcessOrderFunction-role", "--policy-name", "ProcessOrderFunction-policy")
	if doc, _ := json.Marshal(rp["PolicyDocument"]); !jsonEqual(doc, []byte(fnPolicy)) {
		t.Errorf("get-role-policy: document %s, want %s", doc, fnPolicy)
	}
	aws.fails("NoSuchEntity", "iam", "get-role", "--role-name", "Missing")
	aws.fails("MalformedPolicyDocument", "iam", "put-role-policy", "--role-name", "ProcessOrderFunction-role",
		"--policy-name", "bad", "--policy-document", "{")

	// CloudWatch Logs
	group := "/aws/lambda/ProcessOrderFunction"
	aws.ok("logs", "create-log-group", "--log-group-name", group)
	aws.ok("logs", "put-retention-policy", "--log-group-name", group, "--retention-in-days", "14")
	aws.fails("ResourceNotFoundException", "logs", "describe-log-streams", "--log-group-name", "/missing")

	// Lambda: the real function, end to end.
	env2 := `{"Variables":{"TABLE_NAME":"OrdersTable","TOPIC_ARN":"` + topicARN + `","THRESHOLD":"100"}}`
	fn := aws.ok("lambda", "create-function", "--function-name", "ProcessOrderFunction", "--runtime", "provided.al2023",
		"--handler", "bootstrap", "--role", roleARN, "--architectures", arch, "--zip-file", "fileb://"+zipPath,
		"--environment", env2, "--timeout", "10")
	// Lambda answers CreateFunction with the function Pending; the waiter
	// then sees it Active
	// (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html).
	if str(fn, "State") != "Pending" {
		t.Errorf("create-function: State %q, want Pending", str(fn, "State"))
	}
	aws.ok("lambda", "wait", "function-active-v2", "--function-name", "ProcessOrderFunction")
	aws.fails("ResourceNotFoundException", "lambda", "get-function", "--function-name", "Missing")
	inv := aws.ok("lambda", "invoke", "--function-name", "ProcessOrderFunction",
		"--payload", `{"OrderId":"ORD-1001","Amount":250}`, "out.json")
	if _, isErr := inv["FunctionError"]; isErr {
		b, _ := os.ReadFile(filepath.Join(dir, "out.json"))
		t.Fatalf("invoke ORD-1001: FunctionError %v: %s", inv["FunctionError"], b)
	}
	var res map[string]any
	b, _ := os.ReadFile(filepath.Join(dir, "out.json"))
	if err := json.Unmarshal(b, &res); err != nil || res["Stored"] != true || res["Notified"] != true {
		t.Errorf("invoke ORD-1001: result %s (%v), want stored and notified", b, err)
	}
	if got := str(aws.ok("dynamodb", "get-item", "--table-name", "OrdersTable", "--key", `{"OrderId":{"S":"ORD-1001"}}`),
		"Item", "Amount", "N"); got != "250" {
		t.Errorf("ORD-1001 in the table: Amount %q, want 250", got)
	}
	inv = aws.ok("lambda", "invoke", "--function-name", "ProcessOrderFunction", "--payload", `{"OrderId":"ORD-X","Amount":"abc"}`, "bad.json")
	b, _ = os.ReadFile(filepath.Join(dir, "bad.json"))
	if inv["FunctionError"] != "Unhandled" || !strings.Contains(string(b), `"errorType":"ValidationError"`) {
		t.Errorf("invoke with a bad amount: %v %s, want FunctionError Unhandled and errorType ValidationError", inv, b)
	}
	if _, ok := aws.ok("dynamodb", "get-item", "--table-name", "OrdersTable", "--key", `{"OrderId":{"S":"ORD-X"}}`)["Item"]; ok {
		t.Error("a rejected order was stored")
	}
	ev := aws.ok("logs", "filter-log-events", "--log-group-name", group, "--filter-pattern", `"ORD-1001"`)
	if evs, _ := ev["events"].([]any); len(evs) == 0 {
		t.Errorf("no log line for ORD-1001 in %s: %v", group, ev)
	}

	// Tear down as destroy does.
	aws.ok("lambda", "delete-function", "--function-name", "ProcessOrderFunction")
	aws.ok("logs", "delete-log-group", "--log-group-name", group)
	aws.fails("DeleteConflict", "iam", "delete-role", "--role-name", "ProcessOrderFunction-role")
	aws.ok("iam", "delete-role-policy", "--role-name", "ProcessOrderFunction-role", "--policy-name", "ProcessOrderFunction-policy")
	aws.ok("iam", "delete-role", "--role-name", "ProcessOrderFunction-role")
	aws.ok("sqs", "delete-queue", "--queue-url", qURL)
	aws.ok("sns", "delete-topic", "--topic-arn", topicARN)
	aws.ok("dynamodb", "delete-table", "--table-name", "OrdersTable")
	aws.ok("dynamodb", "wait", "table-not-exists", "--table-name", "OrdersTable")
}

// jsonEqual compares two JSON documents by value.
func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}
