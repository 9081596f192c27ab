package app

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"stagebot/config"
)

// TestLogRedaction: URLs lose their credentials and configured secrets are replaced, in
// the message, in string, error and group attributes, and in attributes bound by With.
func TestLogRedaction(t *testing.T) {
	cfg := &config.Config{}
	cfg.Downloads.BaseURL = "https://user:pa%2Fss@example.com/clicks/?token=TOKEN123"
	cfg.Snakefruit.Passphrase = "PHRASE123"
	cfg.HTTP = &config.HTTP{WebhookSecret: "HOOK1234"}
	cfg.Slack = &config.Slack{BotToken: "xoxb-BOT123", AppToken: "xapp-APP123"}
	cfg.IRC = &config.IRC{SASL: &config.SASL{Password: "SASL1234"}}

	var buf bytes.Buffer
	log := slog.New(newRedactHandler(slog.NewTextHandler(&buf, nil), Secrets(cfg)))
	log = log.With("bound", "PHRASE123 and "+cfg.Downloads.BaseURL)
	log.Info("fetching "+cfg.Downloads.BaseURL+" with HOOK1234",
		"url", cfg.Downloads.BaseURL,
		"err", errors.New(`Get "https://user:pa%2Fss@example.com/x?token=TOKEN123": xoxb-BOT123`),
		slog.Group("g", "tok", "xapp-APP123", "pw", "SASL1234", "raw", "pa/ss"),
	)
	out := buf.String()
	for _, s := range []string{"pa%2Fss", "pa/ss", "TOKEN123", "PHRASE123", "HOOK1234", "xoxb-BOT123", "xapp-APP123", "SASL1234"} {
		if strings.Contains(out, s) {
			t.Errorf("log shows %s:\n%s", s, out)
		}
	}
	if !strings.Contains(out, "example.com/clicks/") {
		t.Errorf("log lost what is no secret:\n%s", out)
	}
}
