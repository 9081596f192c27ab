package httpapi_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"stagebot/internal/clicktest"
	"stagebot/internal/testenv"
)

// The status page as a phone's browser shows it: headless Chromium renders the requests
// with their states, and a 412px-wide screenshot is kept as an artifact for a person to
// look at.
func TestStatusPageInChromium(t *testing.T) {
	chromium := testenv.Tool(t, "chromium")
	b, base := startHTTPBot(t)
	storedID, storedFile := b.Stage(clicktest.Spec{Name: "com.example.shown", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all"})
	b.Say("sil2100> !tick")
	b.WaitFor(`\[` + storedID + `\] \S+ stored`)
	path := clicktest.Build(t, t.TempDir(), clicktest.Spec{Name: "com.example.waiting", Version: "0.1", Framework: "ubuntu-sdk-15.04", Arch: "armhf",
		Files: map[string]string{"app.qml": "import QtQuick 2.4\nItem {}\n"}})
	b.Say("alice> !stage " + path)
	pendingID := b.WaitFor(`\[([0-9a-f]{8})\] \S+ requested: .* by alice`)[1]

	dom := runChromium(t, chromium, "--dump-dom", base+"/")
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`id="req-` + storedID + `"[^>]*data-state="stored"`),
		regexp.MustCompile(`id="req-` + pendingID + `"[^>]*data-state="pending"`),
		regexp.MustCompile(regexp.QuoteMeta(storedFile)),
		regexp.MustCompile(`com\.example\.waiting_0\.1_armhf\.click`),
		regexp.MustCompile(`class="approvers">sil2100<`),
		regexp.MustCompile(`<meta name="viewport"`),
	} {
		if !want.MatchString(dom) {
			t.Errorf("the rendered page lacks %s", want)
		}
	}
	if strings.Contains(dom, "http://") || strings.Contains(dom, "https://") {
		t.Errorf("the page refers to something outside itself")
	}

	dir := os.Getenv("STAGEBOT_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "status-page-412x900.png")
	os.Remove(shot)
	runChromium(t, chromium, "--screenshot="+shot, "--window-size=412,900", "--hide-scrollbars", base+"/")
	png, err := os.ReadFile(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	// A blank 412x900 PNG compresses to a few hundred bytes; a page with text does not.
	if len(png) < 5000 || string(png[1:4]) != "PNG" {
		t.Fatalf("screenshot %s is %d bytes: not a rendered page", shot, len(png))
	}
	t.Logf("screenshot: %s (%d bytes)", shot, len(png))
}

func runChromium(t *testing.T, chromium string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{"--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-dev-shm-usage",
		"--user-data-dir=" + t.TempDir(), "--virtual-time-budget=2000"}
	cmd := exec.CommandContext(ctx, chromium, append(base, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return string(out)
}
