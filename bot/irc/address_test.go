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
// view, a refusal, an unknown command whose reply takes two lines, the "slow down")
// starts with the asker's nick on each of its lines; a reply in a query stays in the
// query, unaddressed.
func TestRepliesAddressTheAsker(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{})
	lander := ircdtest.Dial(t, srv.Addr, "lander")
	lander.Join(channel)
	bottest.StartWith(t, bottest.Options{NoConsole: true, Team: hostmaskTeam,
		Extra: onIRC{addr: srv.Addr, commands: "4/1m", baseURL: "http://127.0.0.1:1/"}.yaml()})
	awaitBotIn(t, lander, bottest.Wait)

	long := "nosuch" + strings.Repeat("x", 450)
	lander.Say(channel, "!status aaaa1111")
	lander.Say(channel, "!approve bbbb2222")
	lander.Say(channel, "!"+long)
	lander.Say("stagebot", "!status cccc3333")
	lander.Say(channel, "!status dddd4444") // over the limit: "slow down"
	lander.Say(channel, "!status eeee5555") // dropped

	fromBot := func(m *irc.Message) bool {
		return m.Command == "PRIVMSG" && strings.EqualFold(m.Prefix.Name, "stagebot")
	}
	var inChannel, inQuery []string
	for {
		m, ok := lander.Await(3*time.Second, fromBot)
		if !ok {
			break
		}
		if m.Param(0) == channel {
			inChannel = append(inChannel, m.Trailing())
		} else {
			inQuery = append(inQuery, m.Trailing())
		}
	}
	want := []string{"aaaa1111", "refused: no request with ID bbbb2222", "unknown command !nosuchxxx", "xxx; !help lists the commands", "slow down"}
	if len(inChannel) != len(want) {
		t.Fatalf("channel replies %q; want %d lines", inChannel, len(want))
	}
	for i, l := range inChannel {
		if !strings.HasPrefix(l, "lander: ") || !strings.Contains(l, want[i]) {
			t.Errorf("channel reply %d = %q; want it to start with \"lander: \" and contain %q", i, l, want[i])
		}
	}
	if len(inQuery) != 1 || !strings.Contains(inQuery[0], "cccc3333") || strings.HasPrefix(inQuery[0], "lander: ") {
		t.Errorf("query replies %q; want one, about cccc3333, unaddressed", inQuery)
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
	want := []string{
		`lander refused: no request with ID or package "aaaa1111"`,
		`lander refused: no request with ID or package "bbbb2222"`,
		`lander refused: no request with ID or package "cccc3333"`,
		channel + " lander: !approve ID: ",
		channel + ` lander: refused: no request with ID or package "eeee5555"`,
	}
	if len(got) != len(want) {
		t.Fatalf("replies %q; want %d", got, len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("reply %d = %q; want it to start with %q", i, got[i], want[i])
		}
	}
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
