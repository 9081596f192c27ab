package app

import (
	"context"
	"encoding"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"

	"stagebot"
	"stagebot/config"
)

// minSecret is the shortest configured secret replaced verbatim: a two-letter "secret"
// would blank out every word that contains it, and is no secret anyway.
const minSecret = 4

// Secrets lists the secret values cfg holds, each as it may appear in text: the SFTP key
// passphrase, the Slack tokens, the IRC SASL password, the webhook secret and the password
// of downloads.base_url (as written and decoded). Empty values are left out.
func Secrets(cfg *config.Config) []string {
	var out []string
	add := func(s string) {
		if len(s) >= minSecret && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	add(cfg.Snakefruit.Passphrase)
	if cfg.Slack != nil {
		add(cfg.Slack.BotToken)
		add(cfg.Slack.AppToken)
	}
	if cfg.Matrix != nil {
		add(cfg.Matrix.AccessToken)
	}
	if cfg.IRC != nil {
		add(cfg.IRC.Password)
		if cfg.IRC.SASL != nil {
			add(cfg.IRC.SASL.Password)
		}
	}
	if cfg.HTTP != nil {
		add(cfg.HTTP.WebhookSecret)
	}
	if u, err := url.Parse(cfg.Downloads.BaseURL); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			add(pw)
			// The spellings a URL printed whole would carry: as written, and as Go escapes it.
			_, esc, _ := strings.Cut(u.User.String(), ":")
			add(esc)
			if _, rest, ok := strings.Cut(cfg.Downloads.BaseURL, "://"); ok {
				auth, _, _ := strings.Cut(rest, "/")
				if i := strings.LastIndexByte(auth, '@'); i >= 0 {
					_, written, _ := strings.Cut(auth[:i], ":")
					add(written)
				}
			}
		}
	}
	// Longest first, so a secret that contains another is replaced whole.
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// redactHandler keeps secrets out of the log whatever a caller passes it: URLs lose their
// user information and secret-looking query values (stagebot.RedactText), and configured
// secret values are replaced wherever they occur. Logs are written by every package, and
// one forgotten RedactURL must not put a token in a file that is kept and shipped.
type redactHandler struct {
	next    slog.Handler
	secrets *strings.Replacer // nil: no configured secrets
}

// newRedactHandler wraps next; secrets are the values to replace verbatim (Secrets).
func newRedactHandler(next slog.Handler, secrets []string) *redactHandler {
	h := &redactHandler{next: next}
	if len(secrets) > 0 {
		pairs := make([]string, 0, 2*len(secrets))
		for _, s := range secrets {
			pairs = append(pairs, s, stagebot.Redacted)
		}
		h.secrets = strings.NewReplacer(pairs...)
	}
	return h
}

func (h *redactHandler) text(s string) string {
	s = stagebot.RedactText(s)
	if h.secrets != nil {
		s = h.secrets.Replace(s)
	}
	return s
}

func (h *redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.text(v.String()))
	case slog.KindGroup:
		attrs := v.Group()
		out := make([]slog.Attr, len(attrs))
		for i, g := range attrs {
			out[i] = h.attr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(out...)}
	case slog.KindAny:
		if ss, ok := v.Any().([]string); ok {
			// A list stays a list (a JSON array), each item checked.
			out := make([]string, len(ss))
			for i, s := range ss {
				out[i] = h.text(s)
			}
			return slog.Any(a.Key, out)
		}
		// Anything else is passed on as the very text that was checked: a handler left
		// to print the value itself might print more of it (JSON marshals every exported
		// field, and []byte as base64) than the text checked here.
		return slog.String(a.Key, h.text(anyText(v.Any())))
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// anyText is a value as slog's text handler prints it.
func anyText(v any) string {
	switch x := v.(type) {
	case error:
		return x.Error()
	case encoding.TextMarshaler:
		if b, err := x.MarshalText(); err == nil {
			return string(b)
		}
	case []byte:
		return string(x)
	}
	return fmt.Sprintf("%+v", v)
}

func (h *redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *redactHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.text(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = h.attr(a)
	}
	return &redactHandler{next: h.next.WithAttrs(red), secrets: h.secrets}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{next: h.next.WithGroup(name), secrets: h.secrets}
}
