package workflow

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// commandWaitDelay bounds how long a command's output is still read once the command has
// exited or been killed. A child it left behind that keeps stdout open would otherwise hold
// cmd.Wait, and the worker with it, for as long as that child lives.
const commandWaitDelay = 3 * time.Second

const (
	tailBytes = 4096 // output kept for the failure message; a chatty tool must not fill memory
	tailLines = 3
	tailChars = 200
)

// runCommand runs argv (never through a shell) and returns, when it fails, the last lines of
// its combined output as "last output: ...". The command runs in a process group of its own
// so that the timeout, or ctx ending, kills what it started too: a shell wrapper's tool that
// outlives the wrapper is the usual way a command hangs. A command that exits 0 succeeds even
// if something it left behind still holds its output open.
func runCommand(ctx context.Context, argv []string, timeout time.Duration) (tail string, err error) {
	if len(argv) == 0 {
		return "", errors.New("empty command")
	}
	runCtx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(runCtx, argv[0], argv[1:]...)
	var out tailBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	cmd.WaitDelay = commandWaitDelay
	err = cmd.Run()
	if cmd.ProcessState != nil && cmd.ProcessState.Success() {
		// Either a clean exit (err nil) or a clean exit whose leftovers held the output past
		// WaitDelay (exec.ErrWaitDelay), or one that raced the deadline: it did its work.
		return "", nil
	}
	switch {
	case ctx.Err() != nil:
		err = ctx.Err()
	case errors.Is(runCtx.Err(), context.DeadlineExceeded):
		err = fmt.Errorf("timed out after %s", timeout)
	}
	return out.tail(), err
}

// killGroup kills the process group led by pid. The group outlives its leader while any
// member lives, which is exactly the case this is for.
func killGroup(pid int) error {
	err := syscall.Kill(-pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return os.ErrProcessDone
	}
	return err
}

// tailBuffer keeps the last tailBytes written to it. exec writes to it from one goroutine
// per stream only when Stdout and Stderr differ; here they are the same writer, so exec
// serialises the writes itself and no lock is needed.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) >= tailBytes {
		p = p[len(p)-tailBytes:]
		t.b = t.b[:0]
	}
	if over := len(t.b) + len(p) - tailBytes; over > 0 {
		t.b = t.b[over:]
	}
	t.b = append(t.b, p...)
	return n, nil
}

// tail is the last few non-empty lines, on one line, for an announcement.
func (t *tailBuffer) tail() string {
	var lines []string
	for _, l := range strings.Split(string(t.b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return ""
	}
	s := strings.Join(lines[max(0, len(lines)-tailLines):], " | ")
	if len(s) > tailChars {
		// Cut by bytes, then drop a rune the cut may have split.
		s = "..." + strings.ToValidUTF8(s[len(s)-tailChars:], "")
	}
	return "last output: " + s
}
