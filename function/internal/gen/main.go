// Command gen builds the Lambda's bootstrap for linux/arm64 and linux/amd64
// and writes the zips that package function embeds:
//
//	dist/bootstrap-arm64.zip, dist/bootstrap-x86_64.zip, dist/SHA256SUMS
//
// Run it with `go generate ./function` (from the module root). The build is
// reproducible: same sources and Go version, same bytes, on any machine.
// `go run ./function/internal/gen -dir function -check` rebuilds into memory
// and fails if the committed files differ (what CI runs).
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// target is one architecture: Go's name and Lambda's.
type target struct{ goarch, lambdaArch string }

var targets = []target{{"arm64", "arm64"}, {"amd64", "x86_64"}}

func main() {
	dir := flag.String("dir", ".", "the function package's directory (holds bootstrap/ and dist/)")
	check := flag.Bool("check", false, "rebuild and compare with the files in dist/ instead of writing them")
	flag.Parse()
	if err := run(*dir, *check); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string, check bool) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, "bootstrap", "main.go")); err != nil {
		return fmt.Errorf("-dir %s is not the function package directory: %w", dir, err)
	}
	tmp, err := os.MkdirTemp("", "orders-gen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	files := map[string][]byte{}
	var sums strings.Builder
	for _, t := range targets {
		bin, err := build(dir, tmp, t.goarch)
		if err != nil {
			return fmt.Errorf("build bootstrap for linux/%s: %w", t.goarch, err)
		}
		z, err := zipBootstrap(bin)
		if err != nil {
			return fmt.Errorf("zip bootstrap for %s: %w", t.lambdaArch, err)
		}
		name := "bootstrap-" + t.lambdaArch + ".zip"
		files[name] = z
		sum := sha256.Sum256(z)
		fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(sum[:]), name) // sha256sum's format
		fmt.Fprintf(os.Stderr, "gen: %s: %d bytes (binary %d bytes)\n", name, len(z), len(bin))
	}
	files["SHA256SUMS"] = []byte(sums.String())

	dist := filepath.Join(dir, "dist")
	if check {
		return compare(dist, files)
	}
	if err := os.MkdirAll(dist, 0o755); err != nil {
		return err
	}
	for _, name := range []string{"bootstrap-arm64.zip", "bootstrap-x86_64.zip", "SHA256SUMS"} {
		if err := writeAtomic(filepath.Join(dist, name), files[name]); err != nil {
			return err
		}
	}
	return nil
}

// build cross-compiles ./bootstrap with everything that could make two
// builds differ pinned: no cgo, no paths, no VCS stamp, no build id, and the
// architecture levels and GOFLAGS from the caller's environment overridden.
func build(dir, tmp, goarch string) ([]byte, error) {
	out := filepath.Join(tmp, "bootstrap-"+goarch)
	cmd := exec.Command(goCommand(), "build",
		"-trimpath", "-buildvcs=false",
		"-ldflags", "-s -w -buildid=",
		"-tags", "lambda.norpc",
		"-o", out, "./bootstrap")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0",
		"GOAMD64=v1", "GOARM64=v8.0", "GOFLAGS=", "GOEXPERIMENT=",
	)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = os.Stderr, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return os.ReadFile(out)
}

// goCommand is the go command that ran us (go generate and go run put its
// GOROOT in the environment), so the zips are built by the same toolchain.
func goCommand() string {
	if root := os.Getenv("GOROOT"); root != "" {
		p := filepath.Join(root, "bin", "go")
		if runtime.GOOS == "windows" {
			p += ".exe"
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "go"
}

// writeAtomic replaces path so that a failed run never leaves half a zip.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".gen-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

func compare(dist string, files map[string][]byte) error {
	var stale []string
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dist, name))
		if err != nil || !bytes.Equal(got, want) {
			stale = append(stale, name)
		}
	}
	if len(stale) > 0 {
		return errors.New("dist/ is stale (" + strings.Join(stale, ", ") + "): run `go generate ./function` and commit function/dist")
	}
	fmt.Fprintln(os.Stderr, "gen: dist/ is up to date")
	return nil
}
