// Package function holds the ProcessOrderFunction Lambda as deployable zips,
// embedded so that `go build` / `go install ./cmd/orders` work from a clean
// clone. The zips are built from ./bootstrap by `go generate ./function` and
// committed under dist/; CI rebuilds them and fails if they differ.
package function

//go:generate go run ./internal/gen

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"runtime"
)

// Lambda's architecture names.
const (
	ArchARM64  = "arm64"
	ArchX86_64 = "x86_64"
)

//go:embed dist/*.zip
var dist embed.FS

// Zip returns the embedded dist/bootstrap-<arch>.zip for a Lambda
// architecture (ArchARM64 or ArchX86_64). The slice is the caller's own.
func Zip(arch string) ([]byte, error) {
	if arch != ArchARM64 && arch != ArchX86_64 {
		return nil, fmt.Errorf("no Lambda zip for architecture %q: want %q or %q", arch, ArchARM64, ArchX86_64)
	}
	b, err := dist.ReadFile("dist/bootstrap-" + arch + ".zip")
	if err != nil {
		return nil, fmt.Errorf("read embedded zip for %s: %w", arch, err)
	}
	return b, nil
}

// CodeSha256 is the zip's SHA-256, base64 (standard encoding), which is
// exactly how Lambda reports a function's CodeSha256: equal values mean the
// deployed code is this code.
func CodeSha256(arch string) (string, error) {
	b, err := Zip(arch)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(sum[:]), nil
}

// HostArch is the Lambda architecture matching the running binary's
// (amd64 → x86_64, arm64 → arm64); any other GOARCH is returned unchanged,
// and Zip then reports that no zip exists for it.
func HostArch() string { return lambdaArch(runtime.GOARCH) }

func lambdaArch(goarch string) string {
	switch goarch {
	case "amd64":
		return ArchX86_64
	case "arm64":
		return ArchARM64
	}
	return goarch
}
