package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/orders-dev/orders/internal/emulator/emutest"
)

// The commands wired to the real client factory and pipeline, against
// moto: up, up again (nothing changes), status, destroy, destroy again.
func TestCommandsAgainstMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	url := emutest.Moto(t)
	isolate(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("ORDERS_ENDPOINT_URL", url)
	t.Setenv("ORDERS_REGION", "us-east-1")

	run := func(args ...string) (int, string, string) {
		t.Helper()
		ios, _, out, errOut := TestIO()
		code := Run(context.Background(), Options{IO: ios}, args)
		t.Logf("orders %s → exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
		return code, out.String(), errOut.String()
	}

	if code, out, _ := run("up"); code != ExitOK || !strings.Contains(out, "created") {
		t.Fatalf("up: exit %d, %q", code, out)
	}
	if code, out, _ := run("up"); code != ExitOK || strings.Contains(out, "created") || !strings.Contains(out, "unchanged") {
		t.Errorf("second up: exit %d, %q; want everything unchanged", code, out)
	}
	code, out, _ := run("--output", "json", "status")
	var doc statusDoc
	oneJSONDocument(t, []byte(out), &doc)
	if code != ExitOK || len(doc.Resources) == 0 {
		t.Fatalf("status: exit %d, %+v", code, doc)
	}
	for _, r := range doc.Resources {
		if r.State != "present" || r.ARN == "" {
			t.Errorf("after up, %s %s is %s (ARN %q)", r.Kind, r.Name, r.State, r.ARN)
		}
	}
	if code, out, _ := run("destroy", "--yes"); code != ExitOK || !strings.Contains(out, "deleted") {
		t.Errorf("destroy: exit %d, %q", code, out)
	}
	if code, out, _ := run("destroy", "--yes"); code != ExitOK || strings.Contains(out, "deleted") {
		t.Errorf("second destroy: exit %d, %q; want everything already absent", code, out)
	}
	code, out, _ = run("status")
	if code != ExitOK || strings.Contains(out, "present") {
		t.Errorf("status after destroy: exit %d\n%s", code, out)
	}
}
