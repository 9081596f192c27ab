package watch_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/clicktest"
)

// The synced list may be a file on the snakefruit target itself (read through the target's
// own transport); a missing file reads as an empty list.
func TestWatchListOnTheTarget(t *testing.T) {
	b := bottest.Start(t, "  watch_list: synced/clicks_list\n  poll_interval: 50ms\n")
	id, file := b.Stage(clicktest.Spec{Name: "com.example.ontarget", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all"})
	synced := filepath.Join(b.Snakefruit, "synced", "clicks_list")
	if err := os.MkdirAll(filepath.Dir(synced), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(synced, []byte(file+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.WaitFor(`^\[` + id + `\] ` + regexp.QuoteMeta(file) + ` stored`)
	b.WaitFor(`click-sync tick \(synced list changed\): stored`)
}
