package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	qtypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/orders-dev/orders/internal/config"
	"github.com/orders-dev/orders/policies"
)

// In a shared account orders changes only what carries its tag.
// Someone else's resource with one of the stack's names, made with the SDK:
// destroy --yes leaves it (and its data) and exits 1 saying "not ours";
// up exits 1, names it and --adopt, and changes nothing in the account;
// up --adopt tags it, converges it and keeps its data.
func TestForeignResources(t *testing.T) {
	for _, tc := range []struct {
		kind  string
		make  func(t *testing.T, m *emu)               // someone else's resource, with data
		check func(t *testing.T, m *emu, adopted bool) // its data is all there
	}{
		{kind: "table", make: makeForeignTable, check: checkForeignTable},
		{kind: "queue", make: makeForeignQueue, check: checkForeignQueue},
		{kind: "role", make: makeForeignRole, check: checkForeignRole},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			t.Parallel()
			m := startEmulator(t)
			admin := m.admin()
			tc.make(t, m)

			r := mustOrders(t, admin, 1, "destroy", "--yes")
			if !strings.Contains(r.out+r.errOut, "not ours: "+tc.kind) {
				t.Errorf("destroy does not say the %s is not ours: %s", tc.kind, r)
			}
			tc.check(t, m, false)

			r = mustOrders(t, admin, 1, "up")
			if !strings.Contains(r.errOut, tc.kind) || !strings.Contains(r.errOut, "orders up --adopt") {
				t.Errorf("up does not name the %s and --adopt: %s", tc.kind, r)
			}
			tc.check(t, m, false)
			// Nothing else was made either: up refused before any write.
			st := statusOf(t, m)
			for kind, state := range st {
				if kind != tc.kind && state != "missing" {
					t.Errorf("after the refused up, %s is %s, want missing", kind, state)
				}
			}
			if st[tc.kind] != "foreign" {
				t.Errorf("status of the %s: %s, want foreign", tc.kind, st[tc.kind])
			}

			r = mustOrders(t, admin, 0, "up", "--adopt")
			if !strings.Contains(r.errOut, "adopted") {
				t.Errorf("up --adopt does not say it adopted the %s: %s", tc.kind, r)
			}
			tc.check(t, m, true)
			for kind, state := range statusOf(t, m) {
				if state != "present" {
					t.Errorf("after up --adopt, %s is %s, want present", kind, state)
				}
			}
		})
	}
}

// statusOf is `orders status` as the administrator: kind → state.
func statusOf(t *testing.T, m *emu) map[string]string {
	t.Helper()
	r := mustOrders(t, m.admin(), 0, "--output", "json", "status")
	var doc struct {
		Resources []struct{ Kind, State string }
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatalf("status JSON: %v", err)
	}
	out := map[string]string{}
	for _, res := range doc.Resources {
		out[res.Kind] = res.State
	}
	return out
}

const foreignItems = 100

func makeForeignTable(t *testing.T, m *emu) {
	ctx := context.Background()
	db := dynamodb.NewFromConfig(m.admin())
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("OrdersTable"),
		AttributeDefinitions: []dtypes.AttributeDefinition{{AttributeName: aws.String("OrderId"), AttributeType: dtypes.ScalarAttributeTypeS}},
		KeySchema:            []dtypes.KeySchemaElement{{AttributeName: aws.String("OrderId"), KeyType: dtypes.KeyTypeHash}},
		BillingMode:          dtypes.BillingModePayPerRequest,
		Tags:                 []dtypes.Tag{{Key: aws.String("team"), Value: aws.String("someone-else")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range foreignItems {
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("OrdersTable"), Item: map[string]dtypes.AttributeValue{
			"OrderId": &dtypes.AttributeValueMemberS{Value: fmt.Sprintf("THEIRS-%03d", i)},
			"Data":    &dtypes.AttributeValueMemberS{Value: "precious"},
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func checkForeignTable(t *testing.T, m *emu, adopted bool) {
	t.Helper()
	ctx := context.Background()
	db := dynamodb.NewFromConfig(m.admin())
	n := 0
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String("OrdersTable")})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("scan the foreign table: %v", err)
		}
		for _, it := range out.Items {
			if s, ok := it["Data"].(*dtypes.AttributeValueMemberS); ok && s.Value == "precious" {
				n++
			}
		}
	}
	if n != foreignItems {
		t.Errorf("the foreign table holds %d of its %d items", n, foreignItems)
	}
	tags, err := db.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(m.arns.Table)})
	if err != nil {
		t.Fatal(err)
	}
	if got := hasStackTag(dynamoTags(tags.Tags)); got != adopted {
		t.Errorf("table tagged as the stack's: %v, want %v", got, adopted)
	}
}

