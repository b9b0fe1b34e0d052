//go:build !linux

package testenv

import "os/exec"

// setDeathSignal does nothing outside Linux, which has no parent-death
// signal: there, only StopMinIO (through Main) stops the server.
func setDeathSignal(cmd *exec.Cmd) {}
