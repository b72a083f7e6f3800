package cli

import (
	"runtime"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	h := newHarness(t)
	if code := h.run("version"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if want := "orders " + Version() + " ("; !strings.HasPrefix(h.out.String(), want) {
		t.Errorf("stdout %q, want prefix %q", h.out, want)
	}
	if !strings.Contains(h.out.String(), runtime.GOOS+"/"+runtime.GOARCH) {
		t.Errorf("stdout %q lacks the platform", h.out)
	}
}

// The release sets the version at link time; it wins over build info.
func TestVersionFromLdflags(t *testing.T) {
	old := version
	t.Cleanup(func() { version = old })
	version = "v9.8.7"

	h := newHarness(t)
	if code := h.run("version", "--output", "json"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	var doc struct{ Version, Go, Platform string }
	oneJSONDocument(t, h.out.Bytes(), &doc)
	if doc.Version != "v9.8.7" || doc.Go != runtime.Version() || doc.Platform == "" {
		t.Errorf("document %+v", doc)
	}

	h = newHarness(t)
	if code := h.run("--version"); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if got := h.out.String(); got != "orders v9.8.7\n" {
		t.Errorf("--version printed %q", got)
	}
}
