package sns

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"runtime"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
	"github.com/orders-dev/orders/internal/emulator/sqs"
	"github.com/orders-dev/orders/sdkhttp"
)

// fanout is the number of SQS subscriptions each Publish is delivered to:
// two with the signed JSON envelope, one raw.
const fanout = 3

// BenchmarkPublishFanout measures Publish through the real SDK over HTTP
// with persistence on: every Publish is answered only after its deliveries
// to three queues are durable. One client, and 32 concurrent clients.
//
// Signing the envelope is most of the CPU a Publish costs, so the key size
// (AWS's 2048 bits, the default, or 1024) is a dimension too.
func BenchmarkPublishFanout(b *testing.B) {
	for _, bits := range []int{2048, 1024} {
		key := testKey()
		if bits != 2048 {
			var err error
			if key, err = rsa.GenerateKey(rand.Reader, bits); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(fmt.Sprintf("key=%d/clients=1", bits), func(b *testing.B) {
			client, arn := benchTopic(b, key)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				publishOrder(b, client, arn, i)
			}
			report(b)
		})
		b.Run(fmt.Sprintf("key=%d/clients=32", bits), func(b *testing.B) {
			client, arn := benchTopic(b, key)
			b.SetParallelism((32 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					publishOrder(b, client, arn, i)
					i++
				}
			})
			report(b)
		})
	}
}

func report(b *testing.B) {
	secs := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)/secs, "publishes/s")
	b.ReportMetric(float64(b.N*fanout)/secs, "deliveries/s")
}

func benchTopic(b *testing.B, key *rsa.PrivateKey) (*sns.Client, string) {
	st := openStore(b, b.TempDir())
	q, err := sqs.New(st, sqs.Options{})
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(st, Options{Queues: q, SigningKey: key})
	if err != nil {
		b.Fatal(err)
	}
	d := dispatch.New(dispatch.Options{})
	q.Register(d)
	s.Register(d)
	cfg, _ := emutest.Config(b, d)
	cfg.HTTPClient = sdkhttp.New(func(tr *http.Transport) {
		tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 128, 128
	})
	e := &env{sns: s, sqs: q, st: st, topic: sns.NewFromConfig(cfg), queue: awssqs.NewFromConfig(cfg)}
	arn := e.createTopic(b, "HighValueOrderTopic")
	for i := range fanout {
		_, qarn := e.createQueue(b, fmt.Sprint("HighValueQueue", i), arn)
		raw := "false"
		if i == fanout-1 {
			raw = "true"
		}
		e.subscribe(b, arn, qarn, map[string]string{"RawMessageDelivery": raw})
	}
	return e.topic, arn
}

func publishOrder(b *testing.B, client *sns.Client, arn string, i int) {
	_, err := client.Publish(ctx, &sns.PublishInput{
		TopicArn: &arn, Subject: aws.String("High value order"),
		Message:           aws.String(fmt.Sprintf(`{"OrderId":"ORD-%d","Amount":"250.00"}`, i)),
		MessageAttributes: map[string]types.MessageAttributeValue{"amount": {DataType: aws.String("Number"), StringValue: aws.String("250.00")}},
	})
	if err != nil {
		b.Error(err)
	}
}
