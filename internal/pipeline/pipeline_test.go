package pipeline

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	qtypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/orders-dev/orders/function"
	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/config"
	"github.com/orders-dev/orders/policies"
)

// recorder is a Reporter that remembers everything it hears.
type recorder struct {
	mu       sync.Mutex
	started  map[string]int
	done     map[string]int
	progress map[string][]string
	order    []string // "start X" / "done X"
}

func newRecorder() *recorder {
	return &recorder{started: map[string]int{}, done: map[string]int{}, progress: map[string][]string{}}
}

func (r *recorder) Start(step, resource string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.started[step]++
	r.order = append(r.order, "start "+step)
}

func (r *recorder) Progress(step, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.progress[step] = append(r.progress[step], msg)
}

func (r *recorder) Done(step string, res StepResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started[step] == 0 {
		panic("Done before Start for " + step)
	}
	r.done[step]++
	r.order = append(r.order, "done "+step)
}

// fastTimings keeps waits in tests to milliseconds.
var fastTimings = timings{
	waitMin: time.Millisecond, waitMax: 5 * time.Millisecond, waitTimeout: 5 * time.Second,
	queueCooldown: 30 * time.Millisecond, queueRetry: time.Millisecond,
	tagSettle: 20 * time.Millisecond, tagRetry: time.Millisecond, progressEvery: 10 * time.Millisecond, iamRetry: time.Millisecond,
}

func testConfig(mod ...func(*config.Config)) config.Config {
	cfg := config.Default()
	cfg.Region = fakeRegion
	for _, m := range mod {
		m(&cfg)
	}
	return cfg
}

func newTestStack(t *testing.T, f *fakeAWS, mod ...func(*config.Config)) *Stack {
	t.Helper()
	cfg := testConfig(mod...)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	s := New(cfg, f.clients())
	s.t = fastTimings
	return s
}

func stepOf(t *testing.T, r Report, name string) StepResult {
	t.Helper()
	for _, s := range r.Steps {
		if s.Step == name {
			return s
		}
	}
	t.Fatalf("no step %q in report", name)
	return StepResult{}
}

func mustUp(t *testing.T, s *Stack) Report {
	t.Helper()
	rep, err := s.Up(context.Background(), newRecorder())
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range rep.Steps {
		if st.Err != nil {
			t.Fatalf("step %s failed: %v", st.Step, st.Err)
		}
	}
	return rep
}

func wantOutcomes(t *testing.T, rep Report, want Outcome, except map[string]Outcome) {
	t.Helper()
	for _, st := range rep.Steps {
		w := want
		if o, ok := except[st.Step]; ok {
			w = o
		}
		if st.Outcome != w {
			t.Errorf("step %s: outcome %s, want %s (details %q, err %v)", st.Step, st.Outcome, w, st.Details, st.Err)
		}
	}
}

var upOrder = []string{"table", "topic", "queue", "queue policy", "subscription", "log group", "role", "function"}

