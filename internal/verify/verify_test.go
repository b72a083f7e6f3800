package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/orders-dev/orders/function/handler"
	"github.com/orders-dev/orders/internal/pipeline"
)

// wantOK fails the test with the check's problems unless it passed.
func wantOK(t *testing.T, r Result) {
	t.Helper()
	if !r.OK {
		t.Errorf("check %q failed: %s\n  %s", r.Name, r.Detail, strings.Join(r.Problems, "\n  "))
	}
}

// wantProblem fails the test unless the check failed with a problem
// containing every fragment.
func wantProblem(t *testing.T, r Result, fragments ...string) {
	t.Helper()
	if r.OK {
		t.Errorf("check %q passed (%s), want a failure mentioning %q", r.Name, r.Detail, fragments)
		return
	}
	for _, p := range r.Problems {
		all := true
		for _, f := range fragments {
			if !strings.Contains(p, f) {
				all = false
				break
			}
		}
		if all {
			return
		}
	}
	t.Errorf("check %q: no problem mentions all of %q; problems:\n  %s", r.Name, fragments, strings.Join(r.Problems, "\n  "))
}

func TestHealthyStackPasses(t *testing.T) {
	w := newWorld(t)
	foreign := w.queue.send(`{"Type":"Notification","MessageId":"someone-else","TopicArn":"arn:aws:sns:us-east-1:123456789012:HighValueOrderTopic","Message":"{\"OrderId\":\"ORD-1001\",\"Amount\":250}"}`)
	junk := w.queue.send("not even JSON")
	rep, by := w.run(context.Background(), Options{})

	wantNames := []string{NameResources, NamePolicies, NameSimulation, NameProbeInvoke, NameProbeItems, NameProbeQueue, NameProbeLogs, NameProbeClean}
	var names []string
	for _, r := range rep.Checks {
		names = append(names, r.Name)
		wantOK(t, r)
	}
	if strings.Join(names, "|") != strings.Join(wantNames, "|") {
		t.Errorf("checks %q, want %q", names, wantNames)
	}
	if !rep.Passed() {
		t.Error("Passed() = false")
	}

	// The stack's queue was never read, as it is its consumers': others' messages were
	// not received, hidden or deleted, and the probe's notification is
	// there too, for its consumers, as any order's is.
	stackQueueUntouched(t, w, foreign, junk)
	if n := len(w.queue.messages); n != 3 {
		t.Errorf("the stack's queue holds %d messages, want the 2 others' and the probe's own", n)
	}
	// The probe's own queue was made, subscribed with a filter, and removed.
	probeQueueRemoved(t, w)
	// The probe cleaned up after itself.
	if len(w.db.items) != 0 {
		t.Errorf("items left: %v", w.db.items)
	}
	if strings.Join(w.db.deleted, ",") != "VERIFY-T1-LOW,VERIFY-T1-HIGH" {
		t.Errorf("deleted items %v", w.db.deleted)
	}
	for _, g := range w.db.gets {
		if !aws.ToBool(g.ConsistentRead) {
			t.Error("GetItem without ConsistentRead")
		}
	}
	if by[NameProbeQueue].Detail == "" || !strings.Contains(by[NameProbeQueue].Detail, "HighValueQueue itself not read") {
		t.Errorf("queue detail %q", by[NameProbeQueue].Detail)
	}
}

// stackQueueUntouched: verify made no ReceiveMessage, DeleteMessage or
// ChangeMessageVisibility on the stack's queue, and ids are all there.
func stackQueueUntouched(t *testing.T, w *world, ids ...string) {
	t.Helper()
	if len(w.queue.receives) != 0 || len(w.queue.deleted) != 0 || len(w.queue.released) != 0 {
		t.Errorf("verify used the stack's queue: %d receives, deleted %v, released %v", len(w.queue.receives), w.queue.deleted, w.queue.released)
	}
	for _, id := range ids {
		if !w.queue.visible(id) {
			t.Errorf("message %s of the stack's queue is gone or hidden", id)
		}
	}
	for _, m := range w.queue.messages {
		if m.received != 0 {
			t.Errorf("message %s of the stack's queue was received %d times", m.id, m.received)
		}
	}
}

