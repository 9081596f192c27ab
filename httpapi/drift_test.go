package httpapi_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/testenv"
)

// The status page says how snakefruit differs from the bot's records in sentences, the
// chat's own words, never as the records' tokens.
func TestStatusPageDriftInSentences(t *testing.T) {
	dir := t.TempDir()
	folder := filepath.Join(dir, "snakefruit")
	if err := os.MkdirAll(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	// A click someone put in the folder without a line in the list.
	if err := os.WriteFile(filepath.Join(folder, "com.example.stray_1.0_all.click"), []byte("not the bot's"), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	b := bottest.StartWith(t, bottest.Options{Dir: dir, Extra: fmt.Sprintf("http:\n  listen: %s\n  webhook_secret: %s\n", addr, secret)})
	var page string
	b.Eventually("the page showing the difference", func() bool {
		_, page = getMaybe("http://" + addr + "/")
		return strings.Contains(page, `id="notes"`)
	})
	want := "<li>com.example.stray_1.0_all.click is in the folder but not in the list</li>"
	if !strings.Contains(page, want) {
		t.Errorf("the page lacks %q:\n%s", want, page)
	}
	if strings.Contains(page, "file-without-line") {
		t.Errorf("the page shows the record's token:\n%s", page)
	}
}
