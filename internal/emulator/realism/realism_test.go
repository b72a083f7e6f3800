package realism

import (
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
)

func mustNew(t *testing.T, c Config) *Profile {
	t.Helper()
	p, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOffHasNoDelaysAndNoFaults(t *testing.T) {
	var nilProfile *Profile
	for _, p := range []*Profile{nilProfile, mustNew(t, DefaultConfig()), mustNew(t, Config{Mode: Off, Scale: 1})} {
		if d := p.Delay(IAMRoleAssumable); d != 0 {
			t.Errorf("%v: Delay = %v, want 0", p, d)
		}
		if d := p.Between(SNSDeliveryMin, SNSDeliveryMax); d != 0 {
			t.Errorf("%v: Between = %v, want 0", p, d)
		}
		for i := 0; i < 1000; i++ {
			if e := p.Fault("dynamodb", "PutItem"); e != nil {
				t.Fatalf("%v: fault %v with no fault rate", p, e)
			}
		}
	}
	if s := nilProfile.Summary(); s.Mode != Off {
		t.Errorf("nil profile summary = %+v, want mode off", s)
	}
}

func TestDelayScalesEveryDocumentedDelay(t *testing.T) {
	delays := map[string]time.Duration{
		"IAMRoleAssumable": IAMRoleAssumable, "IAMPolicyPropagation": IAMPolicyPropagation,
		"IAMAccessKeyPropagation": IAMAccessKeyPropagation, "LambdaPending": LambdaPending,
		"LambdaUpdate": LambdaUpdate, "DynamoDBCreateTable": DynamoDBCreateTable,
		"DynamoDBDeleteTable": DynamoDBDeleteTable, "DynamoDBTagPropagation": DynamoDBTagPropagation,
		"SQSQueueCreate": SQSQueueCreate, "SQSPolicyPropagation": SQSPolicyPropagation,
		"SQSDeleteQueue": SQSDeleteQueue,
	}
	want := map[string]time.Duration{
		"IAMRoleAssumable": 8 * time.Second, "IAMPolicyPropagation": 5 * time.Second,
		"IAMAccessKeyPropagation": 5 * time.Second, "LambdaPending": 2 * time.Second,
		"LambdaUpdate": 2 * time.Second, "DynamoDBCreateTable": 3 * time.Second,
		"DynamoDBDeleteTable": 3 * time.Second, "DynamoDBTagPropagation": 2 * time.Second,
		"SQSQueueCreate": time.Second, "SQSPolicyPropagation": 30 * time.Second,
		"SQSDeleteQueue": 60 * time.Second,
	}
	full := mustNew(t, Config{Mode: AWS, Scale: 1, Seed: 1})
	small := mustNew(t, Config{Mode: AWS, Scale: 0.05, Seed: 1})
	for name, base := range delays {
		if got := full.Delay(base); got != want[name] {
			t.Errorf("%s at scale 1 = %v, want %v", name, got, want[name])
		}
		if got, w := small.Delay(base), want[name]/20; got != w {
			t.Errorf("%s at scale 0.05 = %v, want %v", name, got, w)
		}
	}
}

func TestBetweenStaysInRangeAndRepeatsWithTheSeed(t *testing.T) {
	draw := func(seed int64) []time.Duration {
		p := mustNew(t, Config{Mode: AWS, Scale: 1, Seed: seed})
		var out []time.Duration
		for i := 0; i < 200; i++ {
			d := p.Between(SNSDeliveryMin, SNSDeliveryMax)
			if d < SNSDeliveryMin || d > SNSDeliveryMax {
				t.Fatalf("draw %d = %v, outside [%v, %v]", i, d, SNSDeliveryMin, SNSDeliveryMax)
			}
			out = append(out, d)
		}
		return out
	}
	a, b, c := draw(7), draw(7), draw(8)
	same, distinct := true, map[time.Duration]bool{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("draw %d: seed 7 gave %v then %v", i, a[i], b[i])
		}
		if a[i] != c[i] {
			same = false
		}
		distinct[a[i]] = true
	}
	if same {
		t.Error("seeds 7 and 8 drew the same delays")
	}
	if len(distinct) < 100 {
		t.Errorf("only %d distinct delays in 200 draws", len(distinct))
	}
}

