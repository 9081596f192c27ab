package httpapi_test

import (
	"context"
	"encoding/json"
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

	"github.com/gorilla/websocket"

	"stagebot/internal/bottest"
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

	// As the browser renders it, script and all, and as the server sends it: the HTML is
	// the page, readable without JavaScript; the script only keeps it current.
	dom := runChromium(t, chromium, "--dump-dom", base+"/")
	_, html := get(t, base+"/")
	for name, page := range map[string]string{"the rendered page": dom, "the server's HTML": html} {
		for _, want := range []*regexp.Regexp{
			regexp.MustCompile(`id="req-` + storedID + `"[^>]*data-state="stored"`),
			regexp.MustCompile(`id="req-` + pendingID + `"[^>]*data-state="pending"`),
			regexp.MustCompile(regexp.QuoteMeta(storedFile)),
			regexp.MustCompile(`com\.example\.waiting_0\.1_armhf\.click`),
			regexp.MustCompile(`class="approvers">sil2100<`),
			regexp.MustCompile(`class="waiting">1 more landing-team approval \(from sil2100\)<`),
			regexp.MustCompile(`<meta name="viewport"`),
		} {
			if !want.MatchString(page) {
				t.Errorf("%s lacks %s", name, want)
			}
		}
		if strings.Contains(page, "http://") || strings.Contains(page, "https://") {
			t.Errorf("%s refers to something outside itself", name)
		}
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
		"--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, chromium, append(base, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return string(out)
}

// The page keeps itself current: in Chromium, a request shown pending becomes locked on
// the page once it is approved in chat, without a reload, by the event stream.
func TestStatusPageUpdatesLive(t *testing.T) {
	chromium := testenv.Tool(t, "chromium")
	b, base := startHTTPBot(t)
	path := clicktest.Build(t, t.TempDir(), clicktest.Spec{Name: "com.example.live", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all",
		Files: map[string]string{"app.qml": "Item {}\n"}})
	b.Say("alice> !stage " + path)
	id := b.WaitFor(`\[([0-9a-f]{8})\] \S+ requested: .* by alice`)[1]

	page := openInChromium(t, chromium, base+"/")
	state := `(function(){var a=document.getElementById("req-` + id + `");return a?a.dataset.state:"absent"})()`
	page.await(t, "the page to show the request pending and its stream open", func() bool {
		return page.eval(t, state) == "pending" && page.eval(t, `document.documentElement.dataset.live||""`) == "on"
	})
	b.Say("sil2100> !approve " + id)
	b.WaitFor(`^\[` + id + `\] \S+ locked`)
	page.await(t, "the page to show the request locked", func() bool { return page.eval(t, state) == "locked" })
	if got := page.eval(t, `document.getElementById("live").textContent`); got != "live" {
		t.Errorf("the page's live mark reads %q", got)
	}
}

// cdpPage is a Chromium tab driven through the DevTools protocol.
type cdpPage struct {
	conn *websocket.Conn
	next int
}

// openInChromium starts a headless Chromium on url and connects to its tab.
func openInChromium(t *testing.T, chromium, url string) *cdpPage {
	t.Helper()
	profile := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
		"--disable-dev-shm-usage", "--user-data-dir="+profile, "--remote-debugging-port=0", url)
	// Chromium's helpers (zygote, renderer, crashpad) write to the profile too: the whole
	// process group is killed, so none is still writing when the profile is removed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		for deadline := time.Now().Add(bottest.Wait); syscall.Kill(-cmd.Process.Pid, 0) == nil && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond) // the group's last members are still being reaped
		}
	})
	var port string
	deadline := time.Now().Add(bottest.Wait)
	for port == "" {
		// Chromium writes the port it chose here once it listens; nothing announces it.
		if data, err := os.ReadFile(filepath.Join(profile, "DevToolsActivePort")); err == nil {
			port, _, _ = strings.Cut(string(data), "\n")
		}
		if time.Now().After(deadline) {
			t.Fatal("chromium did not open its DevTools port")
		}
		time.Sleep(20 * time.Millisecond)
	}
	var ws string
	for ws == "" {
		var targets []struct{ Type, URL, WebSocketDebuggerURL string }
		if resp, err := http.Get("http://127.0.0.1:" + port + "/json/list"); err == nil {
			json.NewDecoder(resp.Body).Decode(&targets)
			resp.Body.Close()
		}
		for _, tg := range targets {
			if tg.Type == "page" && tg.URL == url {
				ws = tg.WebSocketDebuggerURL
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("chromium has no tab on %s", url)
		}
		time.Sleep(20 * time.Millisecond)
	}
	conn, _, err := websocket.DefaultDialer.Dial(ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &cdpPage{conn: conn}
}

// eval evaluates a JavaScript expression in the page and returns its value as a string.
func (p *cdpPage) eval(t *testing.T, expr string) string {
	t.Helper()
	p.next++
	id := p.next
	p.conn.SetWriteDeadline(time.Now().Add(bottest.Wait))
	err := p.conn.WriteJSON(map[string]any{"id": id, "method": "Runtime.evaluate",
		"params": map[string]any{"expression": expr, "returnByValue": true}})
	if err != nil {
		t.Fatal(err)
	}
	p.conn.SetReadDeadline(time.Now().Add(bottest.Wait))
	for {
		var msg struct {
			ID     int
			Result struct {
				Result struct{ Value any }
			}
			Error *struct{ Message string }
		}
		if err := p.conn.ReadJSON(&msg); err != nil {
			t.Fatalf("devtools: %v", err)
		}
		if msg.ID != id {
			continue // an event, or an older answer
		}
		if msg.Error != nil {
			t.Fatalf("evaluate %s: %s", expr, msg.Error.Message)
		}
		return fmt.Sprint(msg.Result.Result.Value)
	}
}

// await polls the page until cond holds: what a page shows is announced to nobody.
func (p *cdpPage) await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(bottest.Wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within %s:\n%s", what, bottest.Wait, p.eval(t, "document.body.innerText"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
