package emulator

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"

	"github.com/orders-dev/orders/internal/emulator/emutest"
)

// binDir holds binaries built once per test process (the orders CLI); it is
// removed when the tests end.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "orders-emulator-test-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "create a directory for test binaries:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// openAt opens an emulator on dataDir (as `orders local serve` does: IAM
// enforced for issued credentials) and serves it on a loopback port. It is
// closed at the end of the test unless the test closes it first.
func openAt(t testing.TB, dataDir string) (*Emulator, string) {
	t.Helper()
	e, err := Open(Options{DataDir: dataDir, Enforce: true})
	if err != nil {
		t.Fatalf("open emulator on %s: %v", dataDir, err)
	}
	url, err := e.Listen("127.0.0.1:0")
	if err != nil {
		_ = e.Close()
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e, url
}

// adminConfig is an SDK config for url signed with keys the emulator did not
// issue, which act as the account's administrator (moto accepts any keys).
func adminConfig(url string) aws.Config { return emutest.ConfigFor(url, "test", "test", "") }

// errorCode is the AWS error code of err ("" when it is not an API error).
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

var ordersBuild struct {
	once sync.Once
	path string
	err  error
}

// ordersBinary builds ./cmd/orders once per test process.
func ordersBinary(t testing.TB) string {
	t.Helper()
	ordersBuild.once.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			ordersBuild.err = err
			return
		}
		path := filepath.Join(binDir, "orders")
		if runtime.GOOS == "windows" {
			path += ".exe"
		}
		cmd := exec.Command("go", "build", "-o", path, "./cmd/orders")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			ordersBuild.err = fmt.Errorf("go build ./cmd/orders: %v\n%s", err, out)
			return
		}
		ordersBuild.path = path
	})
	if ordersBuild.err != nil {
		t.Fatal(ordersBuild.err)
	}
	return ordersBuild.path
}

// moduleRoot is the directory of go.mod above this package.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
	}
}
