package irc_test

import (
	"testing"

	"gopkg.in/irc.v4"

	"stagebot/internal/bottest"
	"stagebot/internal/ircdtest"
)

// TestBotModeOnInspIRCd: on a server with the botmode module (ISUPPORT BOT=B) the bot
// marks itself +B, which other users see in its WHOIS (335 RPL_WHOISBOT).
func TestBotModeOnInspIRCd(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{})
	watch := ircdtest.Dial(t, srv.Addr, "watch")
	watch.Join(channel)
	bottest.StartWith(t, bottest.Options{NoConsole: true, Team: hostmaskTeam,
		Extra: onIRC{addr: srv.Addr, baseURL: "http://127.0.0.1:1/"}.yaml()})
	// The bot sends MODE before JOIN, so once it is in the channel the mode is set.
	awaitBotIn(t, watch, bottest.Wait)
	watch.Send("WHOIS stagebot")
	end := func(m *irc.Message) bool { return m.Command == "318" }
	var bot bool
	for {
		m := watch.Expect(func(m *irc.Message) bool { return m.Command == "335" || end(m) })
		if end(m) {
			break
		}
		bot = m.Param(1) == "stagebot"
	}
	if !bot {
		t.Fatalf("no 335 RPL_WHOISBOT in the bot's WHOIS: it is not +B")
	}
}
