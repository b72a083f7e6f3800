//go:build linux

package lambda

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
)

// hostCanRun is true where function code (linux ELF binaries) can run.
const hostCanRun = true

// setProcAttrs makes the function process the leader of its own process
// group, so a kill reaches everything it started, and asks the kernel to
// kill it when the emulator dies — even by kill -9 — so no orphan survives.
func setProcAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup kills the process and every process in its group.
func killGroup(p *os.Process) {
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
	_ = p.Kill()
}

// spawner starts processes from one OS thread that lives as long as the
// service: Linux sends the parent-death signal when the *thread* that forked
// the child exits, not the process, and Go may retire threads.
type spawner struct {
	reqs chan spawnReq
	done chan struct{}
}

type spawnReq struct {
	cmd *exec.Cmd
	err chan error
}

func newSpawner() *spawner {
	s := &spawner{reqs: make(chan spawnReq), done: make(chan struct{})}
	go func() {
		runtime.LockOSThread()
		// Unlock before returning: a goroutine that exits while locked
		// takes its thread down with it.
		defer runtime.UnlockOSThread()
		defer close(s.done)
		for r := range s.reqs {
			r.err <- r.cmd.Start()
		}
	}()
	return s
}

func (s *spawner) start(cmd *exec.Cmd) error {
	r := spawnReq{cmd: cmd, err: make(chan error, 1)}
	select {
	case s.reqs <- r:
		return <-r.err
	case <-s.done:
		return os.ErrClosed
	}
}

func (s *spawner) close() {
	select {
	case <-s.done:
	default:
		close(s.reqs)
		<-s.done
	}
}

// drainPipe reads whatever the pipe holds right now without waiting.
func drainPipe(f *os.File, buf []byte, consume func([]byte)) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	for {
		var n int
		var rerr error
		if err := rc.Read(func(fd uintptr) bool {
			n, rerr = syscall.Read(int(fd), buf)
			return true
		}); err != nil || rerr != nil || n <= 0 {
			return
		}
		consume(buf[:n])
	}
}

// memProbe tracks a process's peak resident memory for REPORT's Max
// Memory Used. It reads VmHWM once (exact peak, but /proc/PID/status is
// expensive to produce) and then samples the cheap statm after every
// invocation through a file it keeps open, keeping the maximum.
type memProbe struct {
	f      *os.File
	buf    [128]byte
	peakMB int
}

var pageSize = os.Getpagesize()

func newMemProbe(pid int) *memProbe {
	m := &memProbe{peakMB: statusPeakMB(pid)}
	m.f, _ = os.Open("/proc/" + strconv.Itoa(pid) + "/statm")
	return m
}

// sample returns the peak so far, in MB.
func (m *memProbe) sample() int {
	if m == nil || m.f == nil {
		return 0
	}
	n, _ := m.f.ReadAt(m.buf[:], 0)
	f := bytes.Fields(m.buf[:n])
	if len(f) > 1 {
		pages, _ := strconv.Atoi(string(f[1]))
		if mb := (pages*pageSize + (1<<20 - 1)) >> 20; mb > m.peakMB {
			m.peakMB = mb
		}
	}
	return m.peakMB
}

func (m *memProbe) close() {
	if m != nil && m.f != nil {
		_ = m.f.Close()
	}
}

// statusPeakMB is the process's peak resident set (VmHWM), in MB.
func statusPeakMB(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Bytes()
		if rest, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			f := bytes.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.Atoi(string(f[0]))
				return (kb + 1023) / 1024
			}
		}
	}
	return 0
}
