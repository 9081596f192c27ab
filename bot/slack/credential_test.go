package slack

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"stagebot/bot"
	"stagebot/internal/fakeslack"
	"stagebot/internal/testenv"
)

// TestRefusedCredential: a token Slack refuses, at start or while the bot runs, ends Run
// with a *bot.CredentialError naming the setting to fix, after one refusal: nothing is
// retried with it.
func TestRefusedCredential(t *testing.T) {
	for _, c := range []struct {
		name    string
		cfg     func(*Config)
		later   func(t *testing.T, fs *fakeslack.Server, a *Adapter) // while running; nil: refused at start
		setting string
		code    string
		method  string // the call refused, made once
	}{
		{name: "bot token at start", cfg: func(c *Config) { c.BotToken = "xoxb-wrong" },
			setting: "slack.bot_token", code: "invalid_auth", method: "auth.test"},
		{name: "app token at start", cfg: func(c *Config) { c.AppToken = "xapp-wrong" },
			setting: "slack.app_token", code: "invalid_auth", method: "apps.connections.open"},
		{name: "bot token revoked", later: func(t *testing.T, fs *fakeslack.Server, a *Adapter) {
			fs.Revoke(fakeslack.BotToken, "token_revoked")
			if _, err := a.Send(context.Background(), stageChannel, tick); err == nil {
				t.Error("Send with a revoked token succeeded")
			}
		}, setting: "slack.bot_token", code: "token_revoked", method: "chat.postMessage"},
		{name: "app token revoked", later: func(t *testing.T, fs *fakeslack.Server, a *Adapter) {
			fs.Revoke(fakeslack.AppToken, "account_inactive")
			fs.DropSocket()
		}, setting: "slack.app_token", code: "account_inactive", method: "apps.connections.open"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fs := workspace(t)
			cfg := Config{BotToken: fakeslack.BotToken, AppToken: fakeslack.AppToken, Channels: []string{stageChannel}, APIURL: fs.APIURL()}
			if c.cfg != nil {
				c.cfg(&cfg)
			}
			a, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- a.Run(ctx, newRecorder()) }()
			before := 0
			if c.later != nil {
				fs.Await(testenv.Wait, "the socket", func(v fakeslack.View) bool { return v.Connected() })
				fs.Read(func(v fakeslack.View) { before = v.Calls(c.method) })
				c.later(t, fs, a)
			}
			var err2 error
			select {
			case err2 = <-done:
			case <-time.After(testenv.Wait):
				t.Fatalf("Run still runs %s after Slack refused the token", testenv.Wait)
			}
			var ce *bot.CredentialError
			if !errors.As(err2, &ce) || ce.Adapter != "slack" || ce.Setting != c.setting {
				t.Fatalf("Run: %v, want a credential error of slack's %s", err2, c.setting)
			}
			var se slack.SlackErrorResponse
			if !errors.As(err2, &se) || se.Err != c.code {
				t.Errorf("Run: %v, want Slack's %s underneath", err2, c.code)
			}
			fs.Read(func(v fakeslack.View) {
				if n := v.Calls(c.method) - before; n != 1 {
					t.Errorf("%s called %d times after the token was refused, want once", c.method, n)
				}
			})
		})
	}
}
