package dynamodb

import (
	"fmt"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
	"github.com/orders-dev/orders/internal/emulator/store"
	"github.com/orders-dev/orders/sdkhttp"
)

// BenchmarkPutItem measures the order handler's write — a conditional
// PutItem of a new order — through the real SDK and HTTP, with the store
// durable on disk (every answer waits for its fsync'd group commit).
func BenchmarkPutItem(b *testing.B) {
	st, err := store.Open(b.TempDir(), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	svc, err := New(st, Options{})
	if err != nil {
		b.Fatal(err)
	}
	d := dispatch.New(dispatch.Options{})
	svc.Register(d)
	cfg, _ := emutest.Config(b, d)
	// Keep a connection per client open, as a long-running client would.
	cfg.HTTPClient = sdkhttp.New(func(tr *http.Transport) {
		tr.MaxIdleConnsPerHost = 64
	})
	client := dynamodb.NewFromConfig(cfg)
	e := &testEnv{t: b, client: client}
	e.createTable("OrdersTable", "OrderId", "")

	var seq atomic.Int64
	put := func() error {
		id := seq.Add(1)
		_, err := client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String("OrdersTable"),
			Item: map[string]types.AttributeValue{
				"OrderId":    s(fmt.Sprintf("ORD-%d", id)),
				"Amount":     n("250.00"),
				"ReceivedAt": s("2025-01-01T00:00:00.123456789Z"),
				"Status":     s("PENDING_NOTIFY"),
			},
			ConditionExpression:                 aws.String("attribute_not_exists(OrderId)"),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		return err
	}

	b.Run("sequential", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if err := put(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	})
	b.Run("parallel32", func(b *testing.B) {
		procs := runtime.GOMAXPROCS(0)
		b.SetParallelism((32 + procs - 1) / procs) // 32 concurrent clients
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := put(); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	})
}
