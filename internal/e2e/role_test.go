package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/orders-dev/orders/policies"
)

const (
	roleName       = "ProcessOrderFunction-role"
	rolePolicyName = "ProcessOrderFunction-policy"
	logGroupName   = "/aws/lambda/ProcessOrderFunction"
)

// putRolePolicy replaces (or adds) an inline policy of the function's role,
// out of band, as someone with the console open would.
func (m *emu) putRolePolicy(t *testing.T, name, doc string) {
	t.Helper()
	if _, err := iam.NewFromConfig(m.admin()).PutRolePolicy(context.Background(), &iam.PutRolePolicyInput{
		RoleName: aws.String(roleName), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatalf("put role policy %s: %v", name, err)
	}
}

// functionPolicyWithout is the function's own policy less every statement
// granting the action.
func (m *emu) functionPolicyWithout(t *testing.T, action string) string {
	t.Helper()
	doc, err := policies.Render("function", m.arns)
	if err != nil {
		t.Fatal(err)
	}
	p := parsePolicy(t, doc)
	q := policyDoc{Version: p.Version}
	for _, s := range p.Statement {
		if !strings.Contains(strings.Join(actions(s), " "), action) {
			q.Statement = append(q.Statement, s)
		}
	}
	if len(q.Statement) == len(p.Statement) {
		t.Fatalf("the function policy has no statement granting %s", action)
	}
	b, _ := json.Marshal(q)
	return string(b)
}

// rolePolicies lists the role's inline and attached policies.
func (m *emu) rolePolicies(t *testing.T) (inline, attached []string) {
	t.Helper()
	ctx := context.Background()
	c := iam.NewFromConfig(m.admin())
	in, err := c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(roleName)})
	if err != nil {
		t.Fatalf("list role policies: %v", err)
	}
	at, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(roleName)})
	if err != nil {
		t.Fatalf("list attached role policies: %v", err)
	}
	for _, p := range at.AttachedPolicies {
		attached = append(attached, aws.ToString(p.PolicyName))
	}
	return in.PolicyNames, attached
}

// logLines returns the function's log lines that mention s.
func (m *emu) logLines(t *testing.T, s string) []string {
	t.Helper()
	out, err := cloudwatchlogs.NewFromConfig(m.admin()).FilterLogEvents(context.Background(), &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName: aws.String(logGroupName), FilterPattern: aws.String(`"` + s + `"`)})
	if err != nil {
		t.Fatalf("filter log events for %s: %v", s, err)
	}
	var lines []string
	for _, e := range out.Events {
		lines = append(lines, aws.ToString(e.Message))
	}
	return lines
}

