package main

import (
	"syscall"
	"testing"
	"time"
)

// TestSIGTERMExitsZero: a running bot stops cleanly on SIGTERM and SIGINT.
func TestSIGTERMExitsZero(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		dir := t.TempDir()
		p := startBot(t, dir)
		p.say("!queue")
		p.expect(`^console: the queue is empty`)
		p.cmd.Process.Signal(sig)
		select {
		case <-p.done:
		case <-time.After(waitFor):
			t.Fatalf("%v: stagebot did not exit", sig)
		}
		if code := p.cmd.ProcessState.ExitCode(); code != 0 {
			t.Fatalf("%v: exit %d", sig, code)
		}
	}
}