// probeQueueRemoved: exactly one probe queue was made and it, and its
// subscription, are gone.
func probeQueueRemoved(t *testing.T, w *world) {
	t.Helper()
	if len(w.sqs.created) != 1 || !strings.HasPrefix(w.sqs.created[0], "HighValueQueue-probe-") {
		t.Fatalf("probe queues made: %v, want one HighValueQueue-probe-*", w.sqs.created)
	}
	if !slices.Equal(w.sqs.removed, w.sqs.created) || w.sqs.queue(w.sqs.created[0]) != nil {
		t.Errorf("probe queues removed %v, made %v", w.sqs.removed, w.sqs.created)
	}
	if len(w.topic.subs) != 0 || len(w.topic.unsubscribed) != 1 {
		t.Errorf("probe subscriptions left %v, unsubscribed %v", w.topic.subs, w.topic.unsubscribed)
	}
}

func TestProbeAmountsStraddleTheThreshold(t *testing.T) {
	w := newWorld(t)
	w.env.threshold = handler.MustParseAmount("99.95")
	w.handlerThreshold = "99.95"
	_, by := w.run(context.Background(), Options{})
	for _, r := range by {
		wantOK(t, r)
	}
	// HIGH is threshold + 150, LOW exactly the threshold, both exact.
	if d := by[NameProbeItems].Detail; !strings.Contains(d, "Amount 249.95 NOTIFIED") || !strings.Contains(d, "Amount 99.95 COMPLETE") {
		t.Errorf("items detail %q", d)
	}
}

func TestResourcesNamesDrift(t *testing.T) {
	w := newWorld(t)
	w.status[0].State = "missing"
	w.status[6].State = "drifted"
	w.status[6].Drift = []string{"environment THRESHOLD is 50, want 100"}
	r := checkResources(context.Background(), w.env)
	wantProblem(t, r, "table table-name: missing")
	wantProblem(t, r, "function function-name: drifted: environment THRESHOLD is 50, want 100")
	if !strings.Contains(r.Detail, "1 missing, 1 drifted") {
		t.Errorf("detail %q", r.Detail)
	}

	w = newWorld(t)
	w.env.status = func(context.Context) ([]pipeline.ResourceStatus, error) { return w.status[:3], errBoom }
	wantProblem(t, checkResources(context.Background(), w.env), "could not read every resource: boom")
}

func TestWidenedRoleIsNamed(t *testing.T) {
	w := newWorld(t)
	w.iam.names = append(w.iam.names, "Wide")
	w.iam.docs["Wide"] = `{"Version":"2012-10-17","Statement":[{"Sid":"Everything","Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}`
	_, by := w.run(context.Background(), Options{})

	pol := by[NamePolicies]
	wantProblem(t, pol, "extra inline policy Wide")
	wantProblem(t, pol, "policy Wide statement 0 (Sid Everything)", `wildcard action "dynamodb:*"`)
	wantProblem(t, pol, "policy Wide", `wildcard resource "*"`)

	sim := by[NameSimulation]
	wantProblem(t, sim, "dynamodb:DeleteItem on arn:aws:dynamodb:us-east-1:123456789012:table/OrdersTable is allowed but must be denied",
		"granted by policy Wide (role) statement 0 (Sid Everything)")
	wantProblem(t, sim, "dynamodb:PutItem on arn:aws:dynamodb:us-east-1:123456789012:table/OrdersTable-other is allowed")
	for _, p := range sim.Problems {
		if strings.Contains(p, "sns:") || strings.Contains(p, "sqs:") {
			t.Errorf("simulation blames a call the extra policy does not grant: %s", p)
		}
	}
	// The live probe still works: widening does not break the function.
	wantOK(t, by[NameProbeInvoke])
}

