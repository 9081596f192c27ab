package watch_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/clicktest"
)

// A publish command that fails keeps the click promoted and in the list and announces the
// failure; once the command works, !retry publishes and flushes it.
func TestFailingPublishKeepsTheClickLocked(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "publish.sh")
	writeScript(t, script, "echo store says no >&2\nexit 3\n")
	b := bottest.StartIn(t, dir, fmt.Sprintf("publish:\n  command: [%s, \"{path}\"]\n", script))

	id, file := b.Stage(clicktest.Spec{Name: "com.example.unpublished", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all"})
	req := `\[` + id + `\] ` + regexp.QuoteMeta(file)
	b.Say("sil2100> !tick")
	b.WaitFor(`^` + req + ` stored`)
	b.Say("qa-lead> !promote 312")
	b.WaitFor(`^` + req + ` promoted`)
	b.Say("qa-lead> !phasing 100")
	b.WaitFor(`^` + req + ` failed: publication failed: exit status 3 \(last output: store says no\)`)
	b.Say("alice> !status " + id)
	b.WaitFor(`^alice: ` + id + ` ` + regexp.QuoteMeta(file) + ` promoted `)
	if !strings.Contains(b.ListFile(), file) {
		t.Fatalf("a failed publication flushed %s:\n%s", file, b.ListFile())
	}
	if n := b.Count(` published`); n != 0 {
		t.Fatalf("announced published after a failure")
	}

	writeScript(t, script, "exit 0\n")
	b.Say("sil2100> !retry " + id)
	b.WaitFor(`^` + req + ` published`)
	if strings.Contains(b.ListFile(), file) {
		t.Fatalf("%s still in the list after publication:\n%s", file, b.ListFile())
	}
}
