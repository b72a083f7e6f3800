package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/orders-dev/orders/internal/emulator"
	"github.com/orders-dev/orders/policies"
)

// localRun runs orders commands in this process with --local over one data
// dir: each call is its own run, with its own emulator over the same state,
// as separate `orders --local ...` processes would be.
type localRun struct {
	t   *testing.T
	dir string
}

func newLocalRun(t *testing.T) *localRun {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping the end-to-end run of the real function in the emulator")
	}
	isolate(t)
	return &localRun{t: t, dir: t.TempDir()}
}

// run returns the exit code, stdout and stderr of `orders --local
// --data-dir DIR args...`.
func (l *localRun) run(args ...string) (int, string, string) {
	l.t.Helper()
	ios, _, out, errOut := TestIO()
	full := append([]string{"--local", "--data-dir", l.dir}, args...)
	code := Run(context.Background(), Options{IO: ios}, full)
	l.t.Logf("orders %s → exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	return code, out.String(), errOut.String()
}

// must runs args and fails the test unless it exits with want.
func (l *localRun) must(want int, args ...string) (string, string) {
	l.t.Helper()
	code, out, errOut := l.run(args...)
	if code != want {
		l.t.Fatalf("orders %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out, errOut)
	}
	return out, errOut
}

// sendJSON sends one order (or event file) with --output json and decodes
// the document.
func (l *localRun) sendJSON(want int, args ...string) sendDoc {
	l.t.Helper()
	out, _ := l.must(want, append([]string{"--output", "json", "send"}, args...)...)
	var doc sendDoc
	oneJSONDocument(l.t, []byte(out), &doc)
	return doc
}

// direct is an administrator's SDK view of the data dir, through an
// emulator opened on it for the duration of fn (no orders run holds it
// meanwhile).
type direct struct {
	ddb  *dynamodb.Client
	sqs  *sqs.Client
	iam  *iam.Client
	logs *cloudwatchlogs.Client
	arns policies.ARNs
}

func (l *localRun) direct(fn func(d direct)) {
	l.t.Helper()
	emu, err := emulator.Open(emulator.Options{DataDir: l.dir, Enforce: true})
	if err != nil {
		l.t.Fatalf("open the emulator on %s: %v", l.dir, err)
	}
	defer func() {
		if err := emu.Close(); err != nil {
			l.t.Errorf("close the emulator: %v", err)
		}
	}()
	url, err := emu.Listen("127.0.0.1:0")
	if err != nil {
		l.t.Fatal(err)
	}
	cfg := localAWSConfig(url, localRegion, localKey("", false))
	d := direct{
		ddb: dynamodb.NewFromConfig(cfg), sqs: sqs.NewFromConfig(cfg),
		iam: iam.NewFromConfig(cfg), logs: cloudwatchlogs.NewFromConfig(cfg),
		arns: policies.ARNs{
			Partition: "aws", Region: localRegion, Account: emu.Account(),
			Table:    "arn:aws:dynamodb:" + localRegion + ":" + emu.Account() + ":table/OrdersTable",
			Topic:    "arn:aws:sns:" + localRegion + ":" + emu.Account() + ":HighValueOrderTopic",
			Queue:    "arn:aws:sqs:" + localRegion + ":" + emu.Account() + ":HighValueQueue",
			LogGroup: "arn:aws:logs:" + localRegion + ":" + emu.Account() + ":log-group:/aws/lambda/ProcessOrderFunction",
			Role:     "arn:aws:iam::" + emu.Account() + ":role/ProcessOrderFunction-role",
			Function: "arn:aws:lambda:" + localRegion + ":" + emu.Account() + ":function:ProcessOrderFunction",
		},
	}
	fn(d)
}

// items returns every order in the table: OrderId → item.
func (d direct) items(t *testing.T) map[string]map[string]dtypes.AttributeValue {
	t.Helper()
	out, err := d.ddb.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String("OrdersTable"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatalf("scan OrdersTable: %v", err)
	}
	items := map[string]map[string]dtypes.AttributeValue{}
	for _, it := range out.Items {
		items[attrS(it, "OrderId")] = it
	}
	return items
}

func attrS(it map[string]dtypes.AttributeValue, name string) string {
	if s, ok := it[name].(*dtypes.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

func attrN(it map[string]dtypes.AttributeValue, name string) string {
	if n, ok := it[name].(*dtypes.AttributeValueMemberN); ok {
		return n.Value
	}
	return ""
}

// queuedOrders reads every message in the queue without hiding it
// (visibility timeout 0) and returns the OrderId each notifies, one per
// message. The body is SNS's envelope; its Message is the order's JSON.
func (d direct) queuedOrders(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	u, err := d.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("HighValueQueue")})
	if err != nil {
		t.Fatalf("get queue url: %v", err)
	}
	attrs, err := d.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: u.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}})
	if err != nil {
		t.Fatalf("get queue attributes: %v", err)
	}
	if n := attrs.Attributes["ApproximateNumberOfMessagesNotVisible"]; n != "0" {
		t.Fatalf("%s messages in flight, want 0 (someone left a message hidden)", n)
	}
	seen := map[string]bool{}
	var ids []string
	for range 10 { // a page holds at most 10; stop at the first empty one
		out, err := d.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: u.QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0})
		if err != nil {
			t.Fatalf("receive: %v", err)
		}
		fresh := 0
		for _, m := range out.Messages {
			if seen[aws.ToString(m.MessageId)] {
				continue
			}
			seen[aws.ToString(m.MessageId)] = true
			fresh++
			var env struct{ Type, Message, TopicArn string }
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &env); err != nil || env.Type != "Notification" {
				t.Fatalf("message body is not an SNS notification (%v): %s", err, aws.ToString(m.Body))
			}
			var order struct{ OrderId string }
			if err := json.Unmarshal([]byte(env.Message), &order); err != nil {
				t.Fatalf("notification Message is not an order (%v): %s", err, env.Message)
			}
			ids = append(ids, order.OrderId)
		}
		if fresh == 0 {
			break
		}
	}
	if n := attrs.Attributes["ApproximateNumberOfMessages"]; n != strconv.Itoa(len(ids)) {
		t.Errorf("queue says %s messages, read %d", n, len(ids))
	}
	slices.Sort(ids)
	return ids
}