func TestNarrowedRoleNamesTheMissingPublish(t *testing.T) {
	w := newWorld(t)
	var doc map[string]any
	if err := json.Unmarshal([]byte(w.iam.docs[w.env.names.RolePolicy]), &doc); err != nil {
		t.Fatal(err)
	}
	var kept []any
	for _, s := range doc["Statement"].([]any) {
		if s.(map[string]any)["Sid"] != "NotifyHighValueOrders" {
			kept = append(kept, s)
		}
	}
	doc["Statement"] = kept
	narrowed, _ := json.Marshal(doc)
	w.iam.docs[w.env.names.RolePolicy] = string(narrowed)
	// The function's own Publish is refused, as AWS would.
	w.topic.err = apiError("AuthorizationError", "User: arn:aws:sts::123456789012:assumed-role/ProcessOrderFunction-role/s is not authorized to perform: SNS:Publish on resource: arn:aws:sns:us-east-1:123456789012:HighValueOrderTopic")

	_, by := w.run(context.Background(), Options{})
	wantProblem(t, by[NamePolicies], "inline policy ProcessOrderFunction-policy differs from the template")
	wantProblem(t, by[NamePolicies], "missing permission", "sns:Publish on arn:aws:sns:us-east-1:123456789012:HighValueOrderTopic")
	wantProblem(t, by[NameSimulation], "missing permission: sns:Publish on arn:aws:sns:us-east-1:123456789012:HighValueOrderTopic is implicitDeny")
	wantProblem(t, by[NameProbeInvoke], "HIGH order", "NotifyError", "AuthorizationError")
	wantProblem(t, by[NameProbeItems], "HIGH order", "Status PENDING_NOTIFY, want NOTIFIED")
	wantProblem(t, by[NameProbeQueue], "not checked")
	wantOK(t, by[NameProbeClean])
}

func TestManagedPolicyAndBoundary(t *testing.T) {
	w := newWorld(t)
	w.iam.managed = []string{"arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"}
	w.env.boundary = "arn:aws:iam::123456789012:policy/Boundary"
	role, err := readRole(context.Background(), w.env)
	r := checkPolicies(w.env, role, err)
	wantProblem(t, r, "managed policy arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess attached")
	wantProblem(t, r, "permissions boundary: want arn:aws:iam::123456789012:policy/Boundary, the role has none")

	w.iam.managed = nil
	w.iam.boundary = w.env.boundary
	role, err = readRole(context.Background(), w.env)
	wantOK(t, checkPolicies(w.env, role, err))
}

func TestMissingRoleAndPolicy(t *testing.T) {
	w := newWorld(t)
	w.iam.role = false
	role, err := readRole(context.Background(), w.env)
	wantProblem(t, checkPolicies(w.env, role, err), "role ProcessOrderFunction-role does not exist")

	w = newWorld(t)
	w.iam.names = nil
	role, err = readRole(context.Background(), w.env)
	r := checkPolicies(w.env, role, err)
	wantProblem(t, r, "inline policy ProcessOrderFunction-policy is missing")
	wantProblem(t, r, "missing permission", "dynamodb:PutItem")
}

func TestSimulationUnavailableFails(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"NotImplemented", apiError("NotImplemented", "The SimulatePrincipalPolicy action has not been implemented"), "does not implement iam:SimulatePrincipalPolicy"},
		{"server error", serverError500(), "failed with a server error"},
		{"denied", apiError("AccessDenied", "User: arn:aws:iam::1:user/u is not authorized to perform: iam:SimulatePrincipalPolicy on resource: r"), "iam:SimulatePrincipalPolicy"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.iam.simulateErr = tt.err
			role, _ := readRole(context.Background(), w.env)
			r := checkSimulation(context.Background(), w.env, role)
			wantProblem(t, r, "simulation not done", tt.want)
			if len(w.iam.simulated) != 1 {
				t.Errorf("%d simulations after the endpoint failed, want 1", len(w.iam.simulated))
			}
		})
	}
}

