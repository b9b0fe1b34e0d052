package testenv

import (
	"os/exec"
	"runtime"
)

// StartChild starts cmd so that it dies with the test binary, even if the
// binary crashes or is killed before its cleanups run, and returns a channel
// closed when cmd has exited. Any SysProcAttr already set (credentials, say)
// is kept.
//
// The parent-death signal (Linux) fires when the thread that started the
// child exits, not the process, so the goroutine that starts the child locks
// its thread and stays in cmd.Wait for the child's whole life.
func StartChild(cmd *exec.Cmd) (exited <-chan struct{}, err error) {
	setDeathSignal(cmd)
	started := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
		close(done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return done, nil
}
