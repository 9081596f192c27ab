package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"stagebot/internal/clicktest"
	"stagebot/internal/testenv"
)

// The secrets the bot's config takes from the environment, which the audit subcommands
// run without.
var auditSecrets = []string{"IRC_PASSWORD", "STAGEBOT_WEBHOOK_SECRET"}

// runAudit runs `stagebot audit ARGS...` with the environment less the secrets, and says
// how long it took.
func runAudit(t *testing.T, args ...string) (code int, stdout, stderr string, took time.Duration) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"audit"}, args...)...)
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.Contains(strings.Join(auditSecrets, " "), name) {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String(), time.Since(start)
}

// `audit log` and `audit verify` with the config of a bot that runs and holds the
// database: they read through its HTTP listener, at once (not after bbolt's lock timeout),
// without the chat or webhook secrets the config takes from the environment, and say the
// same as they do from the file once the bot has stopped.
func TestAuditWhileTheBotRuns(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	listen := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	cfg := filepath.Join(dir, "stagebot.yaml")
	// IRC on a port nothing listens on: the adapter keeps trying, the console works, and
	// the config holds a chat secret.
	yml := fmt.Sprintf(`state_dir: %s
console: true
team: {landing: [{name: sil2100}], landers: [{name: "*"}]}
snakefruit: {target: "file://%s/snakefruit"}
click_sync: {schedule: "0 0 1 1 *"}
irc:
  server: 127.0.0.1:%d
  channels: ["#stage"]
  sasl: {mechanism: PLAIN, user: stagebot, password: "${IRC_PASSWORD}"}
http:
  listen: %s
  webhook_secret: ${STAGEBOT_WEBHOOK_SECRET}
`, state, dir, testenv.FreePort(t), listen)
	if err := os.WriteFile(cfg, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("IRC_PASSWORD", "irc-secret")
	t.Setenv("STAGEBOT_WEBHOOK_SECRET", "hook-secret")

	p := startBot(t, dir, "run", "--config", cfg)
	c := clicktest.Build(t, t.TempDir(), clicktest.Spec{Name: "com.example.audited", Version: "1.0", Framework: fw, Arch: "all", Files: map[string]string{"a": "1"}})
	p.say("alice> !stage " + c)
	id := p.expect(`\[([0-9a-f]{8})\] \S+ requested: .* by alice`)[1]
	p.say("sil2100> !approve " + id)
	p.expect(`^\[` + id + `\] \S+ locked`)
	if resp, err := http.Get("http://" + listen + "/healthz"); err != nil {
		t.Fatalf("the bot's HTTP listener: %v", err)
	} else {
		resp.Body.Close()
	}

	code, running, stderr, took := runAudit(t, "log", "--config", cfg)
	if code != 0 {
		t.Fatalf("audit log while the bot runs: exit %d\n%s%s", code, running, stderr)
	}
	checkAuditLog(t, running, id)
	// bbolt gives up on a held file after 5s: the running bot is asked well before.
	if took > 3*time.Second {
		t.Errorf("audit log took %s beside the running bot", took)
	}
	t.Logf("audit log beside the running bot: %s", took.Round(time.Millisecond))
	code, out, stderr, _ := runAudit(t, "log", "--config", cfg, "--request", id)
	if code != 0 || strings.Count(out, "["+id+"]") != 3 {
		t.Errorf("audit log --request %s: exit %d\n%s%s", id, code, out, stderr)
	}
	code, out, stderr, _ = runAudit(t, "verify", "--config", cfg)
	if code != 0 || !regexp.MustCompile(`^audit log intact: \d+ entries\n$`).MatchString(out) {
		t.Errorf("audit verify while the bot runs: exit %d\n%s%s", code, out, stderr)
	}
	code, _, stderr, _ = runAudit(t, "log", "--config", cfg, "--request", "ffff0000")
	if code != 2 || !strings.Contains(stderr, "no request with ID ffff0000") {
		t.Errorf("audit log of an unknown request: exit %d: %s", code, stderr)
	}
	code, _, stderr, _ = runAudit(t, "log", "--db", filepath.Join(state, "stagebot.db"))
	if code != 2 || !strings.Contains(stderr, "held by a running stagebot") || !strings.Contains(stderr, "--config") {
		t.Errorf("audit log --db of the held file: exit %d: %s", code, stderr)
	}

	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(waitFor):
		t.Fatal("the bot did not stop on SIGTERM")
	}
	code, stopped, stderr, _ := runAudit(t, "log", "--config", cfg)
	if code != 0 {
		t.Fatalf("audit log after the bot stopped: exit %d\n%s", code, stderr)
	}
	entries := func(out string) string { return out[:strings.LastIndex(strings.TrimSuffix(out, "\n"), "\n")+1] }
	if !strings.HasPrefix(entries(stopped), entries(running)) {
		t.Errorf("audit log from the file differs from the running bot's:\n--- through the bot\n%s--- from the file\n%s", running, stopped)
	}
}

// checkAuditLog checks audit log's output: one entry a line, the request's three
// transitions among them, the verdict last.
func checkAuditLog(t *testing.T, out, id string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	entry := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC (\[[0-9a-f]{8}\]|-) (\S+): (\S+)`)
	var states []string
	for _, l := range lines[:len(lines)-1] {
		m := entry.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("audit log line %q is not an entry", l)
		}
		if m[1] == "["+id+"]" {
			states = append(states, strings.TrimSuffix(m[3], ":"))
		}
	}
	if got := strings.Join(states, ","); got != "pending,approved,locked" {
		t.Errorf("audit log of %s: %s\n%s", id, got, out)
	}
	if !strings.HasPrefix(lines[len(lines)-1], "audit log intact: ") {
		t.Errorf("audit log ends %q", lines[len(lines)-1])
	}
}

// The audit subcommand's usage: --help on stdout with exit 0, one usage line; wrong
// arguments on stderr with exit 2.
func TestAuditUsage(t *testing.T) {
	for _, tt := range []struct {
		args   []string
		code   int
		stdout bool
	}{
		{[]string{"--help"}, 0, true},
		{[]string{"log", "--help"}, 0, true},
		{[]string{"verify", "-h"}, 0, true},
		{nil, 2, false},
		{[]string{"show"}, 2, false},
		{[]string{"log", "--config", "a.yaml", "--db", "b.db"}, 2, false},
		{[]string{"verify", "--request", "1a2b"}, 2, false},
		{[]string{"log", "extra"}, 2, false},
	} {
		code, stdout, stderr, _ := runAudit(t, tt.args...)
		out := stderr
		if tt.stdout {
			out = stdout
		}
		if code != tt.code || strings.Count(out, "usage: stagebot audit ") != 1 {
			t.Errorf("audit %v: exit %d, want %d\nstdout: %s\nstderr: %s", tt.args, code, tt.code, stdout, stderr)
		}
	}
}
