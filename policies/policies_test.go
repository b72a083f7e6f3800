package policies

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var testARNs = ARNs{
	Partition: "aws", Region: "eu-west-1", Account: "123456789012",
	Table:    "arn:aws:dynamodb:eu-west-1:123456789012:table/p-OrdersTable",
	Topic:    "arn:aws:sns:eu-west-1:123456789012:p-HighValueOrderTopic",
	Queue:    "arn:aws:sqs:eu-west-1:123456789012:p-HighValueQueue",
	LogGroup: "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/p-ProcessOrderFunction",
	Role:     "arn:aws:iam::123456789012:role/p-ProcessOrderFunction-role",
	Function: "arn:aws:lambda:eu-west-1:123456789012:function:p-ProcessOrderFunction",
}

// policy is a document as IAM reads it, with every string-or-list as a list.
type policy struct {
	Version   string
	Statement []statement
}

type statement struct {
	Sid       string
	Effect    string
	Principal map[string][]string
	Action    []string
	Resource  []string
	Condition map[string]map[string][]string
}

type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

func (st *statement) UnmarshalJSON(b []byte) error {
	var raw struct {
		Sid, Effect string
		Principal   map[string]stringOrList
		Action      stringOrList
		Resource    stringOrList
		Condition   map[string]map[string]stringOrList
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields() // no NotAction, NotResource, … sneaking in
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	*st = statement{Sid: raw.Sid, Effect: raw.Effect, Action: raw.Action, Resource: raw.Resource}
	if raw.Principal != nil {
		st.Principal = map[string][]string{}
		for k, v := range raw.Principal {
			st.Principal[k] = v
		}
	}
	if raw.Condition != nil {
		st.Condition = map[string]map[string][]string{}
		for op, kv := range raw.Condition {
			st.Condition[op] = map[string][]string{}
			for k, v := range kv {
				st.Condition[op][k] = v
			}
		}
	}
	return nil
}

func render(t *testing.T, kind string) policy {
	t.Helper()
	doc, err := Render(kind, testARNs)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(doc) {
		t.Fatalf("%s: invalid JSON:\n%s", kind, doc)
	}
	if !strings.Contains(string(doc), "\n  \"Statement\": [") {
		t.Errorf("%s: not indented:\n%s", kind, doc)
	}
	var p policy
	dec := json.NewDecoder(strings.NewReader(string(doc)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("%s: %v\n%s", kind, err, doc)
	}
	if p.Version != "2012-10-17" {
		t.Errorf("%s: Version %q", kind, p.Version)
	}
	sids := map[string]bool{}
	for _, s := range p.Statement {
		if s.Effect != "Allow" {
			t.Errorf("%s: statement %s has Effect %q", kind, s.Sid, s.Effect)
		}
		if s.Sid == "" || sids[s.Sid] || strings.Trim(s.Sid, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") != "" {
			t.Errorf("%s: Sid %q missing, repeated or not alphanumeric", kind, s.Sid)
		}
		sids[s.Sid] = true
		if len(s.Action) == 0 {
			t.Errorf("%s: statement %s has no Action", kind, s.Sid)
		}
	}
	return p
}

func TestEveryKindRenders(t *testing.T) {
	for _, kind := range Kinds {
		p := render(t, kind)
		if len(p.Statement) == 0 {
			t.Errorf("%s: no statements", kind)
		}
	}
}

// grants flattens a policy into action → sorted resources.
func grants(p policy) map[string][]string {
	g := map[string][]string{}
	for _, s := range p.Statement {
		for _, a := range s.Action {
			g[a] = append(g[a], s.Resource...)
			slices.Sort(g[a])
		}
	}
	return g
}

func TestFunctionPolicyIsExactlyTheFourGrants(t *testing.T) {
	p := render(t, "function")
	want := map[string][]string{
		"dynamodb:PutItem":     {testARNs.Table},
		"sns:Publish":          {testARNs.Topic},
		"logs:CreateLogStream": {testARNs.LogGroup + ":*"},
		"logs:PutLogEvents":    {testARNs.LogGroup + ":*"},
	}
	if got := grants(p); !reflect.DeepEqual(got, want) {
		t.Errorf("grants %v\nwant   %v", got, want)
	}
	for _, s := range p.Statement {
		if s.Principal != nil || s.Condition != nil {
			t.Errorf("statement %s has a Principal or Condition", s.Sid)
		}
		for _, a := range s.Action {
			if strings.ContainsAny(a, "*?") {
				t.Errorf("wildcard action %q", a)
			}
		}
		for _, r := range s.Resource {
			if strings.Contains(strings.TrimSuffix(r, ":*"), "*") || (strings.HasSuffix(r, ":*") && r != testARNs.LogGroup+":*") {
				t.Errorf("wildcard resource %q outside the log group's :* suffix", r)
			}
		}
	}
}

func TestTrustPolicy(t *testing.T) {
	p := render(t, "trust")
	if len(p.Statement) != 1 {
		t.Fatalf("%d statements", len(p.Statement))
	}
	s := p.Statement[0]
	if !reflect.DeepEqual(s.Principal, map[string][]string{"Service": {"lambda.amazonaws.com"}}) ||
		!reflect.DeepEqual(s.Action, []string{"sts:AssumeRole"}) || s.Resource != nil || s.Condition != nil {
		t.Errorf("trust statement %+v", s)
	}
}

func TestQueuePolicy(t *testing.T) {
	p := render(t, "queue")
	if len(p.Statement) != 1 {
		t.Fatalf("%d statements", len(p.Statement))
	}
	s := p.Statement[0]
	want := statement{
		Sid: s.Sid, Effect: "Allow",
		Principal: map[string][]string{"Service": {"sns.amazonaws.com"}},
		Action:    []string{"sqs:SendMessage"},
		Resource:  []string{testARNs.Queue},
		Condition: map[string]map[string][]string{"ArnEquals": {"aws:SourceArn": {testARNs.Topic}}},
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("queue statement\n%+v\nwant\n%+v", s, want)
	}
}

// The operator policy allows exactly what the CLI calls, each on its own
// resource, and "*" only where the action has no resource-level permissions.
func TestOperatorPolicy(t *testing.T) {
	a := testARNs
	on := func(resources []string, actions ...string) map[string][]string {
		m := map[string][]string{}
		for _, act := range actions {
			m[act] = slices.Sorted(slices.Values(resources))
		}
		return m
	}
	want := map[string][]string{}
	for _, m := range []map[string][]string{
		on([]string{"*"}, "sts:GetCallerIdentity", "logs:DescribeLogGroups"),
		on([]string{a.Table}, "dynamodb:CreateTable", "dynamodb:DescribeTable", "dynamodb:DeleteTable", "dynamodb:UpdateTable",
			"dynamodb:TagResource", "dynamodb:ListTagsOfResource", "dynamodb:GetItem", "dynamodb:DeleteItem"),
		on([]string{a.Topic}, "sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes",
			"sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:TagResource", "sns:ListTagsForResource"),
		// Subscription calls are authorized against the subscription's
		// ARN, which is the topic's plus ":<id>".
		on([]string{a.Topic, a.Topic + ":*"}, "sns:Unsubscribe", "sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes"),
		on([]string{a.Queue}, "sqs:GetQueueUrl", "sqs:SetQueueAttributes"),
		// verify's probe makes, reads and deletes queues of its own and
		// never reads the stack's, which holds others' messages; it finds leftovers by listing.
		on([]string{a.Queue, a.Queue + "-probe-*"}, "sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueAttributes",
			"sqs:TagQueue", "sqs:ListQueueTags"),
		on([]string{a.Queue + "-probe-*"}, "sqs:ReceiveMessage"),
		on([]string{"*"}, "sqs:ListQueues"),
		on([]string{a.Role}, "iam:CreateRole", "iam:GetRole", "iam:DeleteRole", "iam:UpdateAssumeRolePolicy", "iam:TagRole",
			"iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
			"iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:SimulatePrincipalPolicy",
			"iam:PassRole"),
		on([]string{a.Function}, "lambda:CreateFunction", "lambda:GetFunction",
			"lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:DeleteFunction", "lambda:InvokeFunction",
			"lambda:TagResource", "lambda:ListTags"),
		on([]string{a.LogGroup, a.LogGroup + ":*"}, "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy",
			"logs:TagResource", "logs:ListTagsForResource", "logs:FilterLogEvents"),
	} {
		for k, v := range m {
			if _, dup := want[k]; dup {
				t.Fatalf("the test lists %s twice", k)
			}
			want[k] = v
		}
	}
	p := render(t, "operator")
	got := grants(p)
	for act, res := range want {
		if !reflect.DeepEqual(got[act], res) {
			t.Errorf("%s on %v, want %v", act, got[act], res)
		}
	}
	for act := range got {
		if _, ok := want[act]; !ok {
			t.Errorf("extra action %s", act)
		}
	}

	// Statements are grouped by service, and only PassRole is conditional.
	for _, s := range p.Statement {
		svc := ""
		for _, act := range s.Action {
			prefix, _, _ := strings.Cut(act, ":")
			if svc != "" && prefix != svc {
				t.Errorf("statement %s mixes %s and %s", s.Sid, svc, prefix)
			}
			svc = prefix
		}
		if slices.Contains(s.Action, "iam:PassRole") {
			if len(s.Action) != 1 || !reflect.DeepEqual(s.Condition, map[string]map[string][]string{
				"StringEquals": {"iam:PassedToService": {"lambda.amazonaws.com"}}}) {
				t.Errorf("PassRole statement %+v: want it alone, conditioned on iam:PassedToService", s)
			}
		} else if s.Condition != nil {
			t.Errorf("statement %s has a condition", s.Sid)
		}
	}
}

// Every ARN the template writes is the caller's: a prefix changes them all.
func TestRenderUsesTheGivenARNs(t *testing.T) {
	for _, kind := range Kinds {
		doc, err := Render(kind, testARNs)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		json.Unmarshal(doc, &v)
		for _, s := range strings.Split(fmt.Sprint(v), " ") {
			if strings.Contains(s, "arn:") && !strings.Contains(s, "123456789012:") && !strings.Contains(s, "::123456789012") {
				t.Errorf("%s: ARN %q not from the given ones", kind, s)
			}
		}
		if kind != "trust" && !strings.Contains(string(doc), "p-") {
			t.Errorf("%s: no prefixed name in\n%s", kind, doc)
		}
	}
}

// ARNs are JSON-escaped, so none can change the document's structure.
func TestRenderEscapes(t *testing.T) {
	a := testARNs
	a.Table = `arn:aws:dynamodb:r:1:table/x"],"Action":["*"],"Resource":["*`
	doc, err := Render("function", a)
	if err != nil {
		t.Fatal(err)
	}
	var p policy
	if err := json.Unmarshal(doc, &p); err != nil {
		t.Fatal(err)
	}
	if g := grants(p); !reflect.DeepEqual(g["dynamodb:PutItem"], []string{a.Table}) || len(g) != 4 {
		t.Errorf("grants %v", g)
	}
}

func TestRenderErrors(t *testing.T) {
	if _, err := Render("admin", testARNs); err == nil || !strings.Contains(err.Error(), "function, trust, queue, operator") {
		t.Errorf("unknown kind: %v", err)
	}
	if _, err := Render("trust", ARNs{}); err != nil {
		t.Errorf("trust needs no ARNs: %v", err)
	}
	a := testARNs
	a.Topic = ""
	if _, err := Render("function", a); err == nil || !strings.Contains(err.Error(), "Topic ARN is empty") {
		t.Errorf("empty topic: %v", err)
	}
	a = testARNs
	a.LogGroup += ":*"
	if _, err := Render("function", a); err == nil || !strings.Contains(err.Error(), "must not end with :*") {
		t.Errorf("log group with :*: %v", err)
	}
	a = testARNs
	a.Queue = "HighValueQueue"
	if _, err := Render("queue", a); err == nil || !strings.Contains(err.Error(), "does not start with arn:") {
		t.Errorf("queue name for ARN: %v", err)
	}
}

func TestRenderedDocumentsEqualThemselvesURLEncoded(t *testing.T) {
	for _, kind := range Kinds {
		doc, _ := Render(kind, testARNs)
		eq, err := Equal(doc, []byte(url.QueryEscape(string(doc))))
		if err != nil || !eq {
			t.Errorf("%s: Equal(doc, urlencoded(doc)) = %v, %v", kind, eq, err)
		}
		eq, err = Equal(doc, []byte(url.PathEscape(string(doc))))
		if err != nil || !eq {
			t.Errorf("%s: Equal(doc, pathescaped(doc)) = %v, %v", kind, eq, err)
		}
	}
}

// The read-only operator policy is a subset of the operator policy, each
// action on the same resources, and holds only reads: nothing it grants
// can change the account.
func TestOperatorReadOnlyPolicy(t *testing.T) {
	full := grants(render(t, "operator"))
	ro := grants(render(t, OperatorReadOnly))
	if len(ro) == 0 {
		t.Fatal("the read-only policy grants nothing")
	}
	reads := regexp.MustCompile(`^[a-z]+:(Get|List|Describe)[A-Za-z]*$|^logs:FilterLogEvents$|^iam:SimulatePrincipalPolicy$`)
	for act, res := range ro {
		if !reads.MatchString(act) {
			t.Errorf("the read-only policy grants %s, which is not a read", act)
		}
		for _, r := range res {
			if !slices.Contains(full[act], r) {
				t.Errorf("the read-only policy grants %s on %s, which the operator policy does not", act, r)
			}
		}
	}
	if slices.Contains(Kinds, OperatorReadOnly) {
		t.Errorf("%s is printed with `policy operator --read-only`, not listed as a kind of its own", OperatorReadOnly)
	}
}