func dynamoTags(ts []dtypes.Tag) map[string]string {
	out := map[string]string{}
	for _, t := range ts {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

func hasStackTag(tags map[string]string) bool { return tags[config.StackTagKey] == "orders" }

const foreignMessages = 25

func makeForeignQueue(t *testing.T, m *emu) {
	ctx := context.Background()
	q := sqs.NewFromConfig(m.admin())
	// Someone else's: tagged as another stack's.
	out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("HighValueQueue"),
		Tags: map[string]string{config.StackTagKey: "someone-else"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range foreignMessages {
		if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: out.QueueUrl, MessageBody: aws.String(fmt.Sprintf("theirs %d", i))}); err != nil {
			t.Fatal(err)
		}
	}
}

func checkForeignQueue(t *testing.T, m *emu, adopted bool) {
	t.Helper()
	ctx := context.Background()
	q := sqs.NewFromConfig(m.admin())
	u, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("HighValueQueue")})
	if err != nil {
		t.Fatalf("the foreign queue is gone: %v", err)
	}
	a, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: u.QueueUrl,
		AttributeNames: []qtypes.QueueAttributeName{qtypes.QueueAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Attributes["ApproximateNumberOfMessages"]; got != fmt.Sprint(foreignMessages) {
		t.Errorf("the foreign queue holds %s messages, want %d", got, foreignMessages)
	}
	if a.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Errorf("someone received the foreign queue's messages: %s in flight", a.Attributes["ApproximateNumberOfMessagesNotVisible"])
	}
	if (a.Attributes["Policy"] != "") != adopted {
		t.Errorf("queue policy %q: set %v, want %v", a.Attributes["Policy"], a.Attributes["Policy"] != "", adopted)
	}
	tags, err := q.ListQueueTags(ctx, &sqs.ListQueueTagsInput{QueueUrl: u.QueueUrl})
	if err != nil {
		t.Fatal(err)
	}
	if got := hasStackTag(tags.Tags); got != adopted {
		t.Errorf("queue tagged as the stack's: %v, want %v", got, adopted)
	}
}

const foreignTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func makeForeignRole(t *testing.T, m *emu) {
	ctx := context.Background()
	c := iam.NewFromConfig(m.admin())
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(roleName), AssumeRolePolicyDocument: aws.String(foreignTrust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(roleName), PolicyName: aws.String("theirs"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	p, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("their-managed"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(roleName), PolicyArn: p.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
}

// checkForeignRole: until adopted the role keeps its trust policy and all
// its policies; once adopted it is the stack's, converged to the template.
func checkForeignRole(t *testing.T, m *emu, adopted bool) {
	t.Helper()
	ctx := context.Background()
	c := iam.NewFromConfig(m.admin())
	r, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(roleName)})
	if err != nil {
		t.Fatalf("the foreign role is gone: %v", err)
	}
	trustSame, _ := policies.Equal([]byte(aws.ToString(r.Role.AssumeRolePolicyDocument)), []byte(foreignTrust))
	inline, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(roleName)})
	if err != nil {
		t.Fatal(err)
	}
	managed, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(roleName)})
	if err != nil {
		t.Fatal(err)
	}
	theirs := slices.Contains(inline.PolicyNames, "theirs") && len(managed.AttachedPolicies) == 1
	tags := map[string]string{}
	for _, tg := range r.Role.Tags {
		tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	if adopted {
		if trustSame || theirs || !hasStackTag(tags) {
			t.Errorf("adopted role not converged: their trust %v, their policies %v (inline %v, managed %v), tags %v",
				trustSame, theirs, inline.PolicyNames, managed.AttachedPolicies, tags)
		}
		return
	}
	if !trustSame || !theirs || hasStackTag(tags) || len(inline.PolicyNames) != 1 {
		t.Errorf("the foreign role was changed: its trust kept %v, its policies kept %v (inline %v, managed %d), tags %v",
			trustSame, theirs, inline.PolicyNames, len(managed.AttachedPolicies), tags)
	}
}