func TestUpFromNothing(t *testing.T) {
	f := newFakeAWS()
	s := newTestStack(t, f)
	rec := newRecorder()
	rep, err := s.Up(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed() {
		t.Fatalf("report failed: %+v", rep)
	}
	var names []string
	for _, st := range rep.Steps {
		names = append(names, st.Step)
		if st.ARN == "" {
			t.Errorf("step %s has no ARN", st.Step)
		}
		if rec.started[st.Step] != 1 || rec.done[st.Step] != 1 {
			t.Errorf("step %s reported start %d, done %d times", st.Step, rec.started[st.Step], rec.done[st.Step])
		}
	}
	if strings.Join(names, ",") != strings.Join(upOrder, ",") {
		t.Errorf("steps %v, want %v", names, upOrder)
	}
	wantOutcomes(t, rep, Created, nil)

	arns := s.names.ARNs("aws", fakeRegion, fakeAccount)
	tag := map[string]string{config.StackTagKey: "orders"}

	tbl := f.tables["OrdersTable"]
	if tbl == nil || tbl.billing != dtypes.BillingModePayPerRequest || !tableKeyOK(tableState{keys: tbl.keys, attrs: tbl.attrs}) || tbl.tags[config.StackTagKey] != "orders" {
		t.Errorf("table: %+v", tbl)
	}
	if f.topics[arns.Topic][config.StackTagKey] != "orders" {
		t.Errorf("topic tags: %v", f.topics[arns.Topic])
	}
	q := f.queues["HighValueQueue"]
	if q == nil || q.attrs["SqsManagedSseEnabled"] != "true" || q.tags[config.StackTagKey] != "orders" {
		t.Fatalf("queue: %+v", q)
	}
	wantQueuePolicy, _ := policies.Render("queue", arns)
	if same, err := policies.Equal([]byte(q.attrs["Policy"]), wantQueuePolicy); err != nil || !same {
		t.Errorf("queue policy %s", q.attrs["Policy"])
	}
	if len(f.subs) != 1 {
		t.Errorf("subscriptions: %d, want 1", len(f.subs))
	}
	for _, sub := range f.subs {
		if sub.topic != arns.Topic || sub.endpoint != arns.Queue || sub.protocol != "sqs" {
			t.Errorf("subscription %+v", sub)
		}
	}
	g := f.groups["/aws/lambda/ProcessOrderFunction"]
	if g == nil || g.retention != 14 || g.tags[config.StackTagKey] != "orders" {
		t.Errorf("log group %+v", g)
	}
	role := f.roles["ProcessOrderFunction-role"]
	if role == nil || role.tags[config.StackTagKey] != "orders" || len(role.inline) != 1 || role.boundary != "" {
		t.Fatalf("role %+v", role)
	}
	wantFn, _ := policies.Render("function", arns)
	if same, _ := policies.Equal([]byte(role.inline["ProcessOrderFunction-policy"]), wantFn); !same {
		t.Errorf("inline policy %s", role.inline["ProcessOrderFunction-policy"])
	}
	fn := f.functions["ProcessOrderFunction"]
	if fn == nil {
		t.Fatal("no function")
	}
	c := fn.conf
	sha, _ := function.CodeSha256("arm64")
	if c.Runtime != ltypes.RuntimeProvidedal2023 || aws.ToString(c.Handler) != "bootstrap" || aws.ToString(c.Role) != arns.Role ||
		len(c.Architectures) != 1 || c.Architectures[0] != ltypes.ArchitectureArm64 || aws.ToInt32(c.Timeout) != 10 ||
		aws.ToInt32(c.MemorySize) != 128 || aws.ToString(c.CodeSha256) != sha {
		t.Errorf("function configuration %+v", c)
	}
	env := c.Environment.Variables
	if env["TABLE_NAME"] != "OrdersTable" || env["TOPIC_ARN"] != arns.Topic || env["THRESHOLD"] != "100" || len(env) != 3 {
		t.Errorf("env %v", env)
	}
	if fn.tags[config.StackTagKey] != tag[config.StackTagKey] {
		t.Errorf("function tags %v", fn.tags)
	}
}

func TestUpAgainChangesNothing(t *testing.T) {
	f := newFakeAWS()
	s := newTestStack(t, f)
	mustUp(t, s)
	f.resetCalls()
	rep := mustUp(t, s)
	wantOutcomes(t, rep, Unchanged, nil)
	if w := f.writes(); len(w) != 0 {
		t.Errorf("a no-change up made writes: %v", w)
	}
	for _, st := range rep.Steps {
		if len(st.Details) != 0 {
			t.Errorf("step %s details %q", st.Step, st.Details)
		}
	}
}

func TestUpWithPrefixAndSettings(t *testing.T) {
	f := newFakeAWS()
	s := newTestStack(t, f, func(c *config.Config) {
		c.Prefix, c.Arch, c.Threshold, c.LogRetentionDays = "dev-", "x86_64", "250.50", 30
		c.Timeout, c.MemoryMB = 20, 256
		c.PermissionsBoundary = "arn:aws:iam::123456789012:policy/Boundary"
	})
	mustUp(t, s)
	fn := f.functions["dev-ProcessOrderFunction"]
	if fn == nil {
		t.Fatal("function not created under prefix")
	}
	if fn.conf.Architectures[0] != ltypes.ArchitectureX8664 || fn.conf.Environment.Variables["THRESHOLD"] != "250.50" ||
		fn.conf.Environment.Variables["TABLE_NAME"] != "dev-OrdersTable" || aws.ToInt32(fn.conf.Timeout) != 20 || aws.ToInt32(fn.conf.MemorySize) != 256 {
		t.Errorf("function %+v env %v", fn.conf, fn.conf.Environment.Variables)
	}
	if sha, _ := function.CodeSha256("x86_64"); aws.ToString(fn.conf.CodeSha256) != sha {
		t.Error("x86_64 zip not deployed")
	}
	if f.groups["/aws/lambda/dev-ProcessOrderFunction"].retention != 30 {
		t.Error("retention")
	}
	r := f.roles["dev-ProcessOrderFunction-role"]
	if r.boundary != "arn:aws:iam::123456789012:policy/Boundary" || r.tags[config.StackTagKey] != "dev-orders" {
		t.Errorf("role %+v", r)
	}
	if f.tables["dev-OrdersTable"] == nil || f.queues["dev-HighValueQueue"] == nil {
		t.Error("prefixed table/queue missing")
	}
	wantOutcomes(t, mustUp(t, s), Unchanged, nil)
}

// Each drift is introduced out of band after a first up; status must name
// it, up must repair it (reported with details), and afterwards status is
// clean and another up changes nothing. A resource that lost the stack tag
// (or carries another stack's) is no longer the stack's: status marks it
// foreign, up refuses it and changes nothing, up --adopt repairs it.
func TestDriftRepaired(t *testing.T) {
	arns := config.Default().Names().ARNs("aws", fakeRegion, fakeAccount)
	for _, tc := range []struct {
		name    string
		mod     func(*config.Config) // settings of the second up, if different
		drift   func(f *fakeAWS)
		step    string
		kind    string
		state   State // what status says before the repair; Drifted if unset
		outcome Outcome
		detail  string
	}{
		{name: "table billing", step: "table", kind: KindTable, outcome: Repaired, detail: "billing mode is PROVISIONED",
			drift: func(f *fakeAWS) { f.tables["OrdersTable"].billing = dtypes.BillingModeProvisioned }},
		{name: "table tag", state: Foreign, step: "table", kind: KindTable, outcome: Repaired, detail: "tag orders:stack missing",
			drift: func(f *fakeAWS) { delete(f.tables["OrdersTable"].tags, config.StackTagKey) }},
		{name: "topic tag", state: Foreign, step: "topic", kind: KindTopic, outcome: Repaired, detail: `tag orders:stack is "other"`,
			drift: func(f *fakeAWS) { f.topics[arns.Topic][config.StackTagKey] = "other" }},
		{name: "queue encryption", step: "queue", kind: KindQueue, outcome: Repaired, detail: "encryption is off",
			drift: func(f *fakeAWS) { f.queues["HighValueQueue"].attrs["SqsManagedSseEnabled"] = "false" }},
		{name: "queue tag", state: Foreign, step: "queue", kind: KindQueue, outcome: Repaired, detail: "tag orders:stack missing",
			drift: func(f *fakeAWS) { f.queues["HighValueQueue"].tags = map[string]string{} }},
		{name: "queue policy removed", step: "queue policy", kind: KindQueue, outcome: Repaired, detail: "queue policy missing",
			drift: func(f *fakeAWS) { delete(f.queues["HighValueQueue"].attrs, "Policy") }},
		{name: "queue policy widened", step: "queue policy", kind: KindQueue, outcome: Repaired, detail: "queue policy differs",
			drift: func(f *fakeAWS) {
				f.queues["HighValueQueue"].attrs["Policy"] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"*"}]}`
			}},
		{name: "subscription deleted", step: "subscription", kind: KindSubscription, state: Missing, outcome: Repaired, detail: "subscription was missing",
			drift: func(f *fakeAWS) { f.subs = map[string]*fakeSub{} }},
		{name: "subscription duplicated", step: "subscription", kind: KindSubscription, outcome: Repaired, detail: "duplicate subscription",
			drift: func(f *fakeAWS) { f.addSub(arns.Topic, arns.Queue) }},
		{name: "raw delivery", step: "subscription", kind: KindSubscription, outcome: Repaired, detail: "raw message delivery is on",
			drift: func(f *fakeAWS) {
				for _, s := range f.subs {
					s.raw = true
				}
			}},
		{name: "retention", step: "log group", kind: KindLogGroup, outcome: Repaired, detail: "retention is 7 days, want 14 days",
			drift: func(f *fakeAWS) { f.groups["/aws/lambda/ProcessOrderFunction"].retention = 7 }},
		{name: "retention removed", step: "log group", kind: KindLogGroup, outcome: Repaired, detail: "retention is never expire",
			drift: func(f *fakeAWS) { f.groups["/aws/lambda/ProcessOrderFunction"].retention = 0 }},
		{name: "log group tag", state: Foreign, step: "log group", kind: KindLogGroup, outcome: Repaired, detail: "tag orders:stack missing",
			drift: func(f *fakeAWS) { f.groups["/aws/lambda/ProcessOrderFunction"].tags = map[string]string{} }},
		{name: "trust policy", step: "role", kind: KindRole, outcome: Repaired, detail: "trust policy differs",
			drift: func(f *fakeAWS) {
				f.roles["ProcessOrderFunction-role"].trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
			}},
		{name: "inline policy widened", step: "role", kind: KindRole, outcome: Repaired, detail: "inline policy ProcessOrderFunction-policy differs",
			drift: func(f *fakeAWS) {
				f.roles["ProcessOrderFunction-role"].inline["ProcessOrderFunction-policy"] = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}]}`
			}},
		{name: "inline policy deleted", step: "role", kind: KindRole, outcome: Repaired, detail: "inline policy ProcessOrderFunction-policy missing",
			drift: func(f *fakeAWS) { delete(f.roles["ProcessOrderFunction-role"].inline, "ProcessOrderFunction-policy") }},
		{name: "extra inline policy", step: "role", kind: KindRole, outcome: Repaired, detail: "extra inline policy Extra",
			drift: func(f *fakeAWS) {
				f.roles["ProcessOrderFunction-role"].inline["Extra"] = `{"Version":"2012-10-17","Statement":[]}`
			}},
		{name: "managed policy", step: "role", kind: KindRole, outcome: Repaired, detail: "managed policy arn:aws:iam::aws:policy/AdministratorAccess attached",
			drift: func(f *fakeAWS) {
				r := f.roles["ProcessOrderFunction-role"]
				r.managed = append(r.managed, "arn:aws:iam::aws:policy/AdministratorAccess")
			}},
		{name: "role tag", state: Foreign, step: "role", kind: KindRole, outcome: Repaired, detail: "tag orders:stack missing",
			drift: func(f *fakeAWS) { f.roles["ProcessOrderFunction-role"].tags = map[string]string{} }},
		{name: "boundary configured", step: "role", kind: KindRole, outcome: Repaired, detail: "permissions boundary is none, want arn:aws:iam::123456789012:policy/B",
			mod:   func(c *config.Config) { c.PermissionsBoundary = "arn:aws:iam::123456789012:policy/B" },
			drift: func(*fakeAWS) {}},
		{name: "env changed", step: "function", kind: KindFunction, outcome: Repaired, detail: `environment variable THRESHOLD is "5", want "100"`,
			drift: func(f *fakeAWS) { f.functions["ProcessOrderFunction"].conf.Environment.Variables["THRESHOLD"] = "5" }},
		{name: "env extra", step: "function", kind: KindFunction, outcome: Repaired, detail: "environment variable DEBUG is set, want it unset",
			drift: func(f *fakeAWS) { f.functions["ProcessOrderFunction"].conf.Environment.Variables["DEBUG"] = "1" }},
		{name: "env missing", step: "function", kind: KindFunction, outcome: Repaired, detail: "environment variable TOPIC_ARN missing",
			drift: func(f *fakeAWS) { delete(f.functions["ProcessOrderFunction"].conf.Environment.Variables, "TOPIC_ARN") }},
		{name: "timeout", step: "function", kind: KindFunction, outcome: Repaired, detail: "timeout is 3s, want 10s",
			drift: func(f *fakeAWS) { f.functions["ProcessOrderFunction"].conf.Timeout = aws.Int32(3) }},
		{name: "memory", step: "function", kind: KindFunction, outcome: Repaired, detail: "memory is 1024 MB, want 128 MB",
			drift: func(f *fakeAWS) { f.functions["ProcessOrderFunction"].conf.MemorySize = aws.Int32(1024) }},
		{name: "handler", step: "function", kind: KindFunction, outcome: Repaired, detail: `handler is "main"`,
			drift: func(f *fakeAWS) { f.functions["ProcessOrderFunction"].conf.Handler = aws.String("main") }},
		{name: "runtime", step: "function", kind: KindFunction, outcome: Repaired, detail: `runtime is "go1.x"`,
			drift: func(f *fakeAWS) { f.functions["ProcessOrderFunction"].conf.Runtime = "go1.x" }},
		{name: "function role", step: "function", kind: KindFunction, outcome: Repaired, detail: "role is arn:aws:iam::123456789012:role/Other",
			drift: func(f *fakeAWS) {
				f.functions["ProcessOrderFunction"].conf.Role = aws.String("arn:aws:iam::123456789012:role/Other")
			}},
		{name: "function tag", state: Foreign, step: "function", kind: KindFunction, outcome: Repaired, detail: "tag orders:stack missing",
			drift: func(f *fakeAWS) { f.functions["ProcessOrderFunction"].tags = map[string]string{} }},
		{name: "code", step: "function", kind: KindFunction, outcome: Updated, detail: "code is old, want",
			drift: func(f *fakeAWS) { f.functions["ProcessOrderFunction"].conf.CodeSha256 = aws.String("old") }},
		{name: "architecture", step: "function", kind: KindFunction, outcome: Updated, detail: "architecture is [x86_64], want arm64",
			drift: func(f *fakeAWS) {
				f.functions["ProcessOrderFunction"].conf.Architectures = []ltypes.Architecture{ltypes.ArchitectureX8664}
			}},
		{name: "arch flag changed", step: "function", kind: KindFunction, outcome: Updated, detail: "architecture is [arm64], want x86_64",
			mod:   func(c *config.Config) { c.Arch = "x86_64" },
			drift: func(*fakeAWS) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAWS()
			mustUp(t, newTestStack(t, f))
			f.mu.Lock()
			tc.drift(f)
			f.mu.Unlock()

			var mods []func(*config.Config)
			if tc.mod != nil {
				mods = append(mods, tc.mod)
			}
			s := newTestStack(t, f, mods...)
			if tc.state == Foreign {
				statusShows(t, s, tc.kind, Foreign, "not ours: "+tc.kind)
				f.resetCalls()
				_, err := s.Up(context.Background(), nil)
				var fe *ForeignError
				if !errors.As(err, &fe) || len(fe.Foreign) != 1 || fe.Foreign[0].Kind != tc.kind || !strings.Contains(err.Error(), "orders up --adopt") {
					t.Fatalf("up over a foreign %s: %v, want a ForeignError naming it and --adopt", tc.kind, err)
				}
				if w := f.writes(); len(w) > 0 {
					t.Errorf("up refused, yet called %v", w)
				}
				s = newTestStack(t, f, append(mods, func(c *config.Config) { c.Adopt = true })...)
			} else if tc.state == Missing {
				statusShows(t, s, tc.kind, Missing, "")
			} else {
				statusShows(t, s, tc.kind, Drifted, tc.detail)
			}

			rep := mustUp(t, s)
			wantOutcomes(t, rep, Unchanged, map[string]Outcome{tc.step: tc.outcome})
			got := stepOf(t, rep, tc.step)
			if !strings.Contains(strings.Join(got.Details, "\n"), tc.detail) {
				t.Errorf("details %q lack %q", got.Details, tc.detail)
			}
			statusShows(t, s, tc.kind, Present, "")
			wantOutcomes(t, mustUp(t, s), Unchanged, nil)
		})
	}
}