// faults records the fault kinds of a sequence of calls.
func faults(p *Profile, calls []string) []Kind {
	out := make([]Kind, len(calls))
	for i, c := range calls {
		svc, op, _ := strings.Cut(c, "/")
		out[i] = p.Decide(svc, op)
	}
	return out
}

func callSequence(n int) []string {
	ops := []string{"dynamodb/PutItem", "sqs/SendMessage", "sns/Publish", "lambda/POST /2015-03-31/functions/*/invocations", "iam/GetRole", "sts/AssumeRole", "logs/PutLogEvents"}
	out := make([]string, n)
	for i := range out {
		out[i] = ops[(i*7+i/3)%len(ops)]
	}
	return out
}

func TestFaultsAreDeterministicBySeed(t *testing.T) {
	calls := callSequence(5000)
	cfg := Config{Mode: Off, Scale: 1, FaultRate: 0.2, Seed: 42}
	a := faults(mustNew(t, cfg), calls)
	b := faults(mustNew(t, cfg), calls)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("call %d (%s): seed 42 gave %v then %v", i, calls[i], a[i], b[i])
		}
	}
	cfg.Seed = 43
	c := faults(mustNew(t, cfg), calls)
	differ := 0
	for i := range a {
		if a[i] != c[i] {
			differ++
		}
	}
	if differ == 0 {
		t.Error("seeds 42 and 43 gave the same faults")
	}
	// The rate is honoured and every kind occurs.
	count := map[Kind]int{}
	for _, k := range a {
		count[k]++
	}
	rate := float64(len(a)-count[None]) / float64(len(a))
	if math.Abs(rate-0.2) > 0.03 {
		t.Errorf("fault share = %.3f, want 0.2 ± 0.03", rate)
	}
	for _, k := range []Kind{Throttle, Internal, Unavailable} {
		if count[k] == 0 {
			t.Errorf("no %v fault in %d calls", k, len(a))
		}
	}
	if count[Throttle] < count[Internal]+count[Unavailable] {
		t.Errorf("throttling (%d) should be most faults (500: %d, 503: %d)", count[Throttle], count[Internal], count[Unavailable])
	}
}

// Calls to one operation do not shift another's faults: the same PutItem
// calls fail whatever else runs in between.
func TestFaultsOfOneOperationIgnoreOthers(t *testing.T) {
	cfg := Config{FaultRate: 0.3, Seed: 5, Scale: 1}
	alone := mustNew(t, cfg)
	mixed := mustNew(t, cfg)
	for i := 0; i < 500; i++ {
		_ = mixed.Decide("sqs", "ReceiveMessage")
		if a, m := alone.Decide("dynamodb", "PutItem"), mixed.Decide("dynamodb", "PutItem"); a != m {
			t.Fatalf("PutItem call %d: %v alone, %v between ReceiveMessages", i, a, m)
		}
	}
}

func TestFaultRateOneFailsEveryCallAndIsSafeConcurrently(t *testing.T) {
	p := mustNew(t, Config{FaultRate: 1, Seed: 3, Scale: 1})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if p.Fault("sts", "GetCallerIdentity") == nil {
					t.Error("fault rate 1 served a call")
					return
				}
			}
		}()
	}
	wg.Wait()
	// Concurrent deciders counted every call: the next decision is the
	// 1601st, the same as a single caller's.
	q := mustNew(t, Config{FaultRate: 1, Seed: 3, Scale: 1})
	for i := 0; i < 1600; i++ {
		q.Decide("sts", "GetCallerIdentity")
	}
	if a, b := p.Decide("sts", "GetCallerIdentity"), q.Decide("sts", "GetCallerIdentity"); a != b {
		t.Errorf("after 1600 concurrent calls the next fault is %v, sequentially %v", a, b)
	}
}

