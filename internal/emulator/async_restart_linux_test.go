//go:build linux

package emulator

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/orders-dev/orders/function"
	"github.com/orders-dev/orders/internal/emulator/emutest"
)

// TestAckedEventsSurviveRestartOnNewPort: Event invokes of the real
// pipeline acknowledged with 202 by `orders local serve`, which is then
// stopped (kill -9, or SIGTERM as Ctrl-C does) before it has run them all,
// all run once it is started again on another port: every order is stored
// and every high-value one reaches the queue.
func TestAckedEventsSurviveRestartOnNewPort(t *testing.T) {
	t.Parallel()
	if _, err := function.Zip(function.HostArch()); err != nil {
		t.Skipf("no function zip for this host: %v", err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			ackedEventsSurvive(t, sig)
		})
	}
}

func ackedEventsSurvive(t *testing.T, sig syscall.Signal) {
	ctx := context.Background()
	dir := t.TempDir()
	srv := serve(t, dir)
	up := exec.Command(ordersBinary(t), "--local", "--data-dir", dir, "up")
	up.Env = append(emutest.PeerEnv(), "NO_COLOR=1")
	if out, err := up.CombinedOutput(); err != nil {
		t.Fatalf("orders --local up against the server: %v\n%s", err, out)
	}
	lc := lambda.NewFromConfig(adminConfig(srv.url))

	const events, senders = 48, 8
	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	for w := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < events; i += senders {
				id := fmt.Sprintf("ASYNC-%03d", i)
				out, err := lc.Invoke(ctx, &lambda.InvokeInput{
					FunctionName: aws.String("ProcessOrderFunction"), InvocationType: lambdatypes.InvocationTypeEvent,
					Payload: []byte(`{"OrderId":"` + id + `","Amount":250}`),
				})
				if err != nil || out.StatusCode != 202 {
					t.Errorf("Event invoke %s: %v", id, err)
					return
				}
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if err := srv.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	<-srv.exited
	// Hold the old port so the next server cannot take it again.
	old := strings.TrimPrefix(srv.url, "http://")
	hold, err := net.Listen("tcp", old)
	if err != nil {
		t.Fatalf("hold the old port %s: %v", old, err)
	}
	srv2 := serve(t, dir)
	_ = hold.Close() // from here the old URL refuses connections
	if srv2.url == srv.url {
		t.Fatalf("restarted on the same URL %s", srv.url)
	}
	cfg := adminConfig(srv2.url)
	db, q := dynamodb.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	qu, err := q.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("HighValueQueue")})
	if err != nil {
		t.Fatal(err)
	}
	notified := map[string]bool{}
	deadline := time.Now().Add(3 * time.Minute)
	var lastErr error
	for {
		// A failed poll is retried until the deadline: what counts is that
		// every event is eventually processed.
		items, err := scanAll(ctx, db)
		if err == nil {
			var out *sqs.ReceiveMessageOutput
			if out, err = q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: qu.QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 600}); err == nil {
				for _, m := range out.Messages {
					for _, id := range acked {
						if strings.Contains(aws.ToString(m.Body), id) {
							notified[id] = true
						}
					}
				}
			}
		}
		if err != nil {
			lastErr = err
		}
		var missingItems, missingMsgs []string
		for _, id := range acked {
			if _, ok := items[id]; !ok {
				missingItems = append(missingItems, id)
			}
			if !notified[id] {
				missingMsgs = append(missingMsgs, id)
			}
		}
		if len(missingItems) == 0 && len(missingMsgs) == 0 {
			t.Logf("%s: %d events acknowledged, all stored and notified after a restart on %s (was %s)", sig, len(acked), srv2.url, srv.url)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: of %d acknowledged events, %d never stored %v, %d never notified %v (last poll error: %v); server stderr:\n%s",
				sig, len(acked), len(missingItems), missingItems, len(missingMsgs), missingMsgs, lastErr, srv2.stderrText())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// scanAll returns the OrderIds in OrdersTable.
func scanAll(ctx context.Context, c *dynamodb.Client) (map[string]bool, error) {
	got := map[string]bool{}
	p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String("OrdersTable")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			if id, ok := it["OrderId"].(*ddbtypes.AttributeValueMemberS); ok {
				got[id.Value] = true
			}
		}
	}
	return got, nil
}
