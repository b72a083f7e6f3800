package e2e

import (
	"context"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/orders-dev/orders/policies"
)

// operatorUser is the IAM user the operator tests run orders as.
const operatorUser = "operator"

// operatorFlow is the whole life of a stack, as a person runs it.
var operatorFlow = [][]string{
	{"up"},
	{"send", "--amount", "250"},
	{"verify"},
	{"logs"},
	{"status"},
	{"destroy", "--yes"},
}

// policyDoc is an IAM policy document, its statements kept as written.
type policyDoc struct {
	Version   string
	Statement []map[string]any
}

func parsePolicy(t *testing.T, doc []byte) policyDoc {
	t.Helper()
	var p policyDoc
	if err := json.Unmarshal(doc, &p); err != nil {
		t.Fatalf("parse policy: %v\n%s", err, doc)
	}
	return p
}

func (p policyDoc) without(sid string) []byte {
	q := policyDoc{Version: p.Version}
	for _, s := range p.Statement {
		if s["Sid"] != sid {
			q.Statement = append(q.Statement, s)
		}
	}
	b, _ := json.Marshal(q)
	return b
}

// actions lists a statement's Action, whether written as a string or a list.
func actions(s map[string]any) []string {
	switch a := s["Action"].(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, v := range a {
			out = append(out, v.(string))
		}
		return out
	}
	return nil
}

// operatorPolicy is exactly what `orders policy operator` prints for the
// default names in the emulator's account and region.
func (m *emu) operatorPolicy(t *testing.T) []byte {
	t.Helper()
	if m.arns != defaultARNs {
		t.Fatalf("the emulator's stack %+v is not the default one %+v", m.arns, defaultARNs)
	}
	doc, err := policies.Render("operator", m.arns)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// createUser makes an IAM user whose only permissions are the given
// policy, and returns an SDK configuration signed with its new access key.
//
// The policy is a customer managed policy attached to the user, not an
// inline user policy: the operator policy is longer than the 2,048
// characters IAM allows a user's inline policies (UserPolicySize, counted
// without whitespace), so PutUserPolicy refuses it, on AWS as here.
// Managed policies may hold 6,144.
func (m *emu) createUser(t *testing.T, name string, policy []byte) aws.Config {
	t.Helper()
	ctx := context.Background()
	c := iam.NewFromConfig(m.admin())
	if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	p, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("orders-operator"), PolicyDocument: aws.String(string(policy))})
	if err != nil {
		t.Fatalf("create the policy of user %s: %v", name, err)
	}
	if _, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: p.Policy.Arn}); err != nil {
		t.Fatalf("attach the policy to user %s: %v", name, err)
	}
	key, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatalf("create an access key for %s: %v", name, err)
	}
	cfg := m.config(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "")

	// The keys must be the user's, not an administrator's: otherwise every
	// run below would prove nothing.
	who, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("get caller identity as %s: %v", name, err)
	}
	if want := "arn:aws:iam::" + m.e.Account() + ":user/" + name; aws.ToString(who.Arn) != want {
		t.Fatalf("the new key signs as %s, want %s", aws.ToString(who.Arn), want)
	}
	return cfg
}

// deniedRE reads the emulator's log line for a refused request.
var deniedRE = regexp.MustCompile(`msg="request denied" principal=(\S+) action=(\S+) resource=(\S+)`)

// denials returns "action on resource" for every request the emulator refused.
func (m *emu) denials() []string {
	var out []string
	for _, g := range deniedRE.FindAllStringSubmatch(m.log.String(), -1) {
		out = append(out, g[2]+" on "+g[3]+" (by "+g[1]+")")
	}
	return out
}

// runFlow runs the operator flow as cfg until a command fails, and returns
// every command's result (the last one failed, unless all passed). With
// repair, the administrator drifts the stack after the first up (see
// drift) and the operator runs up again, which must put it all back.
func runFlow(t *testing.T, m *emu, cfg aws.Config, repair bool) []result {
	t.Helper()
	var rs []result
	for i, args := range operatorFlow {
		r := orders(t, cfg, args...)
		rs = append(rs, r)
		if r.code != 0 {
			break
		}
		if i == 0 && repair {
			m.drift(t)
			// The drift took the stack tags off: those resources are no
			// longer the stack's until up --adopt takes them back.
			r = orders(t, cfg, "up", "--adopt")
			rs = append(rs, r)
			if r.code != 0 {
				break
			}
			if !strings.Contains(r.out, "7 repaired") {
				t.Fatalf("up after the drift did not repair what drifted: %s", r)
			}
		}
	}
	return rs
}

