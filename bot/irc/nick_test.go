package irc_test

import (
	"strings"
	"testing"

	"gopkg.in/irc.v4"

	"stagebot/internal/bottest"
	"stagebot/internal/ircdtest"
)

// TestNickCollision: with its nick taken the bot registers as stagebot_, answers when
// addressed by that nick, and takes its own nick back once it is free.
func TestNickCollision(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{HistoryChannels: []string{channel}})
	squatter := ircdtest.Dial(t, srv.Addr, "stagebot")
	watch := ircdtest.Dial(t, srv.Addr, "watch")
	watch.Join(channel)
	// In the channel, so the bot sees it quit (the bot also retries every 30 s).
	squatter.Join(channel)
	bottest.StartWith(t, bottest.Options{NoConsole: true, Team: hostmaskTeam,
		Extra: onIRC{addr: srv.Addr, baseURL: "http://127.0.0.1:1/"}.yaml()})
	watch.Expect(func(m *irc.Message) bool { return m.Command == "JOIN" && m.Prefix.Name == "stagebot_" })
	watch.Say(channel, "stagebot_: help")
	watch.Expect(ircdtest.TextFrom("stagebot_"))

	squatter.Close()
	m := watch.Expect(func(m *irc.Message) bool { return m.Command == "NICK" && m.Prefix.Name == "stagebot_" })
	if m.Param(0) != "stagebot" {
		t.Fatalf("the bot changed nick to %q", m.Param(0))
	}
	watch.Say(channel, "!status")
	if r := watch.Expect(ircdtest.TextFrom("stagebot")); !strings.Contains(r.Prefix.Name, "stagebot") {
		t.Fatalf("reply from %s", r.Prefix)
	}
}
