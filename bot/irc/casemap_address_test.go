package irc_test

import (
	"strings"
	"testing"

	"gopkg.in/irc.v4"

	"stagebot/internal/bottest"
	"stagebot/internal/ircdtest"
)

// TestAddressedByCaseMapping: on InspIRCd (CASEMAPPING=rfc1459) a bot named stage[bot] is
// addressed as STAGE{BOT} too, the server's own idea of the same nick: `STAGE{BOT}: status
// ID` and `Stage{Bot}, !queue` are answered, in the channel and in a query.
func TestAddressedByCaseMapping(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{})
	lander := ircdtest.Dial(t, srv.Addr, "lander")
	lander.Join(channel)
	bottest.StartWith(t, bottest.Options{NoConsole: true, Team: hostmaskTeam,
		Extra: onIRC{addr: srv.Addr, nick: "stage[bot]", baseURL: "http://127.0.0.1:1/"}.yaml()})
	awaitNickIn(t, lander, "stage[bot]", bottest.Wait)

	for _, c := range []struct{ target, line, want, id string }{
		{channel, "STAGE{BOT}: status aaaa1111", "lander: refused: no request with ID or package ", "aaaa1111"},
		{channel, "Stage{Bot}, !queue", "lander: the queue is empty", ""},
		{"stage[bot]", "stage{BOT}: status bbbb2222", "refused: no request with ID or package ", "bbbb2222"},
	} {
		lander.Say(c.target, c.line)
		m, ok := lander.Await(bottest.Wait, func(m *irc.Message) bool {
			return m.Command == "PRIVMSG" && m.Prefix.Name == "stage[bot]"
		})
		if !ok {
			t.Fatalf("%q in %s: no answer", c.line, c.target)
		}
		if got := m.Trailing(); !strings.HasPrefix(got, c.want) || !strings.Contains(got, c.id) {
			t.Errorf("%q in %s: answered %q, want %q", c.line, c.target, got, c.want)
		}
	}
}
