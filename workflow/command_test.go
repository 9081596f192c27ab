package workflow

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// script writes an executable shell script into dir and returns its path.
func script(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// alive reports whether pid still runs. A zombie counts as gone: it is dead, only not yet
// reaped by whoever inherited it.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] != "Z"
}

// awaitGone waits until pid no longer runs.
func awaitGone(t *testing.T, pid int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still runs %s later", pid, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// childPID returns the PID a script recorded in path, 0 if it has not (yet).
func childPID(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// awaitPID waits until the script recorded its child's PID in path.
func awaitPID(t *testing.T, path string) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if pid := childPID(path); pid > 0 {
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatal("the script never recorded its child")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// reapChild kills at cleanup the child recorded in pidFile: one that is meant to survive
// (the exit-0 case), or any when the code under test failed to kill it, must not outlive
// the test.
func reapChild(t *testing.T, pidFile string) {
	t.Helper()
	t.Cleanup(func() {
		if pid := childPID(pidFile); pid > 0 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
}

type result struct {
	tail string
	err  error
}

// runBounded runs runCommand and fails the test, rather than hanging it, when it has not
// returned within limit; the child recorded in pidFile is killed then so the call can end.
func runBounded(t *testing.T, ctx context.Context, argv []string, timeout, limit time.Duration, pidFile string) result {
	t.Helper()
	done := make(chan result, 1)
	go func() {
		tail, err := runCommand(ctx, argv, timeout)
		done <- result{tail, err}
	}()
	select {
	case r := <-done:
		return r
	case <-time.After(limit):
		if pid := childPID(pidFile); pid > 0 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		<-done
		t.Fatalf("runCommand did not return within %s", limit)
		return result{}
	}
}

func TestRunCommand(t *testing.T) {
	const timeout = 500 * time.Millisecond
	cases := []struct {
		name string
		// body is the script; $1 is a file where it records the PID of the child it leaves.
		body    string
		wantErr string // "" = success
		// wantTail is a fragment of the returned output tail.
		wantTail string
		// childKilled: the child left behind must be gone once runCommand returned.
		childKilled bool
	}{
		{
			name:        "wrapper hangs while its child holds stdout",
			body:        "echo starting\nsleep 1000 &\necho $! >\"$1\"\nwait\n",
			wantErr:     "timed out after 500ms",
			wantTail:    "last output: starting",
			childKilled: true,
		},
		{
			name: "exits 0 leaving a child that holds stdout",
			body: "echo published\nsleep 1000 &\necho $! >\"$1\"\nexit 0\n",
		},
		{
			name:     "exits 3 with output",
			body:     "echo uploading\necho 'store said no' >&2\nexit 3\n",
			wantErr:  "exit status 3",
			wantTail: "last output: uploading | store said no",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			pidFile := filepath.Join(dir, "child.pid")
			argv := []string{script(t, dir, "publish", c.body), pidFile}
			reapChild(t, pidFile)

			// Well under the child's 1000 s: the timeout, plus the wait delay at worst.
			r := runBounded(t, context.Background(), argv, timeout, timeout+commandWaitDelay+2*time.Second, pidFile)
			tail, err := r.tail, r.err
			if c.wantErr == "" {
				if err != nil {
					t.Fatalf("err %v (tail %q), want success", err, tail)
				}
			} else if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("err %v, want %q", err, c.wantErr)
			}
			if !strings.Contains(tail, c.wantTail) {
				t.Errorf("tail %q, want it to contain %q", tail, c.wantTail)
			}
			if c.childKilled {
				awaitGone(t, awaitPID(t, pidFile), 5*time.Second)
			}
		})
	}
}

// TestRunCommandStopsWhenCtxEnds: a shutdown kills the whole group at once, without waiting
// for the timeout.
func TestRunCommandStopsWhenCtxEnds(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child.pid")
	argv := []string{script(t, dir, "publish", "sleep 1000 &\necho $! >\"$1\"\nwait\n"), pidFile}
	reapChild(t, pidFile)
	ctx, cancel := context.WithCancel(context.Background())
	// Cancelled once the child exists, so the kill has a grandchild to reach.
	go func() {
		defer cancel()
		deadline := time.Now().Add(10 * time.Second)
		for childPID(pidFile) == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}()
	r := runBounded(t, ctx, argv, time.Hour, 10*time.Second+commandWaitDelay+2*time.Second, pidFile)
	if !errors.Is(r.err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", r.err)
	}
	awaitGone(t, awaitPID(t, pidFile), 5*time.Second)
}