func TestFaultErrorsAreEachServicesOwn(t *testing.T) {
	cases := []struct {
		svc    string
		kind   Kind
		status int
		code   string
		query  string
	}{
		{"dynamodb", Throttle, 400, "ThrottlingException", ""},
		{"dynamodb", Internal, 500, "InternalServerError", ""},
		{"dynamodb", Unavailable, 503, "ServiceUnavailable", ""},
		{"sqs", Throttle, 403, "RequestThrottled", "RequestThrottled"},
		{"sqs", Internal, 500, "InternalFailure", "InternalFailure"},
		{"sns", Throttle, 429, "Throttled", ""},
		{"sns", Internal, 500, "InternalError", ""},
		{"lambda", Throttle, 429, "TooManyRequestsException", ""},
		{"lambda", Internal, 500, "ServiceException", ""},
		{"iam", Throttle, 400, "Throttling", ""},
		{"iam", Internal, 500, "ServiceFailure", ""},
		{"sts", Throttle, 400, "Throttling", ""},
		{"sts", Unavailable, 503, "ServiceUnavailable", ""},
		{"logs", Throttle, 400, "ThrottlingException", ""},
		{"logs", Internal, 500, "ServiceUnavailableException", ""},
	}
	for _, c := range cases {
		e := FaultError(c.svc, c.kind)
		if e.HTTPStatus() != c.status || e.Code != c.code || e.QueryCode != c.query {
			t.Errorf("%s %v = %d %s (%q), want %d %s (%q)", c.svc, c.kind, e.HTTPStatus(), e.Code, e.QueryCode, c.status, c.code, c.query)
		}
		if e.Sender != (c.kind == Throttle) {
			t.Errorf("%s %v: Sender = %v", c.svc, c.kind, e.Sender)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	bad := []struct {
		cfg     Config
		setting Setting
	}{
		{Config{Mode: "slow", Scale: 1}, SettingMode},
		{Config{Mode: AWS, Scale: -1}, SettingScale},
		{Config{Mode: AWS, Scale: math.NaN()}, SettingScale},
		{Config{Mode: AWS, Scale: 1, FaultRate: 1.5}, SettingFaultRate},
		{Config{Mode: AWS, Scale: 1, FaultRate: -0.1}, SettingFaultRate},
	}
	for _, b := range bad {
		_, err := New(b.cfg)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Setting != b.setting {
			t.Errorf("New(%+v) = %v, want a ConfigError about setting %d", b.cfg, err, b.setting)
		}
	}
}

func TestFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	p, err := FromEnv(env(nil))
	if err != nil || p.Config() != DefaultConfig() {
		t.Fatalf("no variables: %+v, %v; want the default", p.Config(), err)
	}
	p, err = FromEnv(env(map[string]string{EnvMode: "aws", EnvScale: "0.05", EnvFaultRate: "0.1", EnvFaultSeed: "9"}))
	if err != nil {
		t.Fatal(err)
	}
	if want := (Config{Mode: AWS, Scale: 0.05, FaultRate: 0.1, Seed: 9}); p.Config() != want {
		t.Errorf("profile = %+v, want %+v", p.Config(), want)
	}
	for name, value := range map[string]string{EnvMode: "fast", EnvScale: "x", EnvFaultRate: "2", EnvFaultSeed: "1.5"} {
		_, err := FromEnv(env(map[string]string{name: value}))
		if err == nil || !strings.HasPrefix(err.Error(), name+": ") || !strings.Contains(err.Error(), value) {
			t.Errorf("%s=%s: error %v, want one naming the variable and the value", name, value, err)
		}
	}
}
