//go:build linux

package main

import (
	"bufio"
	"os/exec"
	"strings"
	"testing"
	"time"

	"stagebot/internal/testenv"
)

// TestTerminalGreeting: the bot run at a terminal first says how to speak to it, with the
// prefix the config sets; Ctrl-D there ends it cleanly. (Every other test here feeds it a
// pipe, and reads no such line.)
func TestTerminalGreeting(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "console: true\ncommand_prefix: \".\"\n")
	ptm, tty := testenv.Terminal(t)
	cmd := exec.Command(binary, "run", "--config", cfg)
	cmd.Dir, cmd.Stdin = dir, tty
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func() string {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the output ended")
			}
			return l
		case <-time.After(waitFor):
			t.Fatalf("no output within %s", waitFor)
		}
		return ""
	}
	greeting := next() + "\n" + next()
	for _, want := range []string{"NAME> text", "alice> .stage", ".help", "Ctrl-D"} {
		if !strings.Contains(greeting, want) {
			t.Errorf("the greeting lacks %q:\n%s", want, greeting)
		}
	}
	if _, err := ptm.Write([]byte(".queue\n")); err != nil {
		t.Fatal(err)
	}
	if l := next(); !strings.HasPrefix(l, "console: the queue is empty") {
		t.Errorf("after the greeting, .queue answered %q", l)
	}
	if _, err := ptm.Write([]byte{4}); err != nil { // Ctrl-D
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("after Ctrl-D: %v", err)
		}
	case <-time.After(waitFor):
		cmd.Process.Kill()
		t.Fatalf("still running %s after Ctrl-D", waitFor)
	}
}
