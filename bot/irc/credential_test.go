package irc_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"stagebot/bot"
	ircbot "stagebot/bot/irc"
	"stagebot/internal/bottest"
	"stagebot/internal/ircdtest"
)

// TestRefusedCredentialEndsRun: a credential the server refuses (a SASL password services
// reject, 904; a server password, 464) ends Run with a *bot.CredentialError naming the
// setting to fix, after one connection: a bot that tries again gets banned.
func TestRefusedCredentialEndsRun(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		server  func(t *testing.T) *ircdtest.Proxy // the bot connects through it
		cfg     func(*ircbot.Config)
		setting string
		numeric string
	}{
		{name: "SASL password (904)", server: func(t *testing.T) *ircdtest.Proxy {
			srv := ircdtest.Start(t, ircdtest.Options{Services: true})
			reg := ircdtest.Dial(t, srv.Addr, "stagebot")
			reg.Register("botpass")
			reg.Send("QUIT :registered")
			reg.Expect(func(m *irc.Message) bool { return m.Command == "ERROR" })
			return ircdtest.StartProxy(t, srv.Addr)
		}, cfg: func(c *ircbot.Config) {
			c.SASLMechanism, c.SASLUser, c.SASLPassword = "PLAIN", "stagebot", "wrong"
		}, setting: "irc.sasl.password", numeric: "904"},
		{name: "server password (464)", server: func(t *testing.T) *ircdtest.Proxy {
			// InspIRCd refuses a wrong connection password without a numeric ("Access
			// denied by configuration"); the proxy answers as servers that send 464 do.
			p := ircdtest.StartProxy(t, ircdtest.Start(t).Addr)
			p.Inject(ircdtest.Fault{Match: func(l string) bool { return strings.HasPrefix(l, "PASS ") },
				Reply: func(string) []string {
					return []string{":irc.test 464 * :Password incorrect", "ERROR :Closing link: (stagebot@127.0.0.1) [Bad password]"}
				}})
			return p
		}, cfg: func(c *ircbot.Config) { c.Password = "wrong" }, setting: "irc.password", numeric: "464"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			proxy := c.server(t)
			cfg := ircbot.Config{Server: proxy.Addr, Nick: "stagebot", Channels: []string{channel}}
			c.cfg(&cfg)
			log := bottest.NewLog(t)
			cfg.Log = log.Logger()
			a, err := ircbot.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- a.Run(context.Background(), nopInbox{}) }()
			var runErr error
			select {
			case runErr = <-done:
			case <-time.After(bottest.Wait):
				t.Fatalf("Run still runs %s after the server refused the credential", bottest.Wait)
			}
			var refused *bot.CredentialError
			if !errors.As(runErr, &refused) || refused.Adapter != "irc" || refused.Setting != c.setting {
				t.Fatalf("Run: %v, want a credential error of irc's %s", runErr, c.setting)
			}
			if !strings.Contains(runErr.Error(), c.numeric) {
				t.Errorf("Run: %v does not name the server's %s", runErr, c.numeric)
			}
			// Run has returned: nothing can dial again, so the count is final.
			if n := proxy.Count(func(l string) bool { return l == "CAP LS 302" }); n != 1 {
				t.Errorf("%d connections, want 1: a refused credential was tried again", n)
			}
			if a.Connected() || !strings.Contains(a.NotReadyReason(), c.numeric) {
				t.Errorf("connected %v, not-ready reason %q", a.Connected(), a.NotReadyReason())
			}
		})
	}
}
