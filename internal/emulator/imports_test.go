package emulator

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// ordersClientCode is what the emulator must never import: orders' own
// client side. The emulator stands in for AWS, so it may know nothing of the
// CLI, the pipeline it deploys, the checks it runs or how it calls AWS;
// otherwise a test against the emulator could pass because both sides share
// code rather than because the emulator behaves as AWS does.
var ordersClientCode = []string{
	"github.com/orders-dev/orders/internal/cli",
	"github.com/orders-dev/orders/internal/pipeline",
	"github.com/orders-dev/orders/internal/verify",
	"github.com/orders-dev/orders/internal/invoke",
	"github.com/orders-dev/orders/internal/awsapi",
	"github.com/orders-dev/orders/internal/config",
	"github.com/orders-dev/orders/internal/ui",
}

// TestImportsNoClientCode checks every package under internal/emulator, its
// tests included, against ordersClientCode.
func TestImportsNoClientCode(t *testing.T) {
	// The rule must name packages that exist: a renamed one would
	// otherwise make this test pass without checking anything.
	if out, err := exec.Command("go", append([]string{"list"}, ordersClientCode...)...).CombinedOutput(); err != nil {
		t.Fatalf("go list of the packages the emulator must not import: %v\n%s", err, out)
	}
	cmd := exec.Command("go", "list", "-test", "-json=ImportPath,Deps", "./...")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list ./...: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list ./...: %v", err)
	}
	checked := 0
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var pkg struct {
			ImportPath string
			Deps       []string
		}
		if err := dec.Decode(&pkg); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		checked++
		for _, dep := range pkg.Deps {
			dep, _, _ = strings.Cut(dep, " ") // "pkg [pkg.test]" is pkg as its tests build it
			for _, banned := range ordersClientCode {
				if dep == banned || strings.HasPrefix(dep, banned+"/") {
					t.Errorf("%s imports %s: internal/emulator must not import orders' client code (%s)", pkg.ImportPath, dep, banned)
				}
			}
		}
	}
	if checked < 10 {
		t.Fatalf("go list found only %d packages under internal/emulator", checked)
	}
}
