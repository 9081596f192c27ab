package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"stagebot/internal/clicktest"
)

// TestPublishCommandHangDoesNotWedgeWorker: a publish command whose wrapper hangs while a
// child it started holds stdout times out and is announced as failed; the worker goes on to
// lock the next click, and SIGTERM still stops the bot.
func TestPublishCommandHangDoesNotWedgeWorker(t *testing.T) {
	dir := t.TempDir()
	clicks := t.TempDir()
	hang := clicktest.Build(t, clicks, clicktest.Spec{Name: "com.example.hang", Version: "1.0", Framework: fw, Arch: "all", Files: map[string]string{"a": "1"}})
	next := clicktest.Build(t, clicks, clicktest.Spec{Name: "com.example.next", Version: "1.0", Framework: fw, Arch: "all", Files: map[string]string{"a": "2"}})

	pidFile := filepath.Join(dir, "child.pid")
	publish := filepath.Join(dir, "publish-click")
	// The wrapper's tool (sleep, a grandchild of the bot) inherits stdout and outlives any
	// reasonable timeout; the wrapper waits for it.
	body := fmt.Sprintf("#!/bin/sh\necho \"publishing $1\"\nsleep 1000 &\necho $! >%q\nwait\n", pidFile)
	if err := os.WriteFile(publish, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if pid := recordedPID(pidFile); pid > 0 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	cfg := filepath.Join(dir, "stagebot.yaml")
	err := os.WriteFile(cfg, []byte(fmt.Sprintf(`state_dir: %s
console: true
team:
  landing: [{name: bob}]
  qa: [{name: quinn}]
  landers: [{name: alice}]
publish:
  command: [%q, "{name}"]
  timeout: 2s
`, filepath.Join(dir, "var"), publish)), 0o600)
	if err != nil {
		t.Fatal(err)
	}

	p := startBot(t, dir, "run", "--config", cfg)
	p.say("alice> !stage " + hang)
	a := p.expect(`\[([0-9a-f]{8})\] \S+ requested: .* by alice`)[1]
	p.say("bob> !approve " + a)
	p.expect(`^\[` + a + `\] com\.example\.hang_1\.0_all\.click locked`)
	p.say("bob> !tick")
	p.expect(`^\[` + a + `\] \S+ stored`)
	p.say("quinn> !promote 20")
	p.expect(`^\[` + a + `\] \S+ promoted`)
	p.say("quinn> !phasing 100")
	p.expect(`^\[` + a + `\] com\.example\.hang_1\.0_all\.click failed: .*timed out after 2s.*last output: publishing com\.example\.hang`)
	if pid := recordedPID(pidFile); pid == 0 {
		t.Error("the publish script never recorded its child")
	} else if syscall.Kill(pid, 0) == nil && !isZombie(pid) {
		t.Errorf("the publish command's child %d outlived the timeout", pid)
	}

	p.say("alice> !stage " + next)
	b := p.expect(`\[([0-9a-f]{8})\] \S+ requested: .* by alice`)[1]
	p.say("bob> !approve " + b)
	p.expect(`^\[` + b + `\] com\.example\.next_1\.0_all\.click locked`)

	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("stagebot did not exit within 10s of SIGTERM")
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit %d after SIGTERM", code)
	}
}

// recordedPID is the PID a script wrote to path, 0 if none.
func recordedPID(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// isZombie reports whether pid has exited and waits only to be reaped by whoever adopted it.
func isZombie(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] == "Z"
}
