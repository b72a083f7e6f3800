package emulator

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// The cap leaves descriptors for the store however many clients come:
// 20,000 connections at once would not take more than half the limit.
func TestConnsForLeavesDescriptors(t *testing.T) {
	for _, fds := range []int64{1024, 4096, 20000, 65536, 1 << 20} {
		n := int64(connsFor(fds))
		if n > fds/2 && fds > 128 || fds-n < min(fdReserve, fds/2) || n > maxConnsCeiling {
			t.Errorf("RLIMIT_NOFILE %d: cap %d leaves %d descriptors", fds, n, fds-n)
		}
	}
}

// slowClient opens a connection and sends a signed-looking request's
// headers and the first bytes of a body it never finishes.
func slowClient(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %d: %v", 0, err)
	}
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: %s\r\nX-Amz-Target: AmazonSQS.ListQueues\r\nContent-Type: application/x-amz-json-1.0\r\n"+
		"Authorization: AWS4-HMAC-SHA256 Credential=test/%s/us-east-1/sqs/aws4_request, SignedHeaders=host;x-amz-date, Signature=%s\r\n"+
		"X-Amz-Date: %s\r\nContent-Length: 1000\r\n\r\n{\"Qu", addr, time.Now().UTC().Format("20060102"), strings.Repeat("0", 64), time.Now().UTC().Format("20060102T150405Z"))
	return c
}

// TestSlowClientsBounded: many connections that trickle a body are held to
// the connection cap (the rest wait in the kernel's queue, costing no
// descriptor), their bodies are cut when they fall behind, and requests
// are served while they are still there and after they leave.
func TestSlowClientsBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const limit, attackers = 16, 120
	e, err := Open(Options{InMemory: true, MaxConns: limit, ReadTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	url, err := e.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimPrefix(url, "http://")
	cfg := adminConfig(url)
	cfg.RetryMaxAttempts = 10
	client := sqs.NewFromConfig(cfg)
	q, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q")})
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	for range attackers {
		conns = append(conns, slowClient(t, addr))
	}
	// While they are all connected, a write from a new client (no kept-alive
	// connection) gets through: the slow ones are cut as they fall behind
	// and free their places.
	fresh := adminConfig(url)
	fresh.RetryMaxAttempts = 10
	if _, err := sqs.NewFromConfig(fresh).SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("during")}); err != nil {
		t.Fatalf("write while %d slow clients are connected: %v", attackers, err)
	}
	if st := e.connStats(); st.Peak > limit || st.Limit != limit {
		t.Fatalf("connections: %+v, cap %d", st, limit)
	}
	// Every slow client is cut by the server (its read ends) rather than
	// held for as long as it likes.
	for i, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Minute)) // a bound on a broken test, not a measurement
		b, err := io.ReadAll(c)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("slow client %d was never cut (read %q)", i, b)
		}
		_ = c.Close()
	}
	if _, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("after")}); err != nil {
		t.Fatalf("write after the slow clients left: %v", err)
	}
	if st := e.connStats(); st.Peak > limit {
		t.Fatalf("connections: %+v, cap %d", st, limit)
	}
}
