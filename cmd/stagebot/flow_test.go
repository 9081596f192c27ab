package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"stagebot/internal/clicktest"
)

const fw = "ubuntu-sdk-15.04"

// TestEmbeddedDefaultFullFlow drives the built binary through the whole workflow on the
// embedded default: clicks from `click build`, the console as chat, snakefruit a local folder.
func TestEmbeddedDefaultFullFlow(t *testing.T) {
	dir := t.TempDir()
	clicks := t.TempDir()
	foo10 := clicktest.Build(t, clicks, clicktest.Spec{Name: "com.example.foo", Version: "1.0", Framework: fw, Arch: "all", Files: map[string]string{"a": "1"}})
	bar10 := clicktest.Build(t, clicks, clicktest.Spec{Name: "com.example.bar", Version: "1.0", Framework: fw, Arch: "armhf", Files: map[string]string{"a": "1"}})
	bar11 := clicktest.Build(t, clicks, clicktest.Spec{Name: "com.example.bar", Version: "1.1", Framework: fw, Arch: "armhf", Files: map[string]string{"a": "2"}})
	sf := filepath.Join(dir, "var", "snakefruit")
	list := filepath.Join(sf, "locked_clicks_list")

	p := startBot(t, dir)
	// foo 1.0 goes requested, approved, locked, stored, promoted, published.
	p.say("alice> !stage " + foo10)
	// The announcement alone answers !stage (contract section 3).
	id := p.expect(`\[([0-9a-f]{8})\] com\.example\.foo_1\.0_all\.click requested: com\.example\.foo 1\.0 all by alice`)[1]
	p.say("bob> !approve " + id[:4])
	p.expect(`^\[` + id + `\] com\.example\.foo_1\.0_all\.click approved`)
	p.expect(`^\[` + id + `\] com\.example\.foo_1\.0_all\.click locked`)
	equalLines(t, "list after lock", readLines(t, list), []string{"com.example.foo_1.0_all.click"})

	// A person adds a line of their own while the bot runs.
	f, err := os.OpenFile(list, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("person-added_2.0_all.click\n")
	f.Close()

	p.say("!tick")
	p.expect(`^\[` + id + `\] com\.example\.foo_1\.0_all\.click stored`)
	p.expect(`tick`)
	p.say("qa> !promote 312")
	p.expect(`^\[` + id + `\] com\.example\.foo_1\.0_all\.click promoted`)
	p.say("!status " + id)
	p.expect(`^console: ` + id + ` com\.example\.foo_1\.0_all\.click promoted `)
	p.say("qa> !phasing 100")
	p.expect(`^\[` + id + `\] com\.example\.foo_1\.0_all\.click published`)
	equalLines(t, "list after publication", readLines(t, list), []string{"person-added_2.0_all.click"})
	if _, err := os.Stat(filepath.Join(sf, "com.example.foo_1.0_all.click")); !os.IsNotExist(err) {
		t.Fatalf("published click still in the folder: %v", err)
	}

	// bar 1.1 supersedes bar 1.0 in place; the person's line stays where it is.
	p.say("alice> !stage " + bar10)
	b10 := p.expect(`\[([0-9a-f]{8})\] com\.example\.bar_1\.0_armhf\.click requested: com\.example\.bar 1\.0 armhf by alice`)[1]
	p.say("bob> !approve " + b10)
	p.expect(`^\[` + b10 + `\] com\.example\.bar_1\.0_armhf\.click locked`)
	equalLines(t, "list with bar 1.0", readLines(t, list), []string{"person-added_2.0_all.click", "com.example.bar_1.0_armhf.click"})
	p.say("alice> !stage " + bar11)
	b11 := p.expect(`\[([0-9a-f]{8})\] com\.example\.bar_1\.1_armhf\.click requested: com\.example\.bar 1\.1 armhf by alice`)[1]
	p.say("bob> !approve " + b11)
	p.expect(`^\[` + b10 + `\] com\.example\.bar_1\.0_armhf\.click superseded`)
	p.expect(`^\[` + b11 + `\] com\.example\.bar_1\.1_armhf\.click locked: replaces com\.example\.bar_1\.0_armhf\.click`)
	equalLines(t, "list after supersession", readLines(t, list), []string{"person-added_2.0_all.click", "com.example.bar_1.1_armhf.click"})
	awaitGone(t, filepath.Join(sf, "com.example.bar_1.0_armhf.click"))
	p.say("!tick")
	p.expect(`^\[` + b11 + `\] com\.example\.bar_1\.1_armhf\.click stored`)
	p.say("!promote 313")
	p.expect(`^\[` + b11 + `\] com\.example\.bar_1\.1_armhf\.click promoted`)
	p.say("!phasing 100")
	p.expect(`^\[` + b11 + `\] com\.example\.bar_1\.1_armhf\.click published`)
	p.close()

	equalLines(t, "final list", readLines(t, list), []string{"person-added_2.0_all.click"})
	entries, err := os.ReadDir(sf)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "locked_clicks_list" {
			t.Errorf("left in the snakefruit folder: %s", e.Name())
		}
	}
	// Every announcement line names the ID and the full filename.
	for _, l := range p.transcript() {
		if strings.HasPrefix(l, "[") && !strings.Contains(l, ".click") {
			t.Errorf("announcement without a filename: %q", l)
		}
	}
}
