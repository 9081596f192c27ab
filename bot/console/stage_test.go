package console_test

import (
	"regexp"
	"strings"
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/clicktest"
)

// TestStageIsOneLine: on the console a successful !stage is answered by its `requested`
// announcement alone, which names the request and the requester; a refused one still
// gets its reply. Lines are counted once the bot has drained (Stop), so a late
// duplicate cannot slip past.
func TestStageIsOneLine(t *testing.T) {
	b := bottest.Start(t, "")
	clicks := t.TempDir()
	path := clicktest.Build(t, clicks, clicktest.Spec{Name: "com.example.one", Version: "1.0", Framework: "ubuntu-sdk-15.04",
		Arch: "all", Files: map[string]string{"a.txt": "a"}})
	b.Say("alice> !stage " + path)
	id := b.WaitFor(`\[([0-9a-f]{8})\] com\.example\.one_1\.0_all\.click requested: .* by alice`)[1]
	b.Say("alice> !stage /nonexistent/com.example.two_1.0_all.click")
	b.WaitFor(`^alice: refused: `)
	b.Stop()
	var about []string
	for _, l := range b.Lines() {
		if strings.Contains(l, id) || strings.Contains(l, "com.example.one") {
			about = append(about, l)
		}
	}
	if len(about) != 1 || !regexp.MustCompile(`requested`).MatchString(about[0]) {
		t.Fatalf("lines about the request: %q; want the one `requested` announcement", about)
	}
}
