package irc_test

import (
	"strings"
	"testing"

	"gopkg.in/irc.v4"

	"stagebot/internal/bottest"
	"stagebot/internal/ircdtest"
)

// TestReactionOnAnotherLineEarnsNothing: on InspIRCd a 👍 on another person's line is no
// business of the bot's: no notice, while one on a line of the bot's that is about no
// request gets the one notice saying so.
func TestReactionOnAnotherLineEarnsNothing(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{})
	lander := ircdtest.Dial(t, srv.Addr, "lander")
	sil := ircdtest.Dial(t, srv.Addr, "sil")
	lander.Join(channel)
	sil.Join(channel)
	bottest.StartWith(t, bottest.Options{NoConsole: true, Team: hostmaskTeam, Extra: onIRC{addr: srv.Addr, baseURL: "http://127.0.0.1:1/"}.yaml()})
	awaitBotIn(t, sil, bottest.Wait)

	lander.Say(channel, "lunch, anyone?")
	theirs := sil.Expect(func(m *irc.Message) bool { return m.Command == "PRIVMSG" && m.Prefix.Name == "lander" })
	sil.Say(channel, "!status zzzz0001")
	own := sil.Expect(ircdtest.TextFrom("stagebot", "zzzz0001"))
	if theirs.Tags["msgid"] == "" || own.Tags["msgid"] == "" {
		t.Fatalf("no msgids: %s / %s", theirs, own)
	}
	sil.React(channel, theirs.Tags["msgid"], "👍")
	sil.React(channel, own.Tags["msgid"], "👍")
	// Both reactions are decided in sil's lane, before this read-only command: its answer
	// comes after any notice they earn.
	sil.Say(channel, "!status zzzz0002")
	sil.Expect(ircdtest.TextFrom("stagebot", "zzzz0002"))
	var notices []string
	for _, m := range sil.Seen() {
		if m.Command == "NOTICE" && strings.EqualFold(m.Prefix.Name, "stagebot") {
			notices = append(notices, m.Trailing())
		}
	}
	if len(notices) != 1 || !strings.Contains(notices[0], "no request") {
		t.Fatalf("notices %q; want the one about the bot's own line", notices)
	}
}
