//go:build unix

package emulator

import "syscall"

// maxConns is how many connections the emulator serves at once: half the
// descriptor limit, leaving at least fdReserve for the store and the
// functions, at most maxConnsCeiling. Go (1.19+) raises the soft
// RLIMIT_NOFILE to the hard limit when package os starts, so the soft limit
// read here is already the most the process can have. Connections past
// the cap wait in the kernel's accept queue and cost this process nothing,
// so 20,000 clients at once cannot exhaust its descriptors.
func maxConns() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur == 0 {
		return 256
	}
	return connsFor(int64(rl.Cur))
}
