package irc_test

import (
	"net/url"
	"strings"
	"testing"

	"gopkg.in/irc.v4"

	"stagebot/internal/bottest"
	"stagebot/internal/ircdtest"
)

// stageOne stages a click by URL as lander and returns its ID and the msgid of the
// request announcement as seen by c.
func stageOne(t *testing.T, lander, c *ircdtest.Client, base, file string) (id, msgid string) {
	t.Helper()
	u, _ := url.JoinPath(base, file)
	lander.Say(channel, "!stage "+u)
	m := c.Expect(func(m *irc.Message) bool {
		return m.Command == "PRIVMSG" && strings.EqualFold(m.Prefix.Name, "stagebot") && strings.Contains(m.Trailing(), "] "+file+" requested")
	})
	return requestID(t, m), m.Tags["msgid"]
}

// expectPending asks !status and expects the request to still be pending.
func expectPending(t *testing.T, c *ircdtest.Client, id string) {
	t.Helper()
	c.Say(channel, "!status "+id)
	m := c.Expect(func(m *irc.Message) bool {
		return ircdtest.TextFrom("stagebot", ": "+id+" ", "requested by")(m) // the status line
	})
	if !strings.Contains(m.Trailing(), " pending ") {
		t.Fatalf("request %s is no longer pending: %q", id, m.Trailing())
	}
}

// TestHostmaskMismatchCannotApprove: a client whose hostmask matches no landing-team
// pattern is refused, by command and by reaction (privately, by NOTICE).
func TestHostmaskMismatchCannotApprove(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{HistoryChannels: []string{channel}})
	clicks := t.TempDir()
	file := buildClick(t, clicks, "com.example.mask", "1.0")
	base := serveClicks(t, clicks)
	lander := ircdtest.Dial(t, srv.Addr, "lander")
	// Right nick, wrong ident: "sil!*@trusted.example" is the pattern.
	mallory := ircdtest.Dial(t, srv.Addr, "sil", ircdtest.ClientOptions{User: "mallory"})
	lander.Join(channel)
	mallory.Join(channel)
	bottest.StartWith(t, bottest.Options{NoConsole: true, Team: `  landing: [{name: sil, irc: "sil!sil@127.0.0.1"}]
  landers: [{name: "*"}]`, Extra: onIRC{addr: srv.Addr, baseURL: base}.yaml()})
	awaitBotIn(t, lander, bottest.Wait)

	id, msgid := stageOne(t, lander, mallory, base, file)
	mallory.Say(channel, "!approve "+id)
	mallory.Expect(func(m *irc.Message) bool {
		return ircdtest.TextFrom("stagebot", "sil")(m) && strings.Contains(strings.ToLower(m.Trailing()), "not allowed") ||
			ircdtest.TextFrom("stagebot", "refused")(m)
	})
	mallory.React(channel, msgid, "👍")
	n := mallory.Expect(func(m *irc.Message) bool {
		return m.Command == "NOTICE" && strings.EqualFold(m.Prefix.Name, "stagebot")
	})
	if !strings.Contains(n.Trailing(), "refused") {
		t.Fatalf("reaction refusal: %q", n.Trailing())
	}
	expectPending(t, mallory, id)
}

// TestAccountModeNeedsServicesLogin: with team entries as account:NAME (InspIRCd linked
// to Atheme), a client that takes the approver's nick without being logged in cannot
// approve, while one logged in to the account (under another nick) can. The bot itself
// logs in with SASL PLAIN.
func TestAccountModeNeedsServicesLogin(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{Services: true, HistoryChannels: []string{channel}})
	clicks := t.TempDir()
	file := buildClick(t, clicks, "com.example.acct", "1.0")
	base := serveClicks(t, clicks)

	reg := ircdtest.Dial(t, srv.Addr, "sil")
	reg.Register("silpass")
	reg.Close()
	botReg := ircdtest.Dial(t, srv.Addr, "stagebot")
	botReg.Register("botpass")
	botReg.Close()

	lander := ircdtest.Dial(t, srv.Addr, "lander")
	lander.Join(channel)
	bottest.StartWith(t, bottest.Options{NoConsole: true, Team: `  landing: [{name: sil, irc: "account:sil"}]
  landers: [{name: "*"}]`, Extra: onIRC{addr: srv.Addr, baseURL: base,
		more: "  sasl: {mechanism: PLAIN, user: stagebot, password: botpass}\n"}.yaml()})
	awaitBotIn(t, lander, bottest.Wait)

	lander.Send("WHOIS stagebot")
	if m := lander.Expect(func(m *irc.Message) bool { return m.Command == "330" || m.Command == "318" }); m.Command != "330" || m.Param(2) != "stagebot" {
		t.Fatalf("the bot is not logged in with SASL: %s", m)
	}

	// The impostor has the nick (and so the hostmask) but no login.
	impostor := ircdtest.Dial(t, srv.Addr, "sil")
	impostor.Join(channel)
	id, msgid := stageOne(t, lander, impostor, base, file)
	impostor.Say(channel, "!approve "+id)
	impostor.Expect(ircdtest.TextFrom("stagebot", "sil"))
	impostor.React(channel, msgid, "✅")
	if n := impostor.Expect(func(m *irc.Message) bool {
		return m.Command == "NOTICE" && strings.EqualFold(m.Prefix.Name, "stagebot")
	}); !strings.Contains(n.Trailing(), "refused") {
		t.Fatalf("reaction refusal: %q", n.Trailing())
	}
	expectPending(t, impostor, id)

	real := ircdtest.Dial(t, srv.Addr, "silvia", ircdtest.ClientOptions{Account: "sil", Password: "silpass"})
	real.Join(channel)
	real.React(channel, msgid, "👍")
	real.Expect(announcement(id, file, "approved"))
	real.Expect(announcement(id, file, "locked"))
}
