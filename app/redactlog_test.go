package app

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"stagebot/config"
)

// leaky is a value whose exported field holds a secret that its String hides: a handler
// that printed such a value its own way (JSON marshals every exported field) would show
// what the redaction never saw.
type leaky struct{ Token string }

func (leaky) String() string { return "leaky{…}" }

// TestLogRedaction: URLs lose their credentials and configured secrets are replaced, in
// the message, in string, error, byte-slice, list, struct and group attributes, and in
// attributes bound by With, whichever format log_format picks.
func TestLogRedaction(t *testing.T) {
	cfg := &config.Config{}
	cfg.Downloads.BaseURL = "https://user:pa%2Fss@example.com/clicks/?token=TOKEN123"
	cfg.Snakefruit.Passphrase = "PHRASE123"
	cfg.HTTP = &config.HTTP{WebhookSecret: "HOOK1234"}
	cfg.Slack = &config.Slack{BotToken: "xoxb-BOT123", AppToken: "xapp-APP123"}
	cfg.IRC = &config.IRC{SASL: &config.SASL{Password: "SASL1234"}}

	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(newRedactHandler(NewLogger(&buf, "debug", format).Handler(), Secrets(cfg)))
			log = log.With("bound", "PHRASE123 and "+cfg.Downloads.BaseURL)
			log.Info("fetching "+cfg.Downloads.BaseURL+" with HOOK1234",
				"url", cfg.Downloads.BaseURL,
				"err", errors.New(`Get "https://user:pa%2Fss@example.com/x?token=TOKEN123": xoxb-BOT123`),
				"raw", []byte("SASL1234"),
				"list", []string{"ok", "xapp-APP123"},
				"value", leaky{Token: "xoxb-BOT123"},
				slog.Group("g", "tok", "xapp-APP123", "pw", "SASL1234", "raw", "pa/ss"),
			)
			out := buf.String()
			for _, s := range []string{"pa%2Fss", "pa/ss", "TOKEN123", "PHRASE123", "HOOK1234", "xoxb-BOT123", "xapp-APP123", "SASL1234",
				"U0FTTDEyMzQ" /* base64 of SASL1234 */} {
				if strings.Contains(out, s) {
					t.Errorf("log shows %s:\n%s", s, out)
				}
			}
			for _, s := range []string{"example.com/clicks/", "leaky{…}"} {
				if !strings.Contains(out, s) {
					t.Errorf("log lost %q, which is no secret:\n%s", s, out)
				}
			}
			if format == "json" && !strings.Contains(out, `"list":["ok","REDACTED"]`) {
				t.Errorf("a list is no longer a JSON array of its checked items:\n%s", out)
			}
		})
	}
}