// The function's role, enforced live: on one stack,
// widening the role is caught by verify and undone by up, with the role's
// live permissions following each change; narrowing it stops exactly the
// call it no longer allows — the publish (the order waits, stored,
// PENDING_NOTIFY) or the function's own log lines — until up restores it.
//
// internal/cli's TestLocalLeastPrivilegeEndToEnd covers the inline-policy
// widening and the sns:Publish narrowing through --local; this test adds
// an attached managed policy, the role's live permissions before and after
// up, what up says it removed, and the logs narrowing.
func TestRoleEnforcement(t *testing.T) {
	m := startEmulator(t)
	admin := m.admin()
	ctx := context.Background()
	mustOrders(t, admin, 0, "up")

	t.Run("fresh stack verifies clean", func(t *testing.T) {
		r := mustOrders(t, admin, 0, "verify")
		if !strings.Contains(r.out, "all 8 checks passed") || strings.Contains(r.out, "✗") {
			t.Errorf("verify of a fresh stack: %s", r)
		}
	})

	t.Run("widened, caught by verify, restored by up", func(t *testing.T) {
		m.putRolePolicy(t, "extra-dynamodb", `{"Version":"2012-10-17","Statement":[{"Sid":"EverythingDynamo","Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}`)
		c := iam.NewFromConfig(admin)
		p, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("extra-managed"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}`)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(roleName), PolicyArn: p.Policy.Arn}); err != nil {
			t.Fatal(err)
		}

		// The widening is live: a session of the role may now delete orders.
		session, _ := m.assumeRole(t, m.arns.Role, "widened")
		del := &dynamodb.DeleteItemInput{TableName: aws.String("OrdersTable"),
			Key: map[string]dtypes.AttributeValue{"OrderId": &dtypes.AttributeValueMemberS{Value: "NO-SUCH-ORDER"}}}
		if _, err := dynamodb.NewFromConfig(session).DeleteItem(ctx, del); err != nil {
			t.Errorf("DeleteItem as the widened role: %v, want allowed by extra-dynamodb", err)
		}

		r := mustOrders(t, admin, 1, "verify")
		for _, want := range []string{"✗ least privilege", "policy extra-dynamodb statement 0 (Sid EverythingDynamo)", `"dynamodb:*"`, "policy/extra-managed"} {
			if !strings.Contains(r.out, want) {
				t.Errorf("verify of the widened role does not name %q: %s", want, r)
			}
		}

		r = mustOrders(t, admin, 0, "up")
		for _, want := range []string{"extra inline policy extra-dynamodb", "policy/extra-managed attached", "1 repaired"} {
			if !strings.Contains(r.out+r.errOut, want) {
				t.Errorf("up does not say %q: %s", want, r)
			}
		}
		inline, attached := m.rolePolicies(t)
		if len(inline) != 1 || inline[0] != rolePolicyName || len(attached) != 0 {
			t.Errorf("after up the role has inline %v and attached %v, want only %s", inline, attached, rolePolicyName)
		}
		// The same session, still valid, has lost the permission.
		_, err = dynamodb.NewFromConfig(session).DeleteItem(ctx, del)
		if code := errorCode(err); code != "AccessDeniedException" || !strings.Contains(err.Error(), "dynamodb:DeleteItem") {
			t.Errorf("DeleteItem as the restored role: %v (code %q), want AccessDeniedException naming dynamodb:DeleteItem", err, code)
		}
		mustOrders(t, admin, 0, "verify")
	})

	t.Run("narrowed: no publish, order waits, up restores, resend notifies once", func(t *testing.T) {
		m.drainQueue(t)
		m.putRolePolicy(t, rolePolicyName, m.functionPolicyWithout(t, "sns:Publish"))
		const id = "ORD-NARROW-1"
		r := mustOrders(t, admin, 1, "send", "--amount", "500", "--order-id", id)
		if !strings.Contains(r.errOut, "AuthorizationError") || !strings.Contains(r.errOut, "sns:Publish") {
			t.Errorf("send without sns:Publish does not show the AuthorizationError: %s", r)
		}
		if q := m.drainQueue(t); len(q) != 0 {
			t.Errorf("a denied publish reached the queue: %+v", q)
		}
		if it := m.item(t, id); attr(it, "Status") != "PENDING_NOTIFY" || attr(it, "Amount") != "500" {
			t.Errorf("%s stored as %v, want Amount 500 with Status PENDING_NOTIFY", id, it)
		}

		r = mustOrders(t, admin, 0, "up")
		if !strings.Contains(r.out+r.errOut, "repaired") || !strings.Contains(r.out+r.errOut, rolePolicyName) {
			t.Errorf("up does not say it repaired %s: %s", rolePolicyName, r)
		}
		mustOrders(t, admin, 0, "send", "--amount", "500", "--order-id", id)
		mustOrders(t, admin, 0, "send", "--amount", "500", "--order-id", id) // a replay: no second message
		q := m.drainQueue(t)
		if len(q) != 1 || q[0].OrderID != id {
			t.Fatalf("queue after the resend: %+v, want exactly one notification, for %s", q, id)
		}
		if it := m.item(t, id); attr(it, "Status") != "NOTIFIED" || attr(it, "MessageId") != q[0].SNSMessageID {
			t.Errorf("%s stored as %v, want NOTIFIED with MessageId %s", id, it, q[0].SNSMessageID)
		}
	})

	t.Run("narrowed: no log permissions, no function log lines, up restores", func(t *testing.T) {
		m.putRolePolicy(t, rolePolicyName, m.functionPolicyWithout(t, "logs:PutLogEvents"))
		// Lambda writes a function's lines with its role's permissions; a
		// role that may not write them leaves none, and the order itself
		// still goes through.
		mustOrders(t, admin, 0, "send", "--amount", "20", "--order-id", "ORD-NOLOGS-1")
		if lines := m.logLines(t, "ORD-NOLOGS-1"); len(lines) != 0 {
			t.Errorf("a role without logs:PutLogEvents left log lines: %q", lines)
		}
		if !strings.Contains(m.log.String(), "function log lines dropped") {
			t.Errorf("the emulator did not log that it dropped the function's lines:\n%s", m.log)
		}
		mustOrders(t, admin, 0, "up")
		mustOrders(t, admin, 0, "send", "--amount", "20", "--order-id", "ORD-NOLOGS-2")
		if lines := m.logLines(t, "ORD-NOLOGS-2"); len(lines) == 0 {
			t.Error("after up restored the role, the function's lines are still missing")
		}
		mustOrders(t, admin, 0, "verify")
	})
}
