package app_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stagebot/httpapi"
	"stagebot/internal/bottest"
	"stagebot/internal/clicktest"
	"stagebot/internal/fakeslack"
	"stagebot/internal/testenv"
)

// TestSecretsStayOutOfChatLogsAndStatusPage runs a whole flow with a secret in every place
// the config has one (base_url's password and token, the SFTP passphrase, the webhook
// secret, the Slack tokens) through downloads that time out, 404 and succeed, and checks
// that no secret reaches a reply, an announcement (console and Slack), a log line or the
// status page.
func TestSecretsStayOutOfChatLogsAndStatusPage(t *testing.T) {
	const (
		pass   = "S3CRETPASS"
		token  = "S3CRETTOKEN"
		phrase = "S3CRETPHRASE"
		hook   = "S3CRETHOOK"
	)
	secrets := []string{pass, token, phrase, hook, fakeslack.BotToken, fakeslack.AppToken}

	good := clicktest.Build(t, t.TempDir(), clicktest.Spec{Name: "com.example.secret", Version: "1.0",
		Framework: "ubuntu-sdk-15.04", Arch: "all", Files: map[string]string{"a": "b"}})
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "user" || p != pass || r.URL.Query().Get("token") != token {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/clicks/" + filepath.Base(good):
			w.Write(data)
		case "/clicks/com.example.stall_1.0_all.click":
			<-r.Context().Done() // until the bot's downloads.timeout gives up
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	// http, not https: the fetcher trusts only the system's CAs.
	baseURL := fmt.Sprintf("http://user:%s@%s/clicks/?token=%s", pass, srv.Listener.Addr(), token)

	fs := fakeslack.Start(t)
	addr := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	b := bottest.StartWith(t, bottest.Options{
		Snakefruit: "  passphrase: " + phrase + "\n",
		Extra: fmt.Sprintf(`downloads:
  base_url: %q
  timeout: 300ms
http:
  listen: %s
  webhook_secret: %s
slack:
  bot_token: %s
  app_token: %s
  channels: [CSTAGE]
  api_url: %s
`, baseURL, addr, hook, fakeslack.BotToken, fakeslack.AppToken, fs.APIURL())})
	fs.Await(bottest.Wait, "the bot's socket", func(v fakeslack.View) bool { return v.Connected() })

	b.Say("alice> !stage com.example.stall_1.0_all.click")
	b.WaitFor(`^alice: .*com\.example\.stall`)
	b.Say("alice> !stage com.example.gone_1.0_all.click")
	b.WaitFor(`^alice: .*com\.example\.gone`)
	b.Say("alice> !stage " + filepath.Base(good))
	id := b.WaitFor(`\[([0-9a-f]{8})\] \S+ requested: .* by alice`)[1]
	b.Say("sil2100> !approve " + id)
	b.WaitFor(`^\[` + id + `\] \S+ locked`)
	b.Say("alice> !status " + id)
	b.WaitFor(`^alice: ` + id + ` \S+ locked `)
	fs.Await(bottest.Wait, "the locked announcement on Slack", func(v fakeslack.View) bool {
		for _, p := range v.Posts() {
			if strings.Contains(p.Text, "locked") {
				return true
			}
		}
		return false
	})

	base := "http://" + addr
	body := []byte(`{"time": "` + time.Now().UTC().Format(time.RFC3339) + `"}`)
	for sig, want := range map[string]int{httpapi.Sign([]byte(hook), body): http.StatusOK, "sha256=00": http.StatusUnauthorized} {
		req, _ := http.NewRequest(http.MethodPost, base+"/hooks/click-sync", bytes.NewReader(body))
		req.Header.Set(httpapi.SignatureHeader, sig)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("webhook with %s: %d, want %d", sig, resp.StatusCode, want)
		}
	}
	b.WaitFor(`tick`)

	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), id) {
		t.Fatalf("status page does not show %s:\n%s", id, page)
	}
	b.Stop()
	t.Logf("chat:\n%s", strings.Join(b.Lines(), "\n"))

	check := func(where string, texts []string) {
		t.Helper()
		for _, text := range texts {
			for _, s := range secrets {
				if strings.Contains(text, s) {
					t.Errorf("%s shows %s: %s", where, s, text)
				}
			}
		}
	}
	check("chat", b.Lines())
	check("the log", b.Log.Records())
	check("the status page", []string{string(page)})
	fs.Read(func(v fakeslack.View) {
		for _, p := range v.Posts() {
			check("slack", []string{p.Text, p.Blocks})
		}
		for _, e := range v.Ephemerals() {
			check("slack ephemeral", []string{e.Text})
		}
	})
	if len(b.Log.Records()) == 0 {
		t.Error("no log lines captured")
	}
}
