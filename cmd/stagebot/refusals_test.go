package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"stagebot"
	"stagebot/internal/clicktest"
	"stagebot/storage"
)

// snapshot is the bot's observable state: every request, job and audit entry in bbolt, and
// every file under the snakefruit folder and the bot's click store, byte for byte.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	db, err := storage.OpenReadOnly(filepath.Join(dir, "var", "stagebot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	err = db.View(func(tx *storage.Tx) error {
		if err := tx.ForEachRequest(func(r *stagebot.Request) error {
			j, _ := json.Marshal(r)
			b.Write(j)
			b.WriteByte('\n')
			return nil
		}); err != nil {
			return err
		}
		jobs, err := tx.Jobs()
		if err != nil {
			return err
		}
		j, _ := json.Marshal(jobs)
		b.Write(j)
		audit, err := tx.AuditLog("")
		if err != nil {
			return err
		}
		j, _ = json.Marshal(audit)
		b.Write(j)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"var/snakefruit", "var/clicks", "var/downloads"} {
		filepath.WalkDir(filepath.Join(dir, sub), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			data, _ := os.ReadFile(path)
			sum := sha256.Sum256(data)
			rel, _ := filepath.Rel(dir, path)
			b.WriteString("\n" + rel + " " + hex.EncodeToString(sum[:]))
			return nil
		})
	}
	return b.String()
}

// TestRefusalsChangeNothing: each bad input gets a reply saying why, and the state and the
// list stay byte-identical.
func TestRefusalsChangeNothing(t *testing.T) {
	dir := t.TempDir()
	clicks := t.TempDir()
	good := clicktest.Build(t, clicks, clicktest.Spec{Name: "com.example.good", Version: "1.0", Framework: fw, Arch: "all", Files: map[string]string{"a": "1"}})
	mislabelled := filepath.Join(clicks, "com.example.other_1.0_all.click")
	copyFile(t, good, mislabelled)
	notClick := filepath.Join(clicks, "com.example.text_1.0_all.click")
	if err := os.WriteFile(notClick, []byte("just some text, not an ar archive\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	// First run: one locked request and one pending, so refusals have something to spoil.
	p := startBot(t, dir)
	p.say("alice> !stage " + good)
	id := p.expect(`\[([0-9a-f]{8})\] \S+ requested: .* by alice`)[1]
	p.close()
	before := snapshot(t, dir)
	list := filepath.Join(dir, "var", "snakefruit", "locked_clicks_list")
	listBefore, _ := os.ReadFile(list)

	cases := []struct {
		name, line, reply string
	}{
		{"self-approval", "alice> !approve " + id, `refused: .*own request`},
		{"unknown ID", "bob> !approve ffff0000", `refused: no request with ID ffff0000`},
		{"ID too short", "bob> !approve " + id[:2], `refused: .*at least 4 hex digits`},
		{"unknown command", "bob> !frobnicate " + id, `unknown command !frobnicate`},
		{"missing file", "alice> !stage /nonexistent/com.example.gone_1.0_all.click", `refused: cannot open .*no such file`},
		{"not a click", "alice> !stage " + notClick, `refused: com\.example\.text_1\.0_all\.click is not a click the bot can stage: `},
		{"mislabelled", "alice> !stage " + mislabelled, `refused: com\.example\.other_1\.0_all\.click is mislabelled: its manifest makes it com\.example\.good_1\.0_all\.click`},
		{"retry with nothing failed", "bob> !retry " + id, `refused: .*nothing failed to retry`},
	}
	p = startBot(t, dir)
	for _, c := range cases {
		p.say(c.line)
		p.expect(`^[a-z]+: ` + c.reply)
	}
	p.close()
	if after := snapshot(t, dir); after != before {
		t.Fatalf("refusals changed the state:\nbefore %s\nafter  %s", before, after)
	}
	listAfter, _ := os.ReadFile(list)
	if string(listAfter) != string(listBefore) {
		t.Fatalf("refusals changed the list: %q -> %q", listBefore, listAfter)
	}
}