func TestSimulationAsksTheRightQuestions(t *testing.T) {
	w := newWorld(t)
	role, _ := readRole(context.Background(), w.env)
	wantOK(t, checkSimulation(context.Background(), w.env, role))
	asked := map[string]bool{}
	for _, in := range w.iam.simulated {
		if aws.ToString(in.PolicySourceArn) != "arn:aws:iam::123456789012:role/ProcessOrderFunction-role" || len(in.ResourceArns) != 1 {
			t.Errorf("simulation input %+v", in)
		}
		for _, a := range in.ActionNames {
			asked[a+" "+in.ResourceArns[0]] = true
		}
	}
	lg := "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/ProcessOrderFunction"
	for _, q := range []string{
		"logs:PutLogEvents " + lg + ":log-stream:probe",
		"logs:PutLogEvents " + lg + "-other:log-stream:probe",
		"sqs:SendMessage arn:aws:sqs:us-east-1:123456789012:HighValueQueue",
		"iam:PassRole arn:aws:iam::123456789012:role/ProcessOrderFunction-role",
		"lambda:UpdateFunctionCode arn:aws:lambda:us-east-1:123456789012:function:ProcessOrderFunction",
		"sns:Publish arn:aws:sns:us-east-1:123456789012:HighValueOrderTopic-other",
	} {
		if !asked[q] {
			t.Errorf("simulation did not ask %q", q)
		}
	}
}

func TestLowValueOrderMustNotNotify(t *testing.T) {
	w := newWorld(t)
	w.handlerThreshold = "99" // the function notifies the LOW order (100)
	_, by := w.run(context.Background(), Options{})
	wantProblem(t, by[NameProbeInvoke], "LOW order", "notified though the amount is not above the threshold 100")
	wantProblem(t, by[NameProbeQueue], "a message for the LOW order", "must not notify")
	wantProblem(t, by[NameProbeItems], "LOW order", "Status NOTIFIED, want COMPLETE")
	stackQueueUntouched(t, w)
	probeQueueRemoved(t, w)
}

func TestMissingQueueMessageLeavesOthersAlone(t *testing.T) {
	w := newWorld(t)
	w.topic.deliver = false // the subscription is broken
	foreign := w.queue.send(`{"Type":"Notification","MessageId":"x","TopicArn":"t","Message":"{\"OrderId\":\"ORD-7\",\"Amount\":300}"}`)
	_, by := w.run(context.Background(), Options{})
	wantProblem(t, by[NameProbeQueue], "no message for the HIGH order", "within 20s")
	wantProblem(t, by[NameProbeQueue], "queue HighValueQueue is not subscribed to topic HighValueOrderTopic")
	stackQueueUntouched(t, w, foreign)
	probeQueueRemoved(t, w)
	wantOK(t, by[NameProbeItems])
	wantOK(t, by[NameProbeClean])
}

func TestQueueWaitIsBoundedByPollTimeout(t *testing.T) {
	w := newWorld(t)
	w.env.pollTimeout = 45 * time.Second
	high := &probeOrder{label: "HIGH", id: "P-HIGH", amount: handler.MustParseAmount("250"), high: true}
	high.out.Notified = true
	low := &probeOrder{label: "LOW", id: "P-LOW", amount: handler.MustParseAmount("100")}
	p, err := newProbeSub(context.Background(), w.env, low.id, high.id)
	if err != nil {
		t.Fatal(err)
	}
	before := w.clock.Now()
	r := probeQueue(context.Background(), w.env, p, nil, low, high)
	wantProblem(t, r, "no message for the HIGH order", "within 45s")
	// On the fake clock, which only long polls advance.
	if waited := w.clock.Now().Sub(before); waited != 45*time.Second {
		t.Errorf("waited %s, want the 45s poll timeout", waited)
	}
	var waits []int32
	for _, in := range w.sqs.queue(p.name).receives {
		waits = append(waits, in.WaitTimeSeconds)
	}
	if fmt.Sprint(waits) != "[20 20 5]" {
		t.Errorf("WaitTimeSeconds %v, want [20 20 5]", waits)
	}
}

func TestDuplicateHighMessageFails(t *testing.T) {
	w := newWorld(t)
	w.topic.deliveries = 2
	_, by := w.run(context.Background(), Options{})
	wantProblem(t, by[NameProbeQueue], "a second message for the HIGH order", "SNS delivered the same message twice")
	stackQueueUntouched(t, w)
}

