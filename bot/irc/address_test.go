package irc_test

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"stagebot/internal/bottest"
	"stagebot/internal/ircdtest"
)

// TestRepliesAddressTheAsker: on a real InspIRCd every reply in the channel (a read-only
// view, a refusal, an unknown command whose name is cut short, the help) starts with the
// asker's nick; a reply in a query stays in the query, unaddressed; the "slow down" goes
// to the asker alone, by notice.
func TestRepliesAddressTheAsker(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{})
	lander := ircdtest.Dial(t, srv.Addr, "lander")
	lander.Join(channel)
	bottest.StartWith(t, bottest.Options{NoConsole: true, Team: hostmaskTeam,
		Extra: onIRC{addr: srv.Addr, commands: "5/1m", baseURL: "http://127.0.0.1:1/"}.yaml()})
	awaitBotIn(t, lander, bottest.Wait)

	long := "nosuch" + strings.Repeat("x", 450)
	lander.Say(channel, "!status aaaa1111")
	lander.Say(channel, "!approve bbbb2222")
	lander.Say(channel, "!"+long)
	lander.Say(channel, "!help")
	lander.Say("stagebot", "!status cccc3333")
	lander.Say(channel, "!status dddd4444") // over the limit: "slow down"
	lander.Say(channel, "!status eeee5555") // dropped

	var inChannel, inQuery, notices []string
	for {
		m, ok := lander.Await(3*time.Second, ircdtest.TextFrom("stagebot"))
		if !ok {
			break
		}
		switch {
		case m.Command == "NOTICE":
			notices = append(notices, m.Trailing())
		case m.Param(0) == channel:
			inChannel = append(inChannel, m.Trailing())
		default:
			inQuery = append(inQuery, m.Trailing())
		}
	}
	want := []string{"aaaa1111", "refused: no request with ID bbbb2222", "unknown command !nosuchxxx", "!help COMMAND"}
	if len(inChannel) != len(want) {
		t.Fatalf("channel replies %q; want %d lines", inChannel, len(want))
	}
	for i, l := range inChannel {
		if !strings.HasPrefix(l, "lander: ") || !strings.Contains(l, want[i]) {
			t.Errorf("channel reply %d = %q; want it to start with \"lander: \" and contain %q", i, l, want[i])
		}
	}
	if !strings.HasSuffix(inChannel[2], "…; !help lists the commands") {
		t.Errorf("the unknown command's long name is not cut short: %q", inChannel[2])
	}
	if len(inQuery) != 1 || !strings.Contains(inQuery[0], "cccc3333") || strings.HasPrefix(inQuery[0], "lander: ") {
		t.Errorf("query replies %q; want one, about cccc3333, unaddressed", inQuery)
	}
	if len(notices) != 1 || !strings.Contains(notices[0], "slow down") {
		t.Errorf("notices %q; want one \"slow down\"", notices)
	}
}

// TestQueryNeedsNoPrefix: in a query the prefix is optional ("status ID" is "!status
// ID"); in the channel a line without the prefix is a command only when it addresses the
// bot by nick ("stagebot: help", "stagebot: !status ID"), and plain chat gets nothing.
func TestQueryNeedsNoPrefix(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{})
	lander := ircdtest.Dial(t, srv.Addr, "lander")
	lander.Join(channel)
	bottest.StartWith(t, bottest.Options{NoConsole: true, Team: hostmaskTeam,
		Extra: onIRC{addr: srv.Addr, baseURL: "http://127.0.0.1:1/"}.yaml()})
	awaitBotIn(t, lander, bottest.Wait)

	lander.Say("stagebot", "status aaaa1111")
	lander.Say("stagebot", "!status bbbb2222")
	lander.Say("stagebot", "stagebot: status cccc3333")
	lander.Say(channel, "status dddd4444")
	lander.Say(channel, "stagebot: help approve")
	lander.Say(channel, "stagebot: !status eeee5555")

	fromBot := func(m *irc.Message) bool {
		return m.Command == "PRIVMSG" && strings.EqualFold(m.Prefix.Name, "stagebot")
	}
	var got []string
	for {
		m, ok := lander.Await(3*time.Second, fromBot)
		if !ok {
			break
		}
		got = append(got, m.Param(0)+" "+m.Trailing())
	}
	want := []struct{ start, id string }{
		{"lander refused: no request with ID or package ", "aaaa1111"},
		{"lander refused: no request with ID or package ", "bbbb2222"},
		{"lander refused: no request with ID or package ", "cccc3333"},
		{channel + " lander: !approve ID: ", ""},
		{channel + " lander: refused: no request with ID or package ", "eeee5555"},
	}
	if len(got) != len(want) {
		t.Fatalf("replies %q; want %d", got, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w.start) || !strings.Contains(got[i], w.id) {
			t.Errorf("reply %d = %q; want it to start with %q and name %q", i, got[i], w.start, w.id)
		}
	}
}

// TestLongReplyContinues: a reply longer than a line (the status of four requests of one
// package) reaches the channel as at most three lines, the first addressed to the asker,
// the others starting with "… ", each at most 512 bytes as the server relays it.
func TestLongReplyContinues(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{})
	clicks := t.TempDir()
	lander := ircdtest.Dial(t, srv.Addr, "lander")
	lander.Join(channel)
	bottest.StartWith(t, bottest.Options{NoConsole: true, Team: hostmaskTeam,
		Extra: onIRC{addr: srv.Addr, baseURL: serveClicks(t, clicks)}.yaml()})
	awaitBotIn(t, lander, bottest.Wait)
	for _, v := range []string{"1.0", "1.1", "1.2", "1.3"} {
		file := buildClick(t, clicks, "com.example.many", v)
		lander.Say(channel, "!stage "+file)
		lander.Expect(ircdtest.TextFrom("stagebot", "] "+file+" requested"))
	}

	lander.Say(channel, "!status com.example.many")
	lines := reply(t, lander, "zzzz0001")
	t.Logf("reply:\n%s", quoteLines(lines))
	if len(lines) < 2 {
		t.Fatalf("the status of four requests took %d line", len(lines))
	}
	checkReply(t, "lander", lines)
}

// TestStageIsOneLine: on a real InspIRCd one !stage in the channel brings exactly one
// line naming the request, the `requested` announcement (naming the requester); no reply
// of its own says the same thing again.
func TestStageIsOneLine(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{})
	clicks := t.TempDir()
	file := buildClick(t, clicks, "com.example.one", "1.0")
	lander := ircdtest.Dial(t, srv.Addr, "lander")
	lander.Join(channel)
	bottest.StartWith(t, bottest.Options{NoConsole: true, Team: hostmaskTeam,
		Extra: onIRC{addr: srv.Addr, baseURL: serveClicks(t, clicks)}.yaml()})
	awaitBotIn(t, lander, bottest.Wait)

	lander.Say(channel, "!stage "+file)
	var got []string
	for {
		m, ok := lander.Await(3*time.Second, ircdtest.TextFrom("stagebot"))
		if !ok {
			break
		}
		got = append(got, m.Trailing())
	}
	if len(got) != 1 || !strings.Contains(got[0], "] "+file+" requested") || !strings.Contains(got[0], "by lander") {
		t.Fatalf("lines after one !stage: %q; want the one `requested` announcement", got)
	}
}
