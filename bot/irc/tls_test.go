package irc_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"stagebot/internal/bottest"
	"stagebot/internal/ircdtest"
)

// TestTLSWithCAFile: over TLS the bot trusts the server's certificate only through
// irc.ca_file. With the test CA there it connects, joins and answers in the channel (and
// the server sees a secure connection); without it (so the system roots, which do not
// hold the test CA) every attempt fails on the certificate and the bot never connects.
func TestTLSWithCAFile(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{TLS: true, HistoryChannels: []string{channel}})
	watch := ircdtest.Dial(t, srv.Addr, "watch")
	watch.Join(channel)

	t.Run("system roots", func(t *testing.T) {
		b := bottest.StartWith(t, bottest.Options{NoConsole: true, Team: hostmaskTeam,
			Extra: onIRC{addr: srv.TLSAddr, more: "  tls: true\n", baseURL: "http://127.0.0.1:1/"}.yaml()})
		// Two attempts, so the refusal is not a one-off: it reconnects and fails again.
		const certErr = "x509: certificate signed by unknown authority"
		b.Log.Await(2, "disconnected; reconnecting", certErr)
		if n := b.Log.Count("msg=connected "); n != 0 {
			t.Fatalf("the bot reported connected %d times without trusting the server", n)
		}
		watch.Send("NAMES %s", channel)
		names := watch.Expect(func(m *irc.Message) bool { return m.Command == "353" })
		if containsNick(names.Trailing(), "stagebot") {
			t.Fatalf("the bot is in %s: %s", channel, names)
		}
		watch.Expect(func(m *irc.Message) bool { return m.Command == "366" })
	})

	t.Run("ca_file", func(t *testing.T) {
		more := fmt.Sprintf("  tls: true\n  ca_file: %s\n", srv.CA.File)
		b := bottest.StartWith(t, bottest.Options{NoConsole: true, Team: hostmaskTeam,
			Extra: onIRC{addr: srv.TLSAddr, more: more, baseURL: "http://127.0.0.1:1/"}.yaml()})
		// Connected, or the first failure (a certificate error would repeat forever).
		r := b.Log.AwaitFunc(1, "of connecting or failing to", func(r string) bool {
			return strings.Contains(r, "msg=connected ") || strings.Contains(r, "disconnected; reconnecting")
		})
		if !strings.Contains(r, "msg=connected ") {
			t.Fatalf("the bot did not connect: %q", r)
		}
		awaitBotIn(t, watch, 10*time.Second)

		watch.Say(channel, "!help")
		if m := watch.ExpectText("stagebot", "commands:"); m.Param(0) != channel {
			t.Fatalf("!help answered to %s, not the channel", m.Param(0))
		}
		watch.Say(channel, "!status")
		if m := watch.ExpectText("stagebot"); m.Param(0) != channel {
			t.Fatalf("!status answered to %s, not the channel", m.Param(0))
		}
		if w := whois(t, watch, "stagebot"); w["671"] == nil {
			t.Fatalf("the server does not see a secure connection: %v", w)
		}
		if n := b.Log.Count("x509"); n != 0 {
			t.Fatalf("certificate errors with ca_file set: %d", n)
		}
	})
}

// TestSASLExternal: the bot logs in over TLS with its client certificate (SASL EXTERNAL):
// Atheme maps the certificate's fingerprint, added to the account with NickServ CERT ADD,
// to the account, and WHOIS shows it (330).
func TestSASLExternal(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{Services: true, TLS: true, HistoryChannels: []string{channel}})
	cert := srv.CA.ClientCert("stagebot", "stagebot")

	reg := ircdtest.Dial(t, srv.Addr, "stagebot")
	reg.Register("botpass")
	reg.AddCert(cert.Fingerprint)
	// Wait until the server has let the nick go, so the bot gets it.
	reg.Send("QUIT :registered")
	reg.Expect(func(m *irc.Message) bool { return m.Command == "ERROR" })

	watch := ircdtest.Dial(t, srv.Addr, "watch")
	watch.Join(channel)
	more := fmt.Sprintf("  tls: true\n  ca_file: %s\n  sasl: {mechanism: EXTERNAL, cert_file: %s, key_file: %s}\n",
		srv.CA.File, cert.CertFile, cert.KeyFile)
	b := bottest.StartWith(t, bottest.Options{NoConsole: true, Team: hostmaskTeam,
		Extra: onIRC{addr: srv.TLSAddr, more: more, baseURL: "http://127.0.0.1:1/"}.yaml()})
	// Success or failure, whichever comes: a failed login does not end the session.
	if r := b.Log.Await(1, "SASL login"); !strings.Contains(r, "SASL login succeeded") || !strings.Contains(r, "mechanism=EXTERNAL") {
		t.Fatalf("the bot did not log in with EXTERNAL: %s", r)
	}
	awaitBotIn(t, watch, 10*time.Second)

	w := whois(t, watch, "stagebot")
	if m := w["330"]; m == nil || m.Param(2) != "stagebot" {
		t.Fatalf("WHOIS shows no account for the bot: %v", w)
	}
	if w["671"] == nil {
		t.Fatalf("the server does not see a secure connection: %v", w)
	}
	if n := b.Log.Count("SASL login failed"); n != 0 {
		t.Fatalf("SASL failures logged: %d", n)
	}
}

// whois asks WHOIS nick as c and returns the reply lines by numeric.
func whois(t *testing.T, c *ircdtest.Client, nick string) map[string]*irc.Message {
	t.Helper()
	c.Send("WHOIS %s", nick)
	out := map[string]*irc.Message{}
	c.Expect(func(m *irc.Message) bool {
		if len(m.Command) != 3 || m.Command[0] < '0' || m.Command[0] > '9' || !strings.EqualFold(m.Param(1), nick) {
			return false
		}
		out[m.Command] = m
		return m.Command == "318"
	})
	return out
}