func statusShows(t *testing.T, s *Stack, kind string, state State, detail string) {
	t.Helper()
	st, err := s.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range st {
		if r.Kind != kind {
			// The subscription is the stack's only while its topic and queue are.
			if r.Kind == KindSubscription && state == Foreign && (kind == KindTopic || kind == KindQueue) {
				if r.State != Foreign {
					t.Errorf("status of %s: %s, want foreign with its %s", r.Kind, r.State, kind)
				}
				continue
			}
			if r.State != Present {
				t.Errorf("status of %s: %s %q, want present", r.Kind, r.State, r.Drift)
			}
			continue
		}
		if r.State != state || !strings.Contains(strings.Join(r.Drift, "\n"), detail) {
			t.Errorf("status of %s: %s %q, want %s with %q", kind, r.State, r.Drift, state, detail)
		}
		if (r.ARN == "") != (state == Missing) {
			t.Errorf("status of %s: %s with ARN %q", kind, r.State, r.ARN)
		}
	}
}

func TestStatus(t *testing.T) {
	f := newFakeAWS()
	s := newTestStack(t, f)
	kinds := []string{KindTable, KindTopic, KindQueue, KindSubscription, KindLogGroup, KindRole, KindFunction}

	check := func(want map[string]State) {
		t.Helper()
		st, err := s.Status(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(st) != len(kinds) {
			t.Fatalf("got %d statuses, want %d", len(st), len(kinds))
		}
		for i, r := range st {
			if r.Kind != kinds[i] {
				t.Errorf("status %d is %s, want %s", i, r.Kind, kinds[i])
			}
			if r.State != want[r.Kind] {
				t.Errorf("%s: %s %q, want %s", r.Kind, r.State, r.Drift, want[r.Kind])
			}
			if (r.State == Missing) != (r.ARN == "") {
				t.Errorf("%s: state %s with ARN %q", r.Kind, r.State, r.ARN)
			}
		}
	}
	all := func(s State) map[string]State {
		m := map[string]State{}
		for _, k := range kinds {
			m[k] = s
		}
		return m
	}

	check(all(Missing))
	mustUp(t, s)
	check(all(Present))

	// Partial: function and queue gone (the queue takes its policy along).
	f.mu.Lock()
	delete(f.functions, "ProcessOrderFunction")
	delete(f.queues, "HighValueQueue")
	f.mu.Unlock()
	want := all(Present)
	want[KindFunction], want[KindQueue] = Missing, Missing
	check(want)
}

func TestDestroy(t *testing.T) {
	f := newFakeAWS()
	s := newTestStack(t, f)
	mustUp(t, s)
	// Things up would remove also go: an extra inline and a managed policy.
	f.roles["ProcessOrderFunction-role"].inline["Extra"] = "{}"
	f.roles["ProcessOrderFunction-role"].managed = []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}

	rec := newRecorder()
	rep, err := s.Destroy(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, st := range rep.Steps {
		names = append(names, st.Step)
	}
	wantNames := "subscription,function,log group,role policies,role,queue,topic,table"
	if strings.Join(names, ",") != wantNames {
		t.Errorf("destroy steps %v, want %s", names, wantNames)
	}
	wantOutcomes(t, rep, Deleted, nil)
	if d := strings.Join(stepOf(t, rep, "role policies").Details, "\n"); !strings.Contains(d, "Extra") || !strings.Contains(d, "ReadOnlyAccess") {
		t.Errorf("role policies details %q", d)
	}
	// Reverse order: nothing is deleted before what depends on it.
	pos := map[string]int{}
	for i, e := range rec.order {
		pos[e] = i
	}
	for _, p := range [][2]string{{"function", "table"}, {"function", "role"}, {"role policies", "role"},
		{"subscription", "queue"}, {"subscription", "topic"}, {"function", "log group"}, {"function", "topic"}} {
		if pos["done "+p[0]] > pos["start "+p[1]] {
			t.Errorf("%s started before %s was done: %v", p[1], p[0], rec.order)
		}
	}
	if len(f.tables)+len(f.topics)+len(f.subs)+len(f.queues)+len(f.groups)+len(f.roles)+len(f.functions) != 0 {
		t.Errorf("left behind: %+v", f)
	}

	rep, err = s.Destroy(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	wantOutcomes(t, rep, Absent, nil)
}

func TestDestroyPartial(t *testing.T) {
	f := newFakeAWS()
	s := newTestStack(t, f)
	mustUp(t, s)
	f.mu.Lock()
	delete(f.functions, "ProcessOrderFunction")
	delete(f.topics, s.names.ARNs("aws", fakeRegion, fakeAccount).Topic)
	f.subs = map[string]*fakeSub{}
	f.mu.Unlock()
	rep, err := s.Destroy(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	wantOutcomes(t, rep, Deleted, map[string]Outcome{"function": Absent, "topic": Absent, "subscription": Absent})
}

func TestIAMPropagationRetry(t *testing.T) {
	f := newFakeAWS()
	notYet := apiErr("InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda.")
	f.failNext("CreateFunction", notYet, notYet, notYet)
	s := newTestStack(t, f)
	rec := newRecorder()
	rep, err := s.Up(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	if got := stepOf(t, rep, "function"); got.Outcome != Created {
		t.Fatalf("function: %s %v", got.Outcome, got.Err)
	}
	if n := len(rec.progress["function"]); n != 3 {
		t.Errorf("progress %q: want 3 messages", rec.progress["function"])
	}
	for _, m := range rec.progress["function"] {
		if !strings.HasPrefix(m, "waiting for IAM role to propagate (") {
			t.Errorf("progress %q", m)
		}
	}
}

func TestIAMPropagationGivesUp(t *testing.T) {
	f := newFakeAWS()
	notYet := apiErr("InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda.")
	for range 1000 {
		f.failNext("CreateFunction", notYet)
	}
	s := newTestStack(t, f, func(c *config.Config) { c.IAMWait = 20 * time.Millisecond })
	rep, err := s.Up(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := stepOf(t, rep, "function")
	if got.Outcome != Failed || !rep.Failed() {
		t.Fatalf("function: %s", got.Outcome)
	}
	msg := got.Err.Error()
	for _, want := range []string{"create function ProcessOrderFunction", "cannot be assumed", "--iam-wait"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
}

// Other InvalidParameterValueExceptions are not retried.
func TestOtherInvalidParameterNotRetried(t *testing.T) {
	f := newFakeAWS()
	f.failNext("CreateFunction", apiErr("InvalidParameterValueException", "Unzipped size must be smaller than 262144000 bytes"))
	s := newTestStack(t, f)
	rep, _ := s.Up(context.Background(), nil)
	if got := stepOf(t, rep, "function"); got.Outcome != Failed || !strings.Contains(got.Err.Error(), "Unzipped size") {
		t.Errorf("function: %s %v", got.Outcome, got.Err)
	}
}

func TestFailureNamesStepAndResourceAndRerunContinues(t *testing.T) {
	f := newFakeAWS()
	f.failNext("CreateQueue", apiErr("InternalError", "the queue service had a bad day"))
	s := newTestStack(t, f)
	rep, err := s.Up(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Failed() {
		t.Fatal("report should have failed")
	}
	q := stepOf(t, rep, "queue")
	if q.Outcome != Failed || q.Err == nil {
		t.Fatalf("queue: %s", q.Outcome)
	}
	if msg := q.Err.Error(); !strings.HasPrefix(msg, "create queue HighValueQueue: ") || !strings.Contains(msg, "InternalError") ||
		!strings.Contains(msg, "bad day") {
		t.Errorf("queue error %q", msg)
	}
	if p := stepOf(t, rep, "queue policy"); p.Outcome != Failed || !strings.Contains(p.Err.Error(), "skipped: depends on queue") {
		t.Errorf("queue policy: %s %v", p.Outcome, p.Err)
	}
	if p := stepOf(t, rep, "subscription"); p.Outcome != Failed || !strings.Contains(p.Err.Error(), "skipped: depends on queue policy") {
		t.Errorf("subscription: %s %v", p.Outcome, p.Err)
	}
	wantOutcomes(t, rep, Created, map[string]Outcome{"queue": Failed, "queue policy": Failed, "subscription": Failed})

	rep = mustUp(t, s)
	wantOutcomes(t, rep, Unchanged, map[string]Outcome{"queue": Created, "queue policy": Created, "subscription": Created})
}

func TestAccessDeniedIsExplained(t *testing.T) {
	f := newFakeAWS()
	f.failNext("CreateRole", &smithy.OperationError{ServiceID: "IAM", OperationName: "CreateRole", Err: apiErr("AccessDenied",
		"User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::123456789012:role/ProcessOrderFunction-role")})
	s := newTestStack(t, f)
	rep, _ := s.Up(context.Background(), nil)
	r := stepOf(t, rep, "role")
	var ad *awsapi.AccessDeniedError
	if r.Outcome != Failed || !errors.As(r.Err, &ad) || ad.Action != "iam:CreateRole" {
		t.Fatalf("role: %s %v", r.Outcome, r.Err)
	}
	if msg := r.Err.Error(); !strings.HasPrefix(msg, "create role ProcessOrderFunction-role: ") || !strings.Contains(msg, "orders policy operator") {
		t.Errorf("error %q", msg)
	}
	if fn := stepOf(t, rep, "function"); !strings.Contains(fn.Err.Error(), "skipped: depends on role") {
		t.Errorf("function: %v", fn.Err)
	}
}

func TestReadFailureFailsItsStep(t *testing.T) {
	f := newFakeAWS()
	f.failNext("DescribeLogGroups", apiErr("ThrottlingException", "slow down"))
	s := newTestStack(t, f)
	rep, _ := s.Up(context.Background(), nil)
	if g := stepOf(t, rep, "log group"); g.Outcome != Failed || !strings.Contains(g.Err.Error(), "describe log group /aws/lambda/ProcessOrderFunction: ") {
		t.Errorf("log group: %s %v", g.Outcome, g.Err)
	}
	// Status reports what it could not read.
	f.failNext("GetRole", apiErr("ThrottlingException", "slow down"))
	st, err := s.Status(context.Background())
	if err == nil || !strings.Contains(err.Error(), "get role ProcessOrderFunction-role") {
		t.Errorf("status error %v", err)
	}
	if len(st) != 6 {
		t.Errorf("status should still list the 6 readable resources, got %d", len(st))
	}
}

func TestQueueDeletedRecently(t *testing.T) {
	f := newFakeAWS()
	f.failNext("CreateQueue", &qtypes.QueueDeletedRecently{Message: aws.String("You must wait 60 seconds after deleting a queue before you can create another with the same name.")})
	s := newTestStack(t, f)
	rec := newRecorder()
	rep, err := s.Up(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	q := stepOf(t, rep, "queue")
	if q.Outcome != Created {
		t.Fatalf("queue: %s %v", q.Outcome, q.Err)
	}
	if !strings.Contains(strings.Join(q.Details, "\n"), "60 s cool-down") {
		t.Errorf("details %q", q.Details)
	}
	if len(rec.progress["queue"]) == 0 || !strings.Contains(rec.progress["queue"][0], "deleted less than 60 s ago") {
		t.Errorf("progress %q", rec.progress["queue"])
	}
}

func TestQueueDeletedRecentlyGivesUp(t *testing.T) {
	f := newFakeAWS()
	for range 100 {
		f.failNext("CreateQueue", &qtypes.QueueDeletedRecently{})
	}
	s := newTestStack(t, f)
	rep, _ := s.Up(context.Background(), nil)
	if q := stepOf(t, rep, "queue"); q.Outcome != Failed || !strings.Contains(q.Err.Error(), "create queue HighValueQueue") {
		t.Errorf("queue: %s %v", q.Outcome, q.Err)
	}
}

func TestTableWithWrongKeyCannotBeRepaired(t *testing.T) {
	f := newFakeAWS()
	f.tables["OrdersTable"] = &fakeTable{arn: "arn:aws:dynamodb:us-east-1:123456789012:table/OrdersTable", status: dtypes.TableStatusActive,
		keys:    []dtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: dtypes.KeyTypeHash}},
		attrs:   []dtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: dtypes.ScalarAttributeTypeN}},
		billing: dtypes.BillingModePayPerRequest, tags: map[string]string{config.StackTagKey: "orders"}}
	s := newTestStack(t, f)
	rep, _ := s.Up(context.Background(), nil)
	tb := stepOf(t, rep, "table")
	if tb.Outcome != Failed || !strings.Contains(tb.Err.Error(), "key schema is id (N) HASH, want OrderId (S)") ||
		!strings.Contains(tb.Err.Error(), "table OrdersTable") {
		t.Errorf("table: %s %v", tb.Outcome, tb.Err)
	}
	if fn := stepOf(t, rep, "function"); !strings.Contains(fn.Err.Error(), "skipped: depends on table") {
		t.Errorf("function: %v", fn.Err)
	}
	statusShows2 := func() {
		st, _ := s.Status(context.Background())
		if st[0].State != Drifted || !strings.Contains(st[0].Drift[0], "key schema") {
			t.Errorf("table status %+v", st[0])
		}
	}
	statusShows2()

	// Remove the conflicting table: the next up continues from there.
	delete(f.tables, "OrdersTable")
	rep = mustUp(t, s)
	wantOutcomes(t, rep, Unchanged, map[string]Outcome{"table": Created, "function": Created})
}

func TestTableBeingCreatedIsWaitedFor(t *testing.T) {
	f := newFakeAWS()
	s := newTestStack(t, f)
	mustUp(t, s)
	f.tables["OrdersTable"].status = dtypes.TableStatusCreating
	// The waiter polls DescribeTable; make it see ACTIVE on its second look.
	d := &flipDynamo{fakeDynamo: fakeDynamo{f}, after: 20}
	s.c.DynamoDB = d
	s.t.progressEvery = time.Millisecond // the wait lasts ≥ 19 ms: waitMin between polls
	rec := newRecorder()
	rep, err := s.Up(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	wantOutcomes(t, rep, Unchanged, nil)
	if d.seen < 20 {
		t.Errorf("DescribeTable called %d times, want the waiter to poll until ACTIVE", d.seen)
	}
	if p := rec.progress["table"]; len(p) == 0 || !strings.HasPrefix(p[0], "waiting for table OrdersTable to become ACTIVE (") {
		t.Errorf("progress %q", p)
	}
}

// flipDynamo turns a CREATING table ACTIVE after some DescribeTable calls.
type flipDynamo struct {
	fakeDynamo
	mu    sync.Mutex
	seen  int
	after int
}

func (d *flipDynamo) DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, o ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	d.mu.Lock()
	d.seen++
	if d.seen >= d.after {
		d.f.mu.Lock()
		if t := d.f.tables[aws.ToString(in.TableName)]; t != nil {
			t.status = dtypes.TableStatusActive
		}
		d.f.mu.Unlock()
	}
	d.mu.Unlock()
	return d.fakeDynamo.DescribeTable(ctx, in, o...)
}
