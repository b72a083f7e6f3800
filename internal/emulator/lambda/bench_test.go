//go:build linux

package lambda

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
)

func reportLatencies(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	ms := func(q float64) float64 { return float64(d[int(q*float64(len(d)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(ms(0.5), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}

// BenchmarkWarmInvoke: one RequestResponse invoke through the SDK client,
// end to end, on a warm instance.
func BenchmarkWarmInvoke(b *testing.B) {
	needExec(b)
	e := newTestEnv(b)
	e.create(b, "fn", bootstrapZip)
	in := &awslambda.InvokeInput{FunctionName: aws.String("fn"), Payload: []byte(`{"echo":{"OrderId":"ORD-1001","Amount":250}}`)}
	ctx := context.Background()
	if _, err := e.client.Invoke(ctx, in); err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		out, err := e.client.Invoke(ctx, in)
		if err != nil || out.FunctionError != nil {
			b.Fatal(err, out)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	reportLatencies(b, lat)
}

// BenchmarkWarmInvokeParallel: throughput with concurrent clients, up to
// MaxConcurrency instances.
func BenchmarkWarmInvokeParallel(b *testing.B) {
	needExec(b)
	e := newTestEnv(b)
	e.create(b, "fn", bootstrapZip)
	ctx := context.Background()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		in := &awslambda.InvokeInput{FunctionName: aws.String("fn"), Payload: []byte(`{}`)}
		for pb.Next() {
			if out, err := e.client.Invoke(ctx, in); err != nil || out.FunctionError != nil {
				b.Error(err, out)
				return
			}
		}
	})
}

// BenchmarkColdStart: an invoke that has to start a new instance (code
// already unpacked, as for every cold start after the first).
func BenchmarkColdStart(b *testing.B) {
	needExec(b)
	e := newTestEnv(b)
	e.create(b, "fn", bootstrapZip)
	fn := e.svc.functions["us-east-1/fn"]
	in := &awslambda.InvokeInput{FunctionName: aws.String("fn"), Payload: []byte(`{}`)}
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		fn.pool.reconfigure(fn.rec.Load()) // drop the warm instance
		b.StartTimer()
		t0 := time.Now()
		if out, err := e.client.Invoke(ctx, in); err != nil || out.FunctionError != nil {
			b.Fatal(err, out)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	reportLatencies(b, lat)
}