// reportOf is where a failed command explains itself: stderr, and for
// verify also stdout, where its checklist (the command's result) names
// what each failed check could not do; its stderr only counts them.
func reportOf(r result) string {
	if len(r.args) > 0 && r.args[0] == "verify" {
		return r.out + r.errOut
	}
	return r.errOut
}

// The operator's own least privilege: a user holding exactly
// `orders policy operator` runs the whole flow; the same user without any
// one statement of it cannot, and is told which action it lacks.
func TestOperatorPolicy(t *testing.T) {
	t.Run("whole policy", func(t *testing.T) {
		t.Parallel()
		m := startEmulator(t)
		cfg := m.createUser(t, operatorUser, m.operatorPolicy(t))
		for _, r := range runFlow(t, m, cfg, false) {
			if r.code != 0 {
				t.Fatalf("as the operator user: %s", r)
			}
		}
		// Every call orders made was allowed — also the ones whose denial
		// a command would tolerate — so the policy misses nothing.
		if d := m.denials(); len(d) > 0 {
			t.Errorf("the emulator refused calls of the operator's flow:\n%s", strings.Join(d, "\n"))
		}
	})

	// How a person can be given the policy: IAM counts a document's
	// characters without whitespace, against 2,048 for all of a user's
	// inline policies and 6,144 for a managed policy.
	t.Run("fits IAM's quotas", func(t *testing.T) {
		t.Parallel()
		m := startEmulator(t)
		doc := m.operatorPolicy(t)
		n := len(strings.Join(strings.Fields(string(doc)), ""))
		if n > 6144 {
			t.Fatalf("the operator policy has %d characters (without whitespace): more than a managed policy may hold (6,144)", n)
		}
		c := iam.NewFromConfig(m.admin())
		ctx := context.Background()
		if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("inline")}); err != nil {
			t.Fatal(err)
		}
		_, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("inline"), PolicyName: aws.String("orders-operator"), PolicyDocument: aws.String(string(doc))})
		switch {
		case n > 2048 && errorCode(err) != "LimitExceeded":
			t.Errorf("PutUserPolicy of %d characters: %v, want LimitExceeded (a user's inline policies hold 2,048)", n, err)
		case n > 2048:
			t.Logf("the operator policy (%d characters) is too large for a user's inline policy: grant it as a managed policy", n)
		case err != nil:
			t.Errorf("PutUserPolicy of %d characters: %v", n, err)
		}
	})

	// exceptions are statements whose removal cannot make the flow fail,
	// on AWS either; the test proves the flow still succeeds without them.
	exceptions := map[string]string{
		"WhoAmINoResourceLevelPermissions": "sts:GetCallerIdentity is never denied by AWS (no policy can deny it); the emulator matches",
	}

	full, err := policies.Render("operator", defaultARNs)
	if err != nil {
		t.Fatal(err)
	}
	doc := parsePolicy(t, full)
	for sid := range exceptions {
		if !slices.ContainsFunc(doc.Statement, func(s map[string]any) bool { return s["Sid"] == sid }) {
			t.Errorf("exception %s names no statement of the operator policy", sid)
		}
	}
	for _, st := range doc.Statement {
		sid, _ := st["Sid"].(string)
		acts := actions(st)
		t.Run("without "+sid, func(t *testing.T) {
			t.Parallel()
			m := startEmulator(t)
			cfg := m.createUser(t, operatorUser, doc.without(sid))
			rs := runFlow(t, m, cfg, false)
			last := rs[len(rs)-1]

			if reason, ok := exceptions[sid]; ok {
				if last.code != 0 {
					t.Errorf("without %s (an exception: %s) the flow failed: %s", sid, reason, last)
				}
				if d := m.denials(); len(d) > 0 {
					t.Errorf("without %s (an exception: %s) the emulator refused:\n%s", sid, reason, strings.Join(d, "\n"))
				}
				return
			}
			if last.code == 0 {
				t.Fatalf("FINDING: the whole flow succeeds without statement %s (%s): the operator policy grants more than orders needs",
					sid, strings.Join(acts, ", "))
			}
			if last.code != 1 {
				t.Errorf("exit %d, want 1: %s", last.code, last)
			}
			where := reportOf(last)
			named := ""
			for _, a := range acts {
				if strings.Contains(where, a) {
					named = a
				}
			}
			if named == "" {
				t.Errorf("the failed command names none of %s's actions %v: %s", sid, acts, last)
			}
			if !strings.Contains(where, "access denied") || !strings.Contains(where, "orders policy operator") {
				t.Errorf("the failed command does not explain the AccessDenied with a pointer to `orders policy operator`: %s", last)
			}
			// Nothing outside the removed statement was refused: the rest
			// of the policy still covers everything the flow got to.
			for _, d := range m.denials() {
				action, _, _ := strings.Cut(d, " ")
				if !slices.Contains(acts, action) {
					t.Errorf("refused %s, which statement %s does not grant", d, sid)
				}
			}
			t.Logf("without %s: `orders %s` failed on %s", sid, strings.Join(last.args, " "), named)
		})
	}
}

