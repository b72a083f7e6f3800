//go:build !unix

package emulator

// maxConns on systems without RLIMIT_NOFILE (Windows has no per-process
// descriptor limit of that kind): the ceiling.
func maxConns() int { return maxConnsCeiling }
