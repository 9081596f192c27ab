package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"stagebot"
	"stagebot/internal/clicktest"
	"stagebot/storage"
)

// TestKillAfterApprove: SIGKILL right after !approve, then start again on the same state:
// the request ends locked exactly once, its history is intact and the audit chain verifies;
// flipping one byte of an audit entry on disk makes `audit verify` fail.
func TestKillAfterApprove(t *testing.T) {
	for round := 0; round < 3; round++ {
		dir := t.TempDir()
		clicks := t.TempDir()
		c := clicktest.Build(t, clicks, clicktest.Spec{Name: "com.example.crash", Version: "1.0", Framework: fw, Arch: "all", Files: map[string]string{"a": "1"}})

		p := startBot(t, dir)
		p.say("alice> !stage " + c)
		id := p.expect(`\[([0-9a-f]{8})\] \S+ requested: .* by alice`)[1]
		p.say("bob> !approve " + id)
		p.expect(`^bob: ` + id + ` approved`)
		p.kill()

		p = startBot(t, dir)
		p.say("!status " + id)
		p.close()

		list := filepath.Join(dir, "var", "snakefruit", "locked_clicks_list")
		equalLines(t, "list", readLines(t, list), []string{"com.example.crash_1.0_all.click"})
		entries, _ := os.ReadDir(filepath.Join(dir, "var", "snakefruit"))
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				t.Fatalf("round %d: temp file left: %s", round, e.Name())
			}
		}
		db, err := storage.OpenReadOnly(filepath.Join(dir, "var", "stagebot.db"))
		if err != nil {
			t.Fatal(err)
		}
		var r *stagebot.Request
		var jobs []stagebot.Job
		db.View(func(tx *storage.Tx) error {
			r, err = tx.FindRequest(id)
			if err != nil {
				return err
			}
			jobs, err = tx.Jobs()
			return err
		})
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		if r.State != stagebot.StateLocked || len(jobs) != 0 {
			t.Fatalf("round %d: state %s, %d jobs left", round, r.State, len(jobs))
		}
		var path []string
		for _, h := range r.History {
			path = append(path, string(h.To))
		}
		if got := strings.Join(path, ","); got != "pending,approved,locked" {
			t.Fatalf("round %d: history %s", round, got)
		}

		verify := func() (int, string) {
			cmd := exec.Command(binary, "audit", "verify")
			cmd.Dir = dir
			out, _ := cmd.CombinedOutput()
			return cmd.ProcessState.ExitCode(), string(out)
		}
		if code, out := verify(); code != 0 {
			t.Fatalf("round %d: audit verify exited %d: %s", round, code, out)
		}
		if round == 0 {
			auditLog(t, dir, id, 0)
			flipAuditByte(t, filepath.Join(dir, "var", "stagebot.db"))
			if code, out := verify(); code != 1 || !strings.Contains(out, "BROKEN") {
				t.Fatalf("tampered audit log: exit %d: %s", code, out)
			}
			auditLog(t, dir, id, 1)
		}
	}
}

// auditLog runs `stagebot audit log --request id` and checks its lines: one entry a line,
// when in UTC, the request, who and what, for each of the request's transitions, and the
// chain's verdict last with the exit code want.
func auditLog(t *testing.T, dir, id string, want int) {
	t.Helper()
	cmd := exec.Command(binary, "audit", "log", "--request", id)
	cmd.Dir = dir
	out, _ := cmd.Output()
	if code := cmd.ProcessState.ExitCode(); code != want {
		t.Fatalf("audit log exited %d, want %d:\n%s", code, want, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var states []string
	entry := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \[` + id + `\] (\S+): ([^:\s]+)`)
	for _, l := range lines[:len(lines)-1] {
		m := entry.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("audit log line %q is not one entry of request %s", l, id)
		}
		if st := stagebot.State(m[2]); st.Valid() {
			states = append(states, m[2])
		}
	}
	if got := strings.Join(states, ","); got != "pending,approved,locked" {
		t.Fatalf("audit log transitions %s:\n%s", got, out)
	}
	verdict := map[int]string{0: "audit log intact", 1: "audit log BROKEN"}[want]
	if !strings.HasPrefix(lines[len(lines)-1], verdict) {
		t.Fatalf("audit log ends %q, want the verdict %q", lines[len(lines)-1], verdict)
	}
}

// flipAuditByte changes one byte inside the first audit entry's actor, in the file itself.
func flipAuditByte(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	start := bytes.Index(data, []byte(`{"seq":1,"at":`))
	if start < 0 {
		t.Fatal("no audit entry 1 in the file")
	}
	i := bytes.Index(data[start:], []byte(`"actor":"`))
	if i < 0 {
		t.Fatal("audit entry 1 has no actor")
	}
	data[start+i+len(`"actor":"`)] ^= 0x01
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
