package matrix

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"

	"stagebot/bot"
)

// TestReactionVerb: 👍 and ✅ approve, ❌ rejects, whatever variation selector or skin tone
// a client adds; any other key decides nothing.
func TestReactionVerb(t *testing.T) {
	for _, c := range []struct {
		key  string
		verb bot.Verb
		ok   bool
	}{
		{"👍", bot.VerbApprove, true},
		{"👍\uFE0F", bot.VerbApprove, true},
		{"👍🏽", bot.VerbApprove, true},
		{"👍🏿\uFE0F", bot.VerbApprove, true},
		{"✅", bot.VerbApprove, true},
		{"✅\uFE0F", bot.VerbApprove, true},
		{"❌", bot.VerbReject, true},
		{"❌\uFE0F", bot.VerbReject, true},
		{"👎", "", false},
		{"👍👍", "", false},
		{":+1:", "", false},
		{"", "", false},
	} {
		if verb, ok := reactionVerb(c.key); verb != c.verb || ok != c.ok {
			t.Errorf("reactionVerb(%q) = %q, %v; want %q, %v", c.key, verb, ok, c.verb, c.ok)
		}
	}
}

// TestCommandText: what the core parses of a message: a reply's quote dropped, the bot
// addressed by its pill, its user ID or its localpart turned into its user ID.
func TestCommandText(t *testing.T) {
	self := id.UserID("@stagebot:example.org")
	pill := `<a href="https://matrix.to/#/@stagebot:example.org">stagebot</a>: status 1a2b`
	for _, c := range []struct {
		name string
		in   incoming
		want string
	}{
		{"plain", incoming{Body: " !status 1a2b "}, "!status 1a2b"},
		{"by pill", incoming{Body: "stagebot: status 1a2b", FormattedBody: pill}, "@stagebot:example.org: status 1a2b"},
		{"by pill with a display name", incoming{Body: "Stage Bot: status",
			FormattedBody: `<a href="https://matrix.to/#/%40stagebot%3Aexample.org">Stage Bot</a>: status`}, "@stagebot:example.org: status"},
		{"by user ID", incoming{Body: "@stagebot:example.org, queue"}, "@stagebot:example.org, queue"},
		{"by localpart", incoming{Body: "StageBot: queue"}, "@stagebot:example.org: queue"},
		{"another's pill", incoming{Body: "Stage Bot: status",
			FormattedBody: `<a href="https://matrix.to/#/@mallory:example.org">Stage Bot</a>: status`}, "Stage Bot: status"},
		{"a longer name", incoming{Body: "stagebots: queue"}, "stagebots: queue"},
		{"reply quote dropped", func() incoming {
			in := incoming{Body: "> <@sil:example.org> [1a2b3c4d] foo requested\n\n!approve 1a2b3c4d"}
			in.RelatesTo.InReplyTo.EventID = "$x"
			return in
		}(), "!approve 1a2b3c4d"},
		{"a quote outside a reply stays", incoming{Body: "> quoted\n\n!queue"}, "> quoted\n\n!queue"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := commandText(c.in, self); got != c.want {
				t.Errorf("commandText = %q, want %q", got, c.want)
			}
		})
	}
}

// TestRetryAfter: a rate-limit answer is waited out as the homeserver says: retry_after_ms
// first, else the Retry-After header (seconds or a date), else a second; any other error
// is no rate limit.
func TestRetryAfter(t *testing.T) {
	limited := func(body map[string]any, header string) error {
		resp := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{}}
		if header != "" {
			resp.Header.Set("Retry-After", header)
		}
		re := &mautrix.RespError{ErrCode: "M_LIMIT_EXCEEDED", ExtraData: body}
		return mautrix.HTTPError{Response: resp, RespError: re}
	}
	for _, c := range []struct {
		name    string
		err     error
		wait    time.Duration
		limited bool
	}{
		{"retry_after_ms", limited(map[string]any{"retry_after_ms": float64(1500)}, "9"), 1500 * time.Millisecond, true},
		{"Retry-After seconds", limited(nil, "3"), 3 * time.Second, true},
		{"neither", limited(nil, ""), time.Second, true},
		{"zero", limited(map[string]any{"retry_after_ms": float64(0)}, ""), 10 * time.Millisecond, true},
		{"a 429 without a body", mautrix.HTTPError{Response: &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{}}}, time.Second, true},
		{"forbidden", mautrix.HTTPError{Response: &http.Response{StatusCode: http.StatusForbidden}, RespError: &mautrix.RespError{ErrCode: "M_FORBIDDEN"}}, 0, false},
		{"no HTTP error", errors.New("connection refused"), 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			wait, ok := retryAfter(c.err)
			if wait != c.wait || ok != c.limited {
				t.Errorf("retryAfter = %s, %v; want %s, %v", wait, ok, c.wait, c.limited)
			}
		})
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if d, ok := parseRetryAfter(now.Add(90*time.Second).Format(http.TimeFormat), now); !ok || d != 90*time.Second {
		t.Errorf("a Retry-After date: %s, %v", d, ok)
	}
	if _, ok := parseRetryAfter("soon", now); ok {
		t.Error("a Retry-After of words was taken")
	}
}