// The dry runs make no write call: run as an IAM user holding only `orders
// policy operator --read-only`, on an empty, a full and a drifted stack,
// every one exits 0 and the emulator refuses nothing (a write would be
// refused, and logged). On an empty account up --dry-run lists 8 creations
// and creates nothing.
func TestDryRunsReadOnly(t *testing.T) {
	m := startEmulator(t)
	doc, err := policies.Render(policies.OperatorReadOnly, m.arns)
	if err != nil {
		t.Fatal(err)
	}
	ro := m.createUser(t, "read-only", doc)
	admin := m.admin()

	plan := func(verb string, extra ...string) map[string]int {
		t.Helper()
		r := mustOrders(t, ro, 0, append([]string{"--output", "json", verb, "--dry-run"}, extra...)...)
		var d struct {
			DryRun bool `json:"dry_run"`
			Plan   []struct{ Step, Action string }
		}
		if err := json.Unmarshal([]byte(r.out), &d); err != nil || !d.DryRun {
			t.Fatalf("%s --dry-run: not one plan document (%v): %s", verb, err, r)
		}
		n := map[string]int{}
		for _, it := range d.Plan {
			n[it.Action]++
		}
		return n
	}
	noDenials := func(when string) {
		t.Helper()
		if d := m.denials(); len(d) > 0 {
			t.Fatalf("%s: the read-only user was refused (a write was tried?):\n%s", when, strings.Join(d, "\n"))
		}
	}

	// Empty.
	if n := plan("up"); n["create"] != 8 || len(n) != 1 {
		t.Errorf("up --dry-run on an empty account: %v, want 8 creations", n)
	}
	r := mustOrders(t, ro, 0, "up", "--dry-run")
	// Eight steps, seven resources: the summary counts resources, as up,
	// status and verify do (the queue policy is the queue's).
	if !strings.Contains(r.out, "plan: 7 to create\n") || strings.Count(r.out, "\n  create ") != 8 {
		t.Errorf("up --dry-run text does not list 8 creations summed up as 7 resources to create: %s", r)
	}
	if n := plan("destroy"); n["no change"] != 8 {
		t.Errorf("destroy --dry-run on an empty account: %v, want 8 already absent", n)
	}
	for kind, state := range statusOf(t, m) {
		if state != "missing" {
			t.Errorf("after the dry runs, %s is %s: the dry run created it", kind, state)
		}
	}
	noDenials("empty stack")

	// Full.
	mustOrders(t, admin, 0, "up")
	if n := plan("up"); n["no change"] != 8 {
		t.Errorf("up --dry-run on a full stack: %v, want 8 unchanged", n)
	}
	if n := plan("destroy"); n["delete"] != 8 {
		t.Errorf("destroy --dry-run on a full stack: %v, want 8 deletions", n)
	}
	mustOrders(t, ro, 0, "status")
	// The rest of what the read-only policy is for: logs, and verify of a
	// given order (no probe).
	mustOrders(t, admin, 0, "send", "--amount", "250", "--order-id", "ORD-RO-1")
	mustOrders(t, ro, 0, "verify", "--order-id", "ORD-RO-1")
	mustOrders(t, ro, 0, "logs")
	noDenials("full stack")

	// Drifted (see drift): billing mode, raw delivery, trust policy, code...
	// differ, and every resource lost its stack tag, so up would leave it
	// all (and refuse to start) unless --adopt.
	m.drift(t)
	r = mustOrders(t, ro, 0, "up", "--dry-run")
	for _, want := range []string{"leave     table OrdersTable", "not ours: table OrdersTable", "would refuse to start", "orders up --adopt"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("up --dry-run on a drifted stack does not say %q: %s", want, r)
		}
	}
	r = mustOrders(t, ro, 0, "up", "--dry-run", "--adopt")
	for _, want := range []string{"update    table OrdersTable", "adopt: it has no tag orders:stack", "billing mode is PROVISIONED",
		"raw message delivery is on", "trust policy differs", "environment variable THRESHOLD is \"999\""} {
		if !strings.Contains(r.out, want) {
			t.Errorf("up --dry-run --adopt on a drifted stack does not say %q: %s", want, r)
		}
	}
	if n := plan("up", "--adopt"); n["update"] != 8 {
		t.Errorf("up --dry-run --adopt on the drifted stack: %v, want 8 updates", n)
	}
	// The drift took every stack tag off: nothing is the stack's any more.
	if n := plan("destroy"); n["leave"] != 8 {
		t.Errorf("destroy --dry-run on the drifted stack: %v, want all 8 left (none is tagged as the stack's)", n)
	}
	noDenials("drifted stack")
	// And the dry runs changed nothing: up --adopt still finds all of it to do.
	r = mustOrders(t, admin, 0, "up", "--adopt")
	if !strings.Contains(r.out, "7 repaired") {
		t.Errorf("up --adopt after the dry runs: %s", r)
	}
}
