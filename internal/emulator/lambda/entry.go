package lambda

import (
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// funcError is an invoke that failed in the function or its runtime: the
// caller gets 200 with X-Amz-Function-Error and this as the payload.
type funcError struct {
	Type    string
	Message string // without the "RequestId: ... Error: " prefix
	Raw     []byte // the runtime's own error document, passed through as is
}

// payload renders the error as Lambda's platform does for runtime failures.
func (e *funcError) payload(requestID string) []byte {
	if e.Raw != nil {
		return e.Raw
	}
	b, _ := json.Marshal(struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}{e.Type, "RequestId: " + requestID + " Error: " + e.Message})
	return b
}

// lambdaArch names a Go GOARCH as Lambda's Architectures do.
func lambdaArch(goarch string) string {
	switch goarch {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "arm64"
	}
	return goarch
}

// goArch names a Lambda architecture as Go does.
func goArch(arch string) string {
	switch arch {
	case "x86_64":
		return "amd64"
	case "arm64":
		return "arm64"
	}
	return arch
}

// resolveEntry finds the executable an instance of rec runs, and checks
// once per code version and configuration that this machine can run it.
func (s *Service) resolveEntry(e *codeEntry, rec *record) (string, *funcError) {
	key := rec.Runtime + "|" + rec.Handler + "|" + rec.Architecture
	e.mu.Lock()
	c, ok := e.checks[key]
	e.mu.Unlock()
	if ok {
		return c.path, c.ferr
	}
	path, ferr := findEntry(e.dir, rec.Runtime, rec.Handler)
	if ferr == nil {
		ferr = checkExecutable(path, rec.Architecture)
	}
	e.mu.Lock()
	e.checks[key] = checked{path: path, ferr: ferr}
	e.mu.Unlock()
	return path, ferr
}

// findEntry locates the bootstrap as Lambda does for custom runtimes. For
// the managed runtimes (python, node, ...) only an executable named by the
// Handler can run here: Lambda's own runtimes are not available locally.
func findEntry(dir, runtimeName, handler string) (string, *funcError) {
	boot := filepath.Join(dir, "bootstrap")
	if fi, err := os.Stat(boot); err == nil && fi.Mode().IsRegular() {
		return boot, nil
	}
	if strings.HasPrefix(runtimeName, "provided") {
		return "", &funcError{Type: "Runtime.InvalidEntrypoint", Message: "Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]"}
	}
	if handler != "" && !strings.ContainsAny(handler, "/\\") {
		p := filepath.Join(dir, handler)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", &funcError{Type: "Runtime.InvalidEntrypoint", Message: fmt.Sprintf(
		"the orders emulator runs custom runtimes only and found neither a bootstrap nor an executable named by the handler %q: "+
			"package the function with a bootstrap executable and deploy it with runtime provided.al2023", handler)}
}

// checkExecutable refuses, with a message that says what to do, code this
// machine cannot run: another CPU architecture, a non-Linux host, or a file
// that is neither an ELF binary nor a #! script. It also refuses code whose
// architecture differs from the function's, as Lambda would fail it.
func checkExecutable(path, fnArch string) *funcError {
	f, err := os.Open(path)
	if err != nil {
		return &funcError{Type: "Runtime.InvalidEntrypoint", Message: err.Error()}
	}
	defer f.Close()
	var magic [4]byte
	if _, err := io.ReadFull(f, magic[:]); err != nil {
		return &funcError{Type: "Runtime.InvalidEntrypoint", Message: fmt.Sprintf("%s is not an executable: %v", filepath.Base(path), err)}
	}
	host := runtime.GOOS + "/" + runtime.GOARCH
	if string(magic[:2]) == "#!" {
		if !hostCanRun {
			return &funcError{Type: "Runtime.InvalidEntrypoint", Message: fmt.Sprintf(
				"function code is a linux script but this machine is %s: Lambda code runs only on Linux; run the emulator on a Linux host (or in a Linux VM or container)", host)}
		}
		return nil
	}
	if string(magic[:]) != elf.ELFMAG {
		return &funcError{Type: "Runtime.InvalidEntrypoint", Message: fmt.Sprintf(
			"%s is not a Linux executable (neither an ELF binary nor a #! script): build it with GOOS=linux", filepath.Base(path))}
	}
	ef, err := elf.NewFile(f)
	if err != nil {
		return &funcError{Type: "Runtime.InvalidEntrypoint", Message: fmt.Sprintf("%s is not a valid ELF binary: %v", filepath.Base(path), err)}
	}
	codeGoArch := ""
	switch ef.Machine {
	case elf.EM_X86_64:
		codeGoArch = "amd64"
	case elf.EM_AARCH64:
		codeGoArch = "arm64"
	default:
		return &funcError{Type: "Runtime.InvalidEntrypoint", Message: fmt.Sprintf(
			"function code is built for %s, which Lambda does not run: build it for linux/arm64 or linux/amd64", ef.Machine)}
	}
	if !hostCanRun {
		return &funcError{Type: "Runtime.InvalidEntrypoint", Message: fmt.Sprintf(
			"function code is linux/%s but this machine is %s: Lambda code runs only on Linux; run the emulator on a Linux host (or in a Linux VM or container)", codeGoArch, host)}
	}
	if codeGoArch != runtime.GOARCH {
		return &funcError{Type: "Runtime.InvalidEntrypoint", Message: fmt.Sprintf(
			"function code is linux/%s but this machine is %s: deploy with --arch %s", codeGoArch, host, lambdaArch(runtime.GOARCH))}
	}
	if fnArch != "" && lambdaArch(codeGoArch) != fnArch {
		return &funcError{Type: "Runtime.InvalidEntrypoint", Message: fmt.Sprintf(
			"function code is linux/%s but the function's Architectures is [%s] (exec format error on Lambda): "+
				"deploy the linux/%s build or set Architectures [%s]", codeGoArch, fnArch, goArch(fnArch), lambdaArch(codeGoArch))}
	}
	return nil
}
