package testenv

import (
	"os/exec"
	"syscall"
)

// setDeathSignal makes the kernel kill the server when the thread that
// started it exits, so that a test binary that crashes or is killed before
// StopMinIO runs leaves no server behind.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
