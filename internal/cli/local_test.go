package cli

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/orders-dev/orders/internal/emulator"
)

// TestLocalRefusesStaleEndpointFile is issue 10's finding 11: a data dir
// whose endpoint.json names a port another emulator (over another data dir)
// now answers on must not send --local commands there: `up` once built the
// whole stack in someone else's data dir.
func TestLocalRefusesStaleEndpointFile(t *testing.T) {
	isolate(t)
	mine, theirs := t.TempDir(), t.TempDir()
	other, err := emulator.Open(emulator.Options{DataDir: theirs})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	url, err := other.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// mine is held by a process that does not serve it (an older orders),
	// and its endpoint file is left over from a server that died.
	holder, err := emulator.Open(emulator.Options{DataDir: mine})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if err := emulator.WriteEndpoint(mine, emulator.Endpoint{URL: url, PID: os.Getpid() + 1, Account: other.Account(), Started: time.Now().UTC(), Instance: "dead", DataDir: mine}); err != nil {
		t.Fatal(err)
	}

	ios, _, out, errOut := TestIO()
	code := Run(context.Background(), Options{IO: ios}, []string{"--local", "--data-dir", mine, "up"})
	t.Logf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	if code == ExitOK {
		t.Fatal("up ran against another data dir's emulator")
	}
	if !strings.Contains(errOut.String(), mine) {
		t.Errorf("the error does not name the data dir %s", mine)
	}
	// Nothing was created in theirs.
	if n := len(other.Health().Services); n == 0 {
		t.Fatal("no services")
	}
	tables, err := dynamodb.NewFromConfig(localAWSConfig(url, "us-east-1")).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tables.TableNames) != 0 {
		t.Errorf("tables created in the other data dir: %v", tables.TableNames)
	}
}