// writeEvent writes a raw event file and returns its path.
func writeEvent(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// The seed's whole story with --local, each step its own run over one data
// dir, checked through the SDK against the emulator's state.
func TestLocalEndToEnd(t *testing.T) {
	l := newLocalRun(t)
	l.must(ExitOK, "up")

	high := l.sendJSON(ExitOK, "--amount", "250", "--order-id", "ORD-1001")
	if o := high.Outcome; !o.Stored || !o.Notified || o.Duplicate || o.MessageID == "" {
		t.Fatalf("ORD-1001: %+v, want stored and notified with a MessageId", o)
	}
	for _, tc := range []struct{ id, amount string }{{"ORD-1002", "99.99"}, {"ORD-1003", "100"}} {
		out, _ := l.must(ExitOK, "send", "--amount", tc.amount, "--order-id", tc.id)
		if want := "order " + tc.id + ": stored, not notified (Amount " + tc.amount + " is not above the threshold 100)"; !strings.Contains(out, want) {
			t.Errorf("send %s: stdout lacks %q", tc.id, want)
		}
	}

	out, _ := l.must(ExitOK, "verify")
	if !strings.Contains(out, "all 8 checks passed") || strings.Contains(out, "✗") {
		t.Errorf("verify output:\n%s", out)
	}

	replay := l.sendJSON(ExitOK, "--amount", "250", "--order-id", "ORD-1001")
	if o := replay.Outcome; !o.Duplicate || o.Stored || o.Notified || o.MessageID != high.Outcome.MessageID {
		t.Errorf("replay of ORD-1001: %+v, want a duplicate naming message %s", o, high.Outcome.MessageID)
	}

	events := t.TempDir()
	for name, body := range map[string]string{
		"empty-id":       `{"OrderId":"","Amount":250}`,
		"abc-amount":     `{"OrderId":"BAD-ABC","Amount":"abc"}`,
		"negative":       `{"OrderId":"BAD-NEG","Amount":-3}`,
		"huge":           `{"OrderId":"BAD-HUGE","Amount":1e400}`,
		"missing-fields": `{}`,
		"missing-amount": `{"OrderId":"BAD-NOAMOUNT"}`,
		"missing-id":     `{"Amount":250}`,
	} {
		doc := l.sendJSON(ExitFailed, "--event", writeEvent(t, events, name+".json", body))
		if doc.OK || doc.Error == nil || doc.Error.Type != "ValidationError" || !strings.Contains(doc.Error.Message, "nothing stored") {
			t.Errorf("%s: %+v (error %+v), want the function's ValidationError", name, doc, doc.Error)
		}
	}
	_, errOut := l.must(ExitFailed, "send", "--event", filepath.Join(events, "negative.json"))
	if !strings.Contains(errOut, "the function failed with ValidationError: ") || !strings.Contains(errOut, "-3") {
		t.Errorf("stderr of a bad event: %q", errOut)
	}

	l.direct(func(d direct) {
		items := d.items(t)
		want := map[string]string{"ORD-1001": "250", "ORD-1002": "99.99", "ORD-1003": "100"}
		if len(items) != len(want) {
			t.Errorf("%d items in the table, want %d: %v", len(items), len(want), keys(items))
		}
		for id, amount := range want {
			if got := attrN(items[id], "Amount"); got != amount {
				t.Errorf("%s: Amount %q, want exactly %q", id, got, amount)
			}
		}
		if s := attrS(items["ORD-1001"], "Status"); s != "NOTIFIED" || attrS(items["ORD-1001"], "MessageId") != high.Outcome.MessageID {
			t.Errorf("ORD-1001: Status %s MessageId %s", s, attrS(items["ORD-1001"], "MessageId"))
		}
		// verify never reads the stack's queue, which is its consumers': its HIGH probe
		// order's notification is there too, as any order's is; none for LOW.
		if got := d.queuedOrders(t); len(got) != 2 || got[0] != "ORD-1001" || !strings.HasPrefix(got[1], "VERIFY-") || !strings.HasSuffix(got[1], "-HIGH") {
			t.Errorf("queued notifications %v, want ORD-1001's and verify's HIGH probe order's", got)
		}

		out, err := d.logs.FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("/aws/lambda/ProcessOrderFunction")})
		if err != nil {
			t.Fatalf("filter log events: %v", err)
		}
		var all strings.Builder
		for _, e := range out.Events {
			all.WriteString(aws.ToString(e.Message) + "\n")
		}
		for _, want := range []string{"START RequestId: ", "END RequestId: ", "REPORT RequestId: ", `"OrderId":"ORD-1001"`} {
			if !strings.Contains(all.String(), want) {
				t.Errorf("log group lacks %q", want)
			}
		}
	})

	logsOut, _ := l.must(ExitOK, "--output", "json", "logs", "--since", "0")
	var logEvents []struct{ Message string }
	oneJSONDocument(t, []byte(logsOut), &logEvents)
	if len(logEvents) == 0 {
		t.Error("orders logs printed no events")
	}

	l.must(ExitOK, "destroy", "--yes")
	statusOut, _ := l.must(ExitOK, "--output", "json", "status")
	var st statusDoc
	oneJSONDocument(t, []byte(statusOut), &st)
	if len(st.Resources) == 0 {
		t.Fatal("status lists no resources")
	}
	for _, r := range st.Resources {
		if r.State != "missing" {
			t.Errorf("after destroy: %s %s is %s", r.Kind, r.Name, r.State)
		}
	}
}

