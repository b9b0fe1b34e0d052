//go:build !linux

package testenv

import "os/exec"

// setDeathSignal does nothing outside Linux, which has no parent-death
// signal: there, only the tests' cleanups (StopMinIO, through Main) stop
// the children.
func setDeathSignal(cmd *exec.Cmd) {}
