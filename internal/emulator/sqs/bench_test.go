package sqs

import (
	"net/http"
	"runtime"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
	"github.com/orders-dev/orders/sdkhttp"
)

// BenchmarkSendReceiveDelete measures the queue hot path through the real
// SDK over HTTP with persistence on (a bbolt store in a temp dir, every
// send, receive and delete durable before it is answered): one client, and
// 32 concurrent clients. req/s counts the three requests of each round.
func BenchmarkSendReceiveDelete(b *testing.B) {
	b.Run("clients=1", func(b *testing.B) {
		client, url := benchQueue(b)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			sendReceiveDelete(b, client, url, i)
		}
		b.ReportMetric(float64(3*b.N)/b.Elapsed().Seconds(), "req/s")
	})
	b.Run("clients=32", func(b *testing.B) {
		client, url := benchQueue(b)
		b.SetParallelism((32 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				sendReceiveDelete(b, client, url, i)
				i++
			}
		})
		b.ReportMetric(float64(3*b.N)/b.Elapsed().Seconds(), "req/s")
	})
}

func benchQueue(b *testing.B) (*sqs.Client, string) {
	st := openStore(b, b.TempDir())
	svc, err := New(st, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = svc.Close() })
	d := dispatch.New(dispatch.Options{})
	svc.Register(d)
	cfg, _ := emutest.Config(b, d)
	cfg.HTTPClient = sdkhttp.New(func(tr *http.Transport) {
		tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 128, 128
	})
	client := sqs.NewFromConfig(cfg)
	out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("bench")})
	if err != nil {
		b.Fatal(err)
	}
	return client, aws.ToString(out.QueueUrl)
}

func sendReceiveDelete(b *testing.B, client *sqs.Client, url string, i int) {
	if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: &url, MessageBody: aws.String(`{"OrderId":"ORD-` + strconv.Itoa(i) + `","Amount":250}`)}); err != nil {
		b.Error(err)
		return
	}
	// Concurrent clients may take each other's messages; each round still
	// receives and deletes exactly one.
	for {
		out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, WaitTimeSeconds: 1})
		if err != nil {
			b.Error(err)
			return
		}
		if len(out.Messages) == 0 {
			continue
		}
		if _, err := client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: out.Messages[0].ReceiptHandle}); err != nil {
			b.Error(err)
		}
		return
	}
}
