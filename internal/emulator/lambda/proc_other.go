//go:build !linux

package lambda

import (
	"os"
	"os/exec"
)

// hostCanRun is false: Lambda code is linux code, and checkExecutable
// refuses it here with a message saying so, before anything is started.
const hostCanRun = false

func setProcAttrs(*exec.Cmd) {}

func killGroup(p *os.Process) { _ = p.Kill() }

type spawner struct{}

func newSpawner() *spawner                     { return &spawner{} }
func (*spawner) start(cmd *exec.Cmd) error     { return cmd.Start() }
func (*spawner) close()                        {}
func drainPipe(*os.File, []byte, func([]byte)) {}

type memProbe struct{ peakMB int }

func newMemProbe(int) *memProbe { return nil }
func (*memProbe) sample() int   { return 0 }
func (*memProbe) close()        {}
