package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
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
		id := p.expect(`^alice: \[([0-9a-f]{8})\] requested`)[1]
		p.say("bob> !approve " + id)
		p.expect(`^bob: \[` + id + `\] approved`)
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
			flipAuditByte(t, filepath.Join(dir, "var", "stagebot.db"))
			if code, out := verify(); code != 1 || !strings.Contains(out, "BROKEN") {
				t.Fatalf("tampered audit log: exit %d: %s", code, out)
			}
		}
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
