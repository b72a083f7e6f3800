package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/realism"
	"github.com/orders-dev/orders/internal/emulator/store"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func realismEnv(t *testing.T) (*testEnv, *fakeClock) {
	t.Helper()
	p, err := realism.New(realism.Config{Mode: realism.AWS, Scale: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	st, err := store.Open(t.TempDir(), store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	e := newTestEnvOn(t, st, dispatch.Options{Now: clock.Now}, func(o *Options) {
		o.Realism = p
		o.Now = clock.Now
	})
	return e, clock
}

func TestRealismFunctionPendingThenActive(t *testing.T) {
	e, clock := realismEnv(t)
	ctx := context.Background()
	out := e.create(t, "fn", noBootZip)
	if out.State != types.StatePending {
		t.Fatalf("CreateFunction State = %q, want Pending", out.State)
	}
	conf := func() *awslambda.GetFunctionConfigurationOutput {
		t.Helper()
		c, err := e.client.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: aws.String("fn")})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	clock.Advance(realism.LambdaPending - time.Millisecond)
	if c := conf(); c.State != types.StatePending || c.StateReasonCode != types.StateReasonCodeCreating {
		t.Fatalf("just before %v: State %q (%q), want Pending (Creating)", realism.LambdaPending, c.State, c.StateReasonCode)
	}
	g, err := e.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("fn")})
	if err != nil || g.Configuration.State != types.StatePending {
		t.Fatalf("GetFunction while Pending: %v, %v", g, err)
	}
	_, err = e.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("fn")})
	var rc *types.ResourceConflictException
	if !errors.As(err, &rc) {
		t.Fatalf("Invoke while Pending: %v, want ResourceConflictException", err)
	}
	_, err = e.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("fn"), Description: aws.String("x")})
	if !errors.As(err, &rc) {
		t.Fatalf("UpdateFunctionConfiguration while Pending: %v, want ResourceConflictException", err)
	}
	clock.Advance(time.Millisecond)
	if c := conf(); c.State != types.StateActive || c.LastUpdateStatus != types.LastUpdateStatusSuccessful {
		t.Fatalf("after %v: State %q, LastUpdateStatus %q; want Active, Successful", realism.LambdaPending, c.State, c.LastUpdateStatus)
	}
	// The SDK's FunctionActiveV2 waiter agrees.
	if err := awslambda.NewFunctionActiveV2Waiter(e.client).Wait(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("fn")}, time.Minute); err != nil {
		t.Fatal(err)
	}
}

func TestRealismUpdateInProgressRunsThePreviousVersion(t *testing.T) {
	needExec(t)
	e, clock := realismEnv(t)
	ctx := context.Background()
	e.create(t, "fn", bootstrapZip, func(in *awslambda.CreateFunctionInput) {
		in.Environment = &types.Environment{Variables: map[string]string{"VERSION": "one"}}
	})
	clock.Advance(realism.LambdaPending)
	version := func() string {
		t.Helper()
		out, err := e.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("fn"), Payload: []byte(`{"action":"env","env":["VERSION"]}`)})
		if err != nil {
			t.Fatalf("Invoke: %v", err)
		}
		var res struct {
			Env map[string]string `json:"env"`
		}
		if err := json.Unmarshal(out.Payload, &res); err != nil {
			t.Fatalf("payload %s: %v", out.Payload, err)
		}
		return res.Env["VERSION"]
	}
	if v := version(); v != "one" {
		t.Fatalf("VERSION = %q, want one", v)
	}
	up, err := e.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("fn"),
		Environment:  &types.Environment{Variables: map[string]string{"VERSION": "two"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if up.LastUpdateStatus != types.LastUpdateStatusInProgress {
		t.Fatalf("UpdateFunctionConfiguration LastUpdateStatus = %q, want InProgress", up.LastUpdateStatus)
	}
	clock.Advance(realism.LambdaUpdate - time.Millisecond)
	if v := version(); v != "one" {
		t.Fatalf("while the update is InProgress, Invoke ran VERSION=%q, want the previous one", v)
	}
	c, err := e.client.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: aws.String("fn")})
	if err != nil || c.LastUpdateStatus != types.LastUpdateStatusInProgress || c.Environment.Variables["VERSION"] != "two" {
		t.Fatalf("GetFunctionConfiguration while InProgress: %+v, %v; want InProgress showing the new configuration", c, err)
	}
	_, err = e.client.UpdateFunctionCode(ctx, &awslambda.UpdateFunctionCodeInput{FunctionName: aws.String("fn"), ZipFile: bootstrapZip})
	var rc *types.ResourceConflictException
	if !errors.As(err, &rc) {
		t.Fatalf("UpdateFunctionCode during an update: %v, want ResourceConflictException", err)
	}
	clock.Advance(time.Millisecond)
	if err := awslambda.NewFunctionUpdatedV2Waiter(e.client).Wait(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("fn")}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if v := version(); v != "two" {
		t.Fatalf("after the update: VERSION = %q, want two", v)
	}
}
