package invoke

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// TestLoadStopsAgainstDeadEndpoint: a load run against an endpoint nothing
// listens on (a killed emulator) stops after a few invocations in a row
// cannot connect, instead of spending every remaining order's retries, and
// says so.
func TestLoadStopsAgainstDeadEndpoint(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	_ = l.Close()
	client := lambda.New(lambda.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		Retryer:     aws.NopRetryer{},
	})
	const count, conc = 500, 4
	rep, err := Load(context.Background(), client, "Fn", LoadOptions{Count: count, Concurrency: conc, Amount: "250"})
	if !errors.Is(err, ErrEndpointUnreachable) {
		t.Fatalf("Load against %s: %v; want ErrEndpointUnreachable", url, err)
	}
	if rep.Count >= count || rep.Count > maxConnFailures+conc || rep.Acknowledged != 0 || rep.StoppedEarly == "" {
		t.Fatalf("report: count %d of %d, acknowledged %d, stoppedEarly %q; want a stop after about %d",
			rep.Count, count, rep.Acknowledged, rep.StoppedEarly, maxConnFailures)
	}
	if !strings.Contains(err.Error(), "0 acknowledged") || !strings.Contains(err.Error(), "refused") {
		t.Errorf("the error does not say what was acknowledged and why: %v", err)
	}
}

// TestLoadReportsAcknowledgedBeforeEndpointDies: orders acknowledged
// before the endpoint went away are reported; only consecutive connection
// failures stop the run (a refused connection between successes does not).
func TestLoadReportsAcknowledgedBeforeEndpointDies(t *testing.T) {
	w := newWorld(t)
	w.fail = func(n int, id string) (*lambda.InvokeOutput, error) {
		if n == 3 || n > 20 {
			return nil, connRefused()
		}
		return nil, nil
	}
	rep, err := Load(context.Background(), &fakeLambda{fn: w.invoke}, "Fn", LoadOptions{Count: 100, Concurrency: 1, Amount: "250"})
	if !errors.Is(err, ErrEndpointUnreachable) {
		t.Fatalf("Load: %v", err)
	}
	if rep.Acknowledged != 19 || rep.Count != 20+maxConnFailures || rep.Errors != 1+maxConnFailures {
		t.Fatalf("acknowledged %d, count %d, errors %d; want 19, %d, %d", rep.Acknowledged, rep.Count, rep.Errors, 20+maxConnFailures, 1+maxConnFailures)
	}
}

// connRefused is the error a dial to a closed port returns.
func connRefused() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	_ = l.Close()
	c, err := net.Dial("tcp", addr)
	if err == nil {
		_ = c.Close()
		return errors.New("a closed port accepted a connection")
	}
	return err
}
