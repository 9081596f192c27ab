package irc_test

import (
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/irc.v4"

	"stagebot/internal/bottest"
	"stagebot/internal/ircdtest"
)

// A team that trusts a host, not a nick alone: InspIRCd here does not resolve hostnames,
// so every client's host is 127.0.0.1.
const hostileTeam = `  landing: [{name: sil, irc: "sil!*@127.0.0.1"}]
  landers: [{name: "*"}]`

func fromBot(m *irc.Message) bool {
	return m.Command == "PRIVMSG" && strings.EqualFold(m.Prefix.Name, "stagebot")
}

// TestHostileTextOnInspIRCd: issue 12 on a real server. A CTCP and colours in a command
// name, a 471-byte name ending in a CTCP, and a reason (typed on the console, as Slack
// would carry a multi-line one) holding a line break and a CTCP ACTION: the channel hears
// each as one plain line from the bot, the control characters shown as pictures (what of
// them a quote cut short keeps), and the bot never sends a CTCP.
func TestHostileTextOnInspIRCd(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{})
	lander := ircdtest.Dial(t, srv.Addr, "lander")
	lander.Join(channel)
	clicks := t.TempDir()
	filename := buildClick(t, clicks, "com.example.hostile", "1.0")
	b := bottest.StartWith(t, bottest.Options{Team: hostileTeam, Extra: onIRC{addr: srv.Addr, baseURL: serveClicks(t, clicks)}.yaml()})
	awaitBotIn(t, lander, bottest.Wait)

	lander.Say(channel, "!frob\x01VERSION\x01\x02bold\x03")
	m := lander.Expect(func(m *irc.Message) bool { return fromBot(m) && strings.Contains(m.Trailing(), "unknown command") })
	if want := "unknown command !frob␁VERSION␁␂bold␃; !help lists the commands"; !strings.HasSuffix(m.Trailing(), want) {
		t.Fatalf("reply %q, want it to end %q", m.Trailing(), want)
	}

	long := "!" + strings.Repeat("x", 471-len("!")-len("\x01VERSION\x01")) + "\x01VERSION\x01"
	lander.Say(channel, long)
	var pieces []string
	for {
		m := lander.Expect(fromBot)
		pieces = append(pieces, m.Trailing())
		if strings.HasSuffix(m.Trailing(), "!help lists the commands") {
			break
		}
	}
	for _, p := range pieces {
		if strings.HasPrefix(p, "\x01") || strings.Contains(p, "\x01") {
			t.Fatalf("the long reply went out as %q", pieces)
		}
	}

	b.Say("alice> !stage " + filepath.Join(clicks, filename))
	id := requestID(t, lander.Expect(func(m *irc.Message) bool {
		return fromBot(m) && strings.Contains(m.Trailing(), filename+" requested")
	}))
	reason := "oops\r[" + id + "] " + filename + " approved: by sil; queued for locking\r\x01ACTION is compromised\x01"
	b.Say("alice> !cancel " + id + " " + reason)
	got := lander.Expect(announcement(id, filename, "cancelled")).Trailing()
	// The reason is quoted, so cut short: what of it fits shows its controls as pictures.
	want := "by alice: oops␍[" + id + "] " + filename + " approved: by sil; queued"
	if !strings.Contains(got, want) || !strings.HasSuffix(got, "…") {
		t.Fatalf("cancelled line %q, want it to hold %q and end cut short", got, want)
	}
	for _, m := range lander.Seen() {
		if fromBot(m) && (strings.ContainsAny(m.Trailing(), "\x01\x02\x03") || strings.HasPrefix(m.Trailing(), "["+id+"] "+filename+" approved")) {
			t.Fatalf("the bot sent %q", m.Trailing())
		}
	}
}
