package app_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/clicktest"
)

// TestDownloadSettingsReachTheFetcher: the downloads section as the bot runs it. With no
// allowed_hosts, or under a "*." wildcard, a typed URL to this machine is refused as
// internal and nothing is asked of the server; named in allowed_hosts it is fetched; and
// idle_timeout fails a download whose server stops sending, saying it stalled.
func TestDownloadSettingsReachTheFetcher(t *testing.T) {
	dir := t.TempDir()
	path := clicktest.Build(t, dir, clicktest.Spec{Name: "com.example.wired", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all",
		Files: map[string]string{"a.txt": strings.Repeat("a", 10000)}})
	file := filepath.Base(path)
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var asked atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		if strings.HasPrefix(r.URL.Path, "/stall/") {
			w.Header().Set("Content-Length", "100000")
			w.Write(body[:100])
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return
		}
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	cases := []struct {
		name      string
		downloads string
		url       string
		reply     string // a pattern of alice's reply; "" = the request is recorded
		asked     int64
	}{
		{"loopback, no allowlist", "", srv.URL + "/" + file, `^alice: refused: 127\.0\.0\.1 is an internal address`, 0},
		{"loopback under a wildcard", "downloads: {allowed_hosts: [\"*.0.0.1\"]}\n", srv.URL + "/" + file, `^alice: refused: `, 0},
		{"loopback named", "downloads: {allowed_hosts: [\"127.0.0.1\"]}\n", srv.URL + "/" + file, "", 1},
		{"stalled", "downloads: {allowed_hosts: [\"127.0.0.1\"], idle_timeout: 300ms}\n", srv.URL + "/stall/" + file, `^alice: refused: download of .* stalled: .*downloads\.idle_timeout`, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			asked.Store(0)
			b := bottest.Start(t, c.downloads)
			b.Say("alice> !stage " + c.url)
			if c.reply == "" {
				b.WaitFor(`\[[0-9a-f]{8}\] ` + regexp.QuoteMeta(file) + ` requested: .* by alice`)
			} else {
				line := b.WaitFor(c.reply)[0]
				if strings.Contains(line, "HTTP") || strings.Contains(line, "Forbidden") {
					t.Errorf("the refusal repeats what a server said: %q", line)
				}
			}
			b.Stop()
			if n := asked.Load(); n != c.asked {
				t.Fatalf("the server was asked %d times, want %d", n, c.asked)
			}
		})
	}
}
