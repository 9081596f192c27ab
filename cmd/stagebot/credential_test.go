package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"stagebot/internal/dendritetest"
	"stagebot/internal/fakeslack"
	"stagebot/internal/ircdtest"
)

// writeConfig writes a config for a bot on the chat networks chat sets up, with its state
// and snakefruit folder under dir.
func writeConfig(t *testing.T, dir, chat string) string {
	t.Helper()
	cfg := fmt.Sprintf(`state_dir: %[1]s/var
team:
  landing: [{name: bob, slack: UBOB}]
  landers: [{name: "*"}]
snakefruit:
  target: file://%[1]s/snakefruit
%[2]s`, dir, chat)
	p := filepath.Join(dir, "stagebot.yaml")
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// awaitExit waits for the bot to exit by itself and returns its status.
func (p *proc) awaitExit() int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(waitFor):
		p.t.Fatalf("stagebot still runs %s later", waitFor)
	}
	return p.cmd.ProcessState.ExitCode()
}

// stderr is what the bot wrote on stderr so far.
func (p *proc) stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err.String()
}

// assertRefusedSentence: stderr holds one line, not a log record, that names the adapter,
// the setting to fix and the config file.
func assertRefusedSentence(t *testing.T, stderr, adapter, setting, cfg string) {
	t.Helper()
	want := regexp.MustCompile(`(?m)^stagebot: ` + adapter + ` refused the credential in ` + regexp.QuoteMeta(setting) +
		`: .*; fix ` + regexp.QuoteMeta(setting) + ` in ` + regexp.QuoteMeta(cfg) + ` and start stagebot again$`)
	if n := len(want.FindAllString(stderr, -1)); n != 1 {
		t.Fatalf("stderr has %d sentences matching /%s/, want 1:\n%s", n, want, stderr)
	}
}

// TestRefusedSlackTokenExits3: a token Slack refuses, at start or while the bot runs,
// stops the bot with status 3 and one sentence naming the setting, after one refused call:
// nothing is retried with it, and the socket is not opened again.
func TestRefusedSlackTokenExits3(t *testing.T) {
	for _, c := range []struct {
		name     string
		bot, app string
		// later revokes a token while the bot runs and makes it use that token; nil: the
		// token is wrong from the start.
		later   func(fs *fakeslack.Server)
		setting string
		method  string // the call refused, made once
	}{
		{name: "bot token at start", bot: "xoxb-wrong", app: fakeslack.AppToken, setting: "slack.bot_token", method: "auth.test"},
		{name: "app token at start", bot: fakeslack.BotToken, app: "xapp-wrong", setting: "slack.app_token", method: "apps.connections.open"},
		{name: "bot token revoked", bot: fakeslack.BotToken, app: fakeslack.AppToken, later: func(fs *fakeslack.Server) {
			fs.Revoke(fakeslack.BotToken, "token_revoked")
			fs.Say("CSTAGE", "UBOB", "!queue")
		}, setting: "slack.bot_token"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fs := fakeslack.Start(t)
			dir := t.TempDir()
			cfg := writeConfig(t, dir, fmt.Sprintf("slack:\n  bot_token: %s\n  app_token: %s\n  channels: [CSTAGE]\n  api_url: %s\n",
				c.bot, c.app, fs.APIURL()))
			p := startBot(t, dir, "run", "--config", cfg)
			calls := 0
			if c.later != nil {
				fs.Await(waitFor, "the bot's socket", func(v fakeslack.View) bool { return v.Connected() })
				c.later(fs)
			}
			if code := p.awaitExit(); code != 3 {
				t.Fatalf("exit %d, want 3", code)
			}
			assertRefusedSentence(t, p.stderr(), "slack", c.setting, cfg)
			fs.Read(func(v fakeslack.View) {
				if c.method != "" {
					calls = v.Calls(c.method)
				}
				if n := v.Connections(); n > 1 {
					t.Errorf("%d socket connections: the bot reconnected after the refusal", n)
				}
			})
			if c.method != "" && calls != 1 {
				t.Errorf("%s called %d times, want once", c.method, calls)
			}
		})
	}
}

// TestRefusedSASLExits3: a SASL password services refuse (904, a real InspIRCd with
// Atheme) stops the bot with status 3 and one sentence naming irc.sasl.password, after one
// connection.
func TestRefusedSASLExits3(t *testing.T) {
	srv := ircdtest.Start(t, ircdtest.Options{Services: true})
	reg := ircdtest.Dial(t, srv.Addr, "stagebot")
	reg.Register("botpass")
	reg.Send("QUIT :registered")
	reg.Expect(func(m *irc.Message) bool { return m.Command == "ERROR" })
	proxy := ircdtest.StartProxy(t, srv.Addr)

	dir := t.TempDir()
	cfg := writeConfig(t, dir, fmt.Sprintf("irc:\n  server: %q\n  nick: stagebot\n  channels: [\"#stage\"]\n"+
		"  sasl: {mechanism: PLAIN, user: stagebot, password: wrong}\n", proxy.Addr))
	p := startBot(t, dir, "run", "--config", cfg)
	if code := p.awaitExit(); code != 3 {
		t.Fatalf("exit %d, want 3", code)
	}
	stderr := p.stderr()
	assertRefusedSentence(t, stderr, "irc", "irc.sasl.password", cfg)
	if !strings.Contains(stderr, "904") {
		t.Errorf("stderr does not name the server's 904:\n%s", stderr)
	}
	if n := proxy.Count(func(l string) bool { return l == "CAP LS 302" }); n != 1 {
		t.Errorf("%d connections, want 1: the refused password was tried again", n)
	}
}

// TestRefusedMatrixTokenExits3: a token the homeserver refuses (a real Dendrite answering
// M_UNKNOWN_TOKEN to a logged-out token) stops the bot with status 3 and one sentence
// naming matrix.access_token; a token of another user than matrix.user_id is a config
// error, status 2.
func TestRefusedMatrixTokenExits3(t *testing.T) {
	s := dendritetest.Start(t)
	botID, _ := s.RegisterUser(t, "stagebot", "password-of-the-bot", false)
	other := s.User(t, "someone")
	room := other.CreateRoom(dendritetest.RoomOptions{Public: true})
	loggedOut := s.Login(t, "stagebot", "password-of-the-bot")
	s.Logout(t, loggedOut)
	for _, c := range []struct {
		name, token string
		code        int
		stderr      string
	}{
		{"logged out", loggedOut, 3, ""},
		{"another user's token", other.Token, 2, "matrix.user_id: the access token is " + other.UserID + "'s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := writeConfig(t, dir, fmt.Sprintf("matrix:\n  homeserver: %s\n  user_id: %q\n  access_token: %q\n  rooms: [%q]\n",
				s.URL, botID, c.token, room))
			p := startBot(t, dir, "run", "--config", cfg)
			if code := p.awaitExit(); code != c.code {
				t.Fatalf("exit %d, want %d\n%s", code, c.code, p.stderr())
			}
			if c.code == 3 {
				assertRefusedSentence(t, p.stderr(), "matrix", "matrix.access_token", cfg)
			} else if !strings.Contains(p.stderr(), "stagebot: "+cfg+": matrix: "+c.stderr) {
				t.Errorf("stderr does not say %q:\n%s", c.stderr, p.stderr())
			}
		})
	}
}