// Least privilege, enforced: narrow the role and the function cannot
// publish (the order waits, stored, PENDING_NOTIFY); up restores it and a
// resend notifies exactly once. Widen it and verify names the extra grant.
func TestLocalLeastPrivilegeEndToEnd(t *testing.T) {
	l := newLocalRun(t)
	l.must(ExitOK, "up")

	// Narrow: the function policy without its sns:Publish statement.
	l.direct(func(d direct) {
		doc, err := policies.Render("function", d.arns)
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			Version   string
			Statement []map[string]any
		}
		if err := json.Unmarshal(doc, &p); err != nil {
			t.Fatal(err)
		}
		p.Statement = slices.DeleteFunc(p.Statement, func(s map[string]any) bool {
			b, _ := json.Marshal(s["Action"])
			return bytes.Contains(b, []byte("sns:Publish"))
		})
		narrowed, _ := json.Marshal(p)
		if _, err := d.iam.PutRolePolicy(context.Background(), &iam.PutRolePolicyInput{RoleName: aws.String("ProcessOrderFunction-role"),
			PolicyName: aws.String("ProcessOrderFunction-policy"), PolicyDocument: aws.String(string(narrowed))}); err != nil {
			t.Fatalf("narrow the role: %v", err)
		}
	})
	denied := l.sendJSON(ExitFailed, "--amount", "500", "--order-id", "ORD-2001")
	if denied.Error == nil || denied.Error.Type != "NotifyError" || !strings.Contains(denied.Error.Message, "AuthorizationError") || !denied.Error.AccessDenied {
		t.Errorf("send with sns:Publish removed: %+v, want a NotifyError showing AuthorizationError", denied.Error)
	}
	_, errOut := l.must(ExitFailed, "send", "--amount", "500", "--order-id", "ORD-2001")
	if !strings.Contains(errOut, "AuthorizationError") || !strings.Contains(errOut, "not authorized to perform: sns:Publish") {
		t.Errorf("stderr does not show the AuthorizationError: %q", errOut)
	}
	l.direct(func(d direct) {
		if got := d.queuedOrders(t); len(got) != 0 {
			t.Errorf("queue holds %v after a denied publish, want nothing", got)
		}
		it := d.items(t)["ORD-2001"]
		if attrS(it, "Status") != "PENDING_NOTIFY" || attrN(it, "Amount") != "500" {
			t.Errorf("ORD-2001 item %v, want Amount 500 with Status PENDING_NOTIFY", it)
		}
	})
	out, _ := l.must(ExitFailed, "verify")
	if !strings.Contains(out, "✗ least privilege") {
		t.Errorf("verify of the narrowed role does not fail least privilege:\n%s", out)
	}

	upOut, _ := l.must(ExitOK, "up")
	if !strings.Contains(upOut, "repaired") {
		t.Errorf("up after narrowing: %q, want a repair", upOut)
	}
	resent := l.sendJSON(ExitOK, "--amount", "500", "--order-id", "ORD-2001")
	if o := resent.Outcome; !o.Notified || o.Stored || o.MessageID == "" {
		t.Errorf("resend after up: %+v, want notified (stored earlier)", o)
	}
	again := l.sendJSON(ExitOK, "--amount", "500", "--order-id", "ORD-2001")
	if !again.Outcome.Duplicate || again.Outcome.MessageID != resent.Outcome.MessageID {
		t.Errorf("third send: %+v, want a duplicate", again.Outcome)
	}
	l.direct(func(d direct) {
		if got := d.queuedOrders(t); !slices.Equal(got, []string{"ORD-2001"}) {
			t.Errorf("queue %v, want exactly one notification, for ORD-2001", got)
		}
		if s := attrS(d.items(t)["ORD-2001"], "Status"); s != "NOTIFIED" {
			t.Errorf("ORD-2001 Status %s, want NOTIFIED", s)
		}
	})

	// Widen: an extra inline policy granting dynamodb:* on *.
	l.direct(func(d direct) {
		if _, err := d.iam.PutRolePolicy(context.Background(), &iam.PutRolePolicyInput{RoleName: aws.String("ProcessOrderFunction-role"),
			PolicyName:     aws.String("extra-dynamodb"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}`)}); err != nil {
			t.Fatalf("widen the role: %v", err)
		}
	})
	out, _ = l.must(ExitFailed, "--output", "json", "verify")
	var v verifyDoc
	oneJSONDocument(t, []byte(out), &v)
	if v.Passed {
		t.Error("verify of a widened role passed")
	}
	named := false
	for _, c := range v.Checks {
		if !c.OK && strings.HasPrefix(c.Name, "least privilege") && strings.Contains(strings.Join(append(c.Problems, c.Detail), "\n"), "extra-dynamodb") {
			named = true
		}
	}
	if !named {
		t.Errorf("no failed least-privilege check names the policy extra-dynamodb: %+v", v.Checks)
	}
	upOut, _ = l.must(ExitOK, "up")
	if !strings.Contains(upOut, "repaired") {
		t.Errorf("up after widening: %q, want a repair", upOut)
	}
	out, _ = l.must(ExitOK, "verify")
	if !strings.Contains(out, "all 8 checks passed") {
		t.Errorf("verify after up:\n%s", out)
	}
}

// A stack deployed with another threshold verifies clean without the flag
// (the probe uses the deployed THRESHOLD); given explicitly and different,
// the drift is named.
func TestLocalVerifyUsesTheDeployedThreshold(t *testing.T) {
	l := newLocalRun(t)
	l.must(ExitOK, "up", "--threshold", "250.50")
	out, _ := l.must(ExitOK, "send", "--amount", "250.50", "--order-id", "ORD-3001")
	if !strings.Contains(out, "not above the threshold 250.50") {
		t.Errorf("send at the deployed threshold: %q", out)
	}
	out, _ = l.must(ExitOK, "verify")
	if !strings.Contains(out, "LOW 250.5: stored, not notified") || !strings.Contains(out, "all 8 checks passed") {
		t.Errorf("verify without --threshold:\n%s", out)
	}
	out, _ = l.must(ExitFailed, "verify", "--threshold", "100")
	if !strings.Contains(out, "✗ resources") || !strings.Contains(out, "THRESHOLD") || !strings.Contains(out, "✓ probe: invoke") {
		t.Errorf("verify --threshold 100 against a stack at 250.50:\n%s", out)
	}
}

// demo runs the walkthrough; run again, ORD-1001 is a duplicate, not an
// error; --destroy leaves nothing.
func TestLocalDemo(t *testing.T) {
	l := newLocalRun(t)
	out, _ := l.must(ExitOK, "demo")
	for _, want := range []string{
		"── 1/4 up", "order ORD-1001: stored, notified", "all 8 checks passed", "── 4/4 where to look",
		"function      ProcessOrderFunction", `"OrderId":"ORD-1001"`, "the queue HighValueQueue: 2 messages waiting", // ORD-1001's and verify's probe's
		"local serve", "sqs receive-message --queue-url http://127.0.0.1:4566/", "send --amount 99.99",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo stdout lacks %q", want)
		}
	}
	out, _ = l.must(ExitOK, "--output", "json", "demo", "--destroy")
	var doc demoDoc
	oneJSONDocument(t, []byte(out), &doc)
	if !doc.OK || doc.Send == nil || !doc.Send.Outcome.Duplicate || doc.Verify == nil || !doc.Verify.Passed ||
		doc.Queue == nil || doc.Queue.Messages != 3 /* ORD-1001's and each verify's HIGH probe order's */ || doc.Destroy == nil || !doc.Destroy.OK {
		t.Errorf("second demo: %+v", doc)
	}
	statusOut, _ := l.must(ExitOK, "status")
	if strings.Contains(statusOut, "present") {
		t.Errorf("after demo --destroy:\n%s", statusOut)
	}
}

func keys[V any](m map[string]V) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	slices.Sort(k)
	return k
}

// `orders logs --follow` as its own process: it prints the lines already
// there and keeps following; Ctrl-C (SIGINT) ends it with exit 0.
func TestLocalLogsFollowInterruptExits0(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT to send on Windows")
	}
	l := newLocalRun(t)
	l.must(ExitOK, "up")
	l.must(ExitOK, "send", "--amount", "250", "--order-id", "ORD-1001")

	bin, err := exec.LookPath("orders") // the test binary as orders, set up by testscript.Main
	if err != nil {
		t.Fatalf("orders is not on PATH: %v", err)
	}
	cmd := exec.Command(bin, "--local", "--data-dir", l.dir, "logs", "--follow", "--since", "0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	// Wait for the order's line: then it is following, its signal handler set.
	lines := bufio.NewScanner(stdout)
	var seen []string
	for lines.Scan() {
		seen = append(seen, lines.Text())
		if strings.Contains(lines.Text(), `"OrderId":"ORD-1001"`) {
			break
		}
	}
	if len(seen) == 0 || !strings.Contains(seen[len(seen)-1], "ORD-1001") {
		t.Fatalf("logs --follow ended without the order's line: %q\nstderr: %s", seen, &stderr)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("logs --follow after Ctrl-C: %v, want exit 0\nstderr: %s", err, &stderr)
	}
}
