package invoke

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/orders-dev/orders/internal/awsapi"
)

// fakeLambda answers Invoke with fn and records every input. Other
// methods are left to the embedded nil interface: calling one panics, so a
// test notices.
type fakeLambda struct {
	awsapi.Lambda
	fn func(ctx context.Context, in *lambda.InvokeInput) (*lambda.InvokeOutput, error)

	mu    sync.Mutex
	calls []*lambda.InvokeInput
}

func (f *fakeLambda) Invoke(ctx context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.mu.Lock()
	f.calls = append(f.calls, in)
	f.mu.Unlock()
	return f.fn(ctx, in)
}

func (f *fakeLambda) inputs() []*lambda.InvokeInput {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*lambda.InvokeInput(nil), f.calls...)
}

// fakeLogs answers FilterLogEvents with fn and records every input.
type fakeLogs struct {
	awsapi.Logs
	fn func(ctx context.Context, in *cloudwatchlogs.FilterLogEventsInput) (*cloudwatchlogs.FilterLogEventsOutput, error)

	mu    sync.Mutex
	calls []cloudwatchlogs.FilterLogEventsInput
}

func (f *fakeLogs) FilterLogEvents(ctx context.Context, in *cloudwatchlogs.FilterLogEventsInput, _ ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error) {
	f.mu.Lock()
	f.calls = append(f.calls, *in) // a copy: Tail reuses its input across pages
	f.mu.Unlock()
	return f.fn(ctx, in)
}

func (f *fakeLogs) inputs() []cloudwatchlogs.FilterLogEventsInput {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]cloudwatchlogs.FilterLogEventsInput(nil), f.calls...)
}