func TestRawDeliveryAndWrongAmountNamed(t *testing.T) {
	w := newWorld(t)
	w.start()
	e := w.env
	high := &probeOrder{label: "HIGH", id: "P-HIGH", amount: handler.MustParseAmount("250"), high: true}
	high.out.Notified, high.out.MessageID = true, "m-1"
	low := &probeOrder{label: "LOW", id: "P-LOW", amount: handler.MustParseAmount("100")}
	p, err := newProbeSub(context.Background(), e, low.id, high.id)
	if err != nil {
		t.Fatal(err)
	}
	w.sqs.queue(p.name).send(`{"OrderId":"P-HIGH","Amount":250.01}`)
	r := probeQueue(context.Background(), e, p, nil, low, high)
	wantProblem(t, r, "not an SNS envelope")
	wantProblem(t, r, "carries Amount 250.01, want exactly 250")
}

// Ctrl-C while the probe polls its queue: the queue and its subscription
// are removed all the same (with a fresh context).
func TestCancelledPollStillRemovesTheProbeQueue(t *testing.T) {
	w := newWorld(t)
	w.topic.deliver = false
	foreign := w.queue.send(`{"hello":"world"}`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.sqs.onProbeReceive = func(n int) {
		if n == 1 {
			cancel()
		}
	}
	_, by := w.run(ctx, Options{})
	wantProblem(t, by[NameProbeQueue], "stopped")
	stackQueueUntouched(t, w, foreign)
	probeQueueRemoved(t, w)
	// Cleanup runs after a cancellation too.
	wantOK(t, by[NameProbeClean])
	if len(w.db.items) != 0 {
		t.Errorf("items left: %v", w.db.items)
	}
}

func TestLogLinesArriveLate(t *testing.T) {
	w := newWorld(t)
	w.logs.lag = 7 * time.Second
	_, by := w.run(context.Background(), Options{})
	wantOK(t, by[NameProbeLogs])
	if n := len(w.logs.searches); n < 3 {
		t.Errorf("%d searches: the lines can only have been found by retrying", n)
	}
	for _, s := range w.logs.searches {
		if !strings.HasPrefix(aws.ToString(s.FilterPattern), `"VERIFY-T1-`) || s.StartTime == nil {
			t.Errorf("search %+v", s)
		}
	}
}

func TestLogLinesMissing(t *testing.T) {
	w := newWorld(t)
	w.logs.lag = time.Hour
	_, by := w.run(context.Background(), Options{})
	wantProblem(t, by[NameProbeLogs], "no log line for order VERIFY-T1-HIGH", "within 20s")
	wantProblem(t, by[NameProbeLogs], "no log line for order VERIFY-T1-LOW")

	w = newWorld(t)
	w.logs.missing = true
	_, by = w.run(context.Background(), Options{})
	wantProblem(t, by[NameProbeLogs], "log group /aws/lambda/ProcessOrderFunction does not exist")
}

func TestCleanupFailureReported(t *testing.T) {
	w := newWorld(t)
	w.db.deleteErr = apiError("AccessDeniedException", "User: u is not authorized to perform: dynamodb:DeleteItem on resource: t")
	_, by := w.run(context.Background(), Options{})
	wantProblem(t, by[NameProbeClean], "delete probe item VERIFY-T1-LOW", "dynamodb:DeleteItem")
	if by[NameProbeClean].OK {
		t.Error("cleanup passed")
	}
}

func TestGivenOrder(t *testing.T) {
	w := newWorld(t)
	w.start()
	for _, ev := range []string{`{"OrderId":"ORD-1001","Amount":250}`, `{"OrderId":"ORD-1002","Amount":99.99}`, `{"OrderId":"ORD-10","Amount":5}`} {
		if _, err := w.env.lambda.Invoke(context.Background(), &lambda.InvokeInput{Payload: []byte(ev)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"ORD-1001", "ORD-1002"} {
		_, by := w.run(context.Background(), Options{OrderID: id})
		if len(by) != 6 {
			t.Errorf("%s: %d checks, want 6 (no probe)", id, len(by))
		}
		wantOK(t, by["order "+id+": DynamoDB item"])
		wantOK(t, by["order "+id+": SNS → SQS message"])
		wantOK(t, by["order "+id+": CloudWatch Logs"])
	}
	if w.db.item("ORD-1001") == nil || len(w.db.deleted) != 0 {
		t.Error("checking a given order must not delete it")
	}

	// ORD-1 has no line of its own: ORD-10's does not count.
	w.db.items["ORD-1"] = map[string]dtypes.AttributeValue{
		"OrderId": &dtypes.AttributeValueMemberS{Value: "ORD-1"}, "Amount": &dtypes.AttributeValueMemberN{Value: "5"},
		"Status": &dtypes.AttributeValueMemberS{Value: "COMPLETE"}}
	_, by := w.run(context.Background(), Options{OrderID: "ORD-1"})
	wantOK(t, by["order ORD-1: DynamoDB item"])
	wantProblem(t, by["order ORD-1: CloudWatch Logs"], "no log line for order ORD-1")

	w.db.items["ORD-2"] = map[string]dtypes.AttributeValue{
		"OrderId": &dtypes.AttributeValueMemberS{Value: "ORD-2"}, "Amount": &dtypes.AttributeValueMemberN{Value: "500"},
		"Status": &dtypes.AttributeValueMemberS{Value: "PENDING_NOTIFY"}}
	_, by = w.run(context.Background(), Options{OrderID: "ORD-2"})
	wantProblem(t, by["order ORD-2: DynamoDB item"], "PENDING_NOTIFY", "never published")

	// Nothing is waited for an order that is not in the table (it waited
	// the whole poll timeout for log lines).
	searches := w.logs.searchCount()
	_, by = w.run(context.Background(), Options{OrderID: "ORD-404"})
	wantProblem(t, by["order ORD-404: DynamoDB item"], "no item with OrderId ORD-404")
	wantProblem(t, by["order ORD-404: CloudWatch Logs"], "not checked: the order is not in the table")
	wantProblem(t, by["order ORD-404: SNS → SQS message"], "not checked")
	if n := w.logs.searchCount(); n != searches {
		t.Errorf("the logs were searched %d times for an order not in the table", n-searches)
	}

	_, by = w.run(context.Background(), Options{OrderID: `bad"id`})
	wantProblem(t, by[`order bad"id: DynamoDB item`], "--order-id")
}

func TestReportPassedAndJSON(t *testing.T) {
	if (Report{}).Passed() {
		t.Error("an empty report passed")
	}
	rep := Report{Checks: []Result{{Name: "a", OK: true, Detail: "fine"}, {Name: "b", Detail: "bad", Problems: []string{"x"}}}}
	if rep.Passed() {
		t.Error("a report with a failure passed")
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"passed":false,"checks":[{"name":"a","ok":true,"detail":"fine"},{"name":"b","ok":false,"detail":"bad","problems":["x"]}]}`
	if string(b) != want {
		t.Errorf("JSON %s\nwant %s", b, want)
	}
	rep.Checks[1].OK = true
	if !rep.Passed() {
		t.Error("all passed but Passed() = false")
	}
}

func TestRunStreamsAndRefusesMissingDeps(t *testing.T) {
	var got []Result
	rep := Run(context.Background(), Deps{}, Options{}, ReporterFunc(func(r Result) { got = append(got, r) }))
	if rep.Passed() || len(got) != 1 || len(rep.Checks) != 1 || got[0].OK {
		t.Errorf("Run without deps: %+v / %+v", rep, got)
	}
}

func TestAddCents(t *testing.T) {
	for _, tt := range []struct{ a, want string }{{"100", "250"}, {"99.95", "249.95"}, {"0", "150"}, {"0.05", "150.05"}, {"1.5", "151.5"}} {
		got, err := addCents(handler.MustParseAmount(tt.a), highMargin)
		if err != nil || got.String() != tt.want {
			t.Errorf("addCents(%s) = %v, %v; want %s", tt.a, got, err, tt.want)
		}
	}
	if _, err := addCents(handler.MustParseAmount("999999999999999"), highMargin); err == nil {
		t.Error("no error beyond the largest amount")
	}
}

// --order-id checks the order's notification, as its help says, without
// receiving anything from HighValueQueue: a receive would hide the message
// from the queue's consumers and count toward their dead-letter queue.
func TestGivenOrderNotificationLeavesTheQueueAlone(t *testing.T) {
	w := newWorld(t)
	w.start()
	w.db.items["ORD-7"] = map[string]dtypes.AttributeValue{
		"OrderId": &dtypes.AttributeValueMemberS{Value: "ORD-7"}, "Amount": &dtypes.AttributeValueMemberN{Value: "500"},
		"Status": &dtypes.AttributeValueMemberS{Value: "NOTIFIED"}, "MessageId": &dtypes.AttributeValueMemberS{Value: "m-7"}}
	w.db.items["ORD-8"] = map[string]dtypes.AttributeValue{
		"OrderId": &dtypes.AttributeValueMemberS{Value: "ORD-8"}, "Amount": &dtypes.AttributeValueMemberN{Value: "500"},
		"Status": &dtypes.AttributeValueMemberS{Value: "NOTIFIED"}}
	_, by := w.run(context.Background(), Options{OrderID: "ORD-7"})
	wantOK(t, by["order ORD-7: SNS → SQS message"])
	if d := by["order ORD-7: SNS → SQS message"].Detail; !strings.Contains(d, "m-7") {
		t.Errorf("detail %q does not name the SNS MessageId", d)
	}
	_, by = w.run(context.Background(), Options{OrderID: "ORD-8"})
	wantProblem(t, by["order ORD-8: SNS → SQS message"], "no SNS MessageId")
	if len(w.queue.receives) != 0 || len(w.queue.released) != 0 {
		t.Errorf("verify --order-id touched HighValueQueue: %d receives, released %v", len(w.queue.receives), w.queue.released)
	}
}

// On a stack that does not exist, verify stops after the resources check,
// which says how many are missing and to run up.
func TestMissingStackStopsAfterResources(t *testing.T) {
	w := newWorld(t)
	for i := range w.status {
		w.status[i].State = pipeline.Missing
	}
	rep, by := w.run(context.Background(), Options{})
	if len(rep.Checks) != 1 {
		t.Errorf("%d checks, want only the resources check", len(rep.Checks))
	}
	wantProblem(t, by[NameResources])
	if d := by[NameResources].Detail; d != "7 missing — run `orders up`" {
		t.Errorf("detail %q", d)
	}
}

func (f *fakeLogs) searchCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.searches)
}

// What an interrupted verify left — its queue, subscribed, or only its
// subscription — is removed by the next one; a young probe queue (maybe
// another verify's, running) and another stack's are left alone.
func TestLeftoversOfAnInterruptedVerifyRemoved(t *testing.T) {
	w := newWorld(t)
	now := w.clock.Now()
	arn := func(name string) string { return "arn:aws:sqs:us-east-1:" + testAccount + ":" + name }
	stale := w.sqs.addQueue("HighValueQueue-probe-00000001", map[string]string{ProbeTagKey: "orders"}, now.Add(-time.Hour))
	young := w.sqs.addQueue("HighValueQueue-probe-00000002", map[string]string{ProbeTagKey: "orders"}, now.Add(-time.Minute))
	other := w.sqs.addQueue("HighValueQueue-probe-00000003", map[string]string{ProbeTagKey: "dev-orders"}, now.Add(-time.Hour))
	w.topic.subs = []*fakeSub{
		{arn: "sub-stale", endpoint: arn(stale.name), filter: []string{"X"}},
		{arn: "sub-young", endpoint: arn(young.name), filter: []string{"Y"}},
		{arn: "sub-orphan", endpoint: arn("HighValueQueue-probe-00000009"), filter: []string{"Z"}},
	}
	_, by := w.run(context.Background(), Options{})
	wantOK(t, by[NameProbeClean])
	if d := by[NameProbeClean].Detail; !strings.Contains(d, stale.name) || !strings.Contains(d, "sub-orphan") {
		t.Errorf("cleanup detail %q does not name what it removed", d)
	}
	if w.sqs.queue(stale.name) != nil {
		t.Error("the stale probe queue is still there")
	}
	if w.sqs.queue(young.name) == nil || w.sqs.queue(other.name) == nil {
		t.Error("a young probe queue or another stack's was removed")
	}
	var left []string
	for _, s := range w.topic.subs {
		left = append(left, s.arn)
	}
	if !slices.Equal(left, []string{"sub-young"}) {
		t.Errorf("subscriptions left %v, want only sub-young", left)
	}
}