func (p policyDoc) withoutAction(action string) []byte {
	q := policyDoc{Version: p.Version}
	for _, s := range p.Statement {
		acts := slices.DeleteFunc(actions(s), func(a string) bool { return a == action })
		if len(acts) == 0 {
			continue
		}
		c := maps.Clone(s)
		c["Action"] = acts
		q.Statement = append(q.Statement, c)
	}
	b, _ := json.Marshal(q)
	return b
}

// notShownNeeded are the operator policy's actions whose removal the flow
// (with its repairs) cannot show: each with why. Every other action must
// be needed — the flow fails without it, naming it.
var notShownNeeded = map[string]string{
	"sts:GetCallerIdentity":          "never denied by AWS; the emulator matches",
	"iam:PutRolePermissionsBoundary": "called only with --permissions-boundary",
	"lambda:ListTags": "AWS returns GetFunction's Tags only to callers allowed lambda:ListTags, so up and status need it " +
		"to see the function's tags; the emulator returns them regardless",
	// Called by nothing in orders (no SDK call, waiter or paginator uses
	// them): FINDING, operator.json grants more than orders needs.
	"dynamodb:Query":                    "never called by orders (verify reads its items with GetItem)",
	"sns:SetTopicAttributes":            "never called by orders",
	"lambda:GetFunctionConfiguration":   "never called by orders (its waiters use GetFunction)",
	"logs:DescribeLogStreams":           "never called by orders (logs and verify use FilterLogEvents)",
	"logs:GetLogEvents":                 "never called by orders (logs and verify use FilterLogEvents)",
	"iam:DeleteRolePermissionsBoundary": "never called by orders (up keeps a boundary once set)",
}

// Each action of the operator policy, removed alone, on its own data dir,
// through the flow with a repair phase (the administrator drifts every
// repairable part of the stack and the operator's up puts it back). About
// 75 flows: set ORDERS_E2E_EACH_ACTION=1 to run them (CI does).
func TestOperatorPolicyEachAction(t *testing.T) {
	if !eachAction {
		t.Skip("set ORDERS_E2E_EACH_ACTION=1 to remove each action of the operator policy in turn (~75 flows)")
	}
	full, err := policies.Render("operator", defaultARNs)
	if err != nil {
		t.Fatal(err)
	}
	doc := parsePolicy(t, full)
	t.Run("whole policy, repairing drift", func(t *testing.T) {
		t.Parallel()
		m := startEmulator(t)
		for _, r := range runFlow(t, m, m.createUser(t, operatorUser, full), true) {
			if r.code != 0 {
				t.Fatalf("as the operator user: %s", r)
			}
		}
		if d := m.denials(); len(d) > 0 {
			t.Errorf("the emulator refused calls of the operator's flow:\n%s", strings.Join(d, "\n"))
		}
	})
	seen := map[string]bool{}
	for _, st := range doc.Statement {
		for _, a := range actions(st) {
			seen[a] = true
			t.Run(a, func(t *testing.T) {
				t.Parallel()
				m := startEmulator(t)
				rs := runFlow(t, m, m.createUser(t, operatorUser, doc.withoutAction(a)), true)
				last := rs[len(rs)-1]
				reason, listed := notShownNeeded[a]
				switch {
				case last.code == 0 && !listed:
					t.Errorf("FINDING: the flow, repairs included, succeeds without %s: the operator policy grants more than orders needs", a)
				case last.code == 0:
					t.Logf("not needed by the flow: %s", reason)
				case listed:
					t.Errorf("%s is listed as not needed (%s), but the flow fails without it: %s", a, reason, last)
				case !strings.Contains(reportOf(last), a):
					t.Errorf("the flow fails without %s but does not name it: %s", a, last)
				}
			})
		}
	}
	for a := range notShownNeeded {
		if !seen[a] {
			t.Errorf("notShownNeeded lists %s, which the operator policy does not grant", a)
		}
	}
}
