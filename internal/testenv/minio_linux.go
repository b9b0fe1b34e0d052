package testenv

import (
	"os/exec"
	"syscall"
)

// setDeathSignal makes the kernel kill the child when the thread that
// started it exits, so that a test binary that crashes or is killed before
// its cleanups run leaves no server behind.
func setDeathSignal(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
