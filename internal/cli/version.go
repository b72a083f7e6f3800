package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at release time:
//
//	-ldflags "-X github.com/orders-dev/orders/internal/cli.version=v1.2.3"
var version = ""

// Version is the version of this binary: the one set at link time, else
// the module version `go install ...@v1.2.3` records, else "dev".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// commit is the VCS revision the binary was built from, when recorded.
func commit() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	rev, modified := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" && modified {
		rev += "-dirty"
	}
	return rev
}

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of orders",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			v := struct {
				Version  string `json:"version"`
				Commit   string `json:"commit,omitempty"`
				Go       string `json:"go"`
				Platform string `json:"platform"`
			}{Version(), commit(), runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH}
			if a.jsonOutput() {
				return a.printJSON(v)
			}
			extra := v.Go + ", " + v.Platform
			if v.Commit != "" {
				extra = "commit " + v.Commit + ", " + extra
			}
			_, err := fmt.Fprintf(a.io.Out, "orders %s (%s)\n", v.Version, extra)
			return err
		},
	}
}
