package logs

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// BenchmarkAppend is Lambda's platform logging: START, a function line,
// END and REPORT per invocation, one stream per instance, persistence on.
func BenchmarkAppend(b *testing.B) {
	st, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	e := newEnv(b, st, dispatch.Options{})
	e.group(b, fnGroup)
	var instance atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		stream := fmt.Sprintf("2025/01/01/[$LATEST]%016d", instance.Add(1))
		for pb.Next() {
			now := time.Now()
			if err := e.svc.Append(ctx, region, account, fnGroup, stream, []Event{
				{Timestamp: now, Message: "START RequestId: 1 Version: $LATEST"},
				{Timestamp: now, Message: `{"level":"INFO","msg":"stored","OrderId":"ORD-1001"}`},
				{Timestamp: now, Message: "END RequestId: 1"},
				{Timestamp: now, Message: "REPORT RequestId: 1 Duration: 1.00 ms"},
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkPutLogEvents goes through the SDK and the dispatcher.
func BenchmarkPutLogEvents(b *testing.B) {
	st, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	e := newEnv(b, st, dispatch.Options{})
	e.group(b, fnGroup)
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		stream := fmt.Sprintf("s%d", n.Add(1))
		must(e.client.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: aws.String(fnGroup), LogStreamName: aws.String(stream)}))(b)
		for pb.Next() {
			must(e.client.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: aws.String(fnGroup), LogStreamName: aws.String(stream),
				LogEvents: []types.InputLogEvent{{Timestamp: aws.Int64(time.Now().UnixMilli()), Message: aws.String("order ORD-1001 stored")}}}))(b)
		}
	})
}
