package irc_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"regexp"
	"stagebot/internal/bottest"
	"stagebot/internal/ircdtest"
)

// TestServerRestartMidFlow: the IRC server goes away while the bot works (driven from its
// console meanwhile) and comes back. The bot is in the channel again within 10 s of the
// server's return, and every announcement made while it was away arrives exactly once.
// The channel keeps history (+H), so a client joining after the restart sees all of them.
func TestServerRestartMidFlow(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{HistoryChannels: []string{channel}})
	clicks := t.TempDir()
	fileA := buildClick(t, clicks, "com.example.restart", "1.0")
	fileB := buildClick(t, clicks, "com.example.sentinel", "1.0")
	watch := ircdtest.Dial(t, srv.Addr, "watch")
	watch.Join(channel)
	b := bottest.StartWith(t, bottest.Options{Team: `  landing: [{name: sil, irc: "sil!*@127.0.0.1"}, {name: lead, irc: "lead!*@127.0.0.1"}]
  landers: [{name: "*"}]`, Extra: onIRC{addr: srv.Addr, baseURL: serveClicks(t, clicks)}.yaml()})
	awaitBotIn(t, watch, bottest.Wait)

	b.Say("sil> !stage " + filepath.Join(clicks, fileA))
	a := requestID(t, watch.Expect(func(m *irc.Message) bool {
		return m.Command == "PRIVMSG" && strings.Contains(m.Trailing(), "] "+fileA+" requested")
	}))

	srv.Stop()
	b.Say("lead> !approve " + a)
	b.WaitFor(regexp.QuoteMeta("[" + a + "] " + fileA + " locked"))
	b.Say("sil> !tick")
	b.WaitFor(regexp.QuoteMeta("[" + a + "] " + fileA + " stored"))
	meanwhile := []string{"[" + a + "] " + fileA + " approved", "[" + a + "] " + fileA + " locked",
		"[" + a + "] " + fileA + " stored", "tick"}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	watch2 := ircdtest.Dial(t, srv.Addr, "watch2")
	watch2.Send("JOIN %s", channel)
	awaitBotIn(t, watch2, 10*time.Second-time.Since(back))
	t.Logf("the bot was back in the channel %s after the server", time.Since(back).Round(time.Millisecond))

	// A sentinel after them: delivery is in order, so once it is seen, any duplicate of
	// what came before would have been seen too.
	b.Say("sil> !stage " + filepath.Join(clicks, fileB))
	watch2.Expect(func(m *irc.Message) bool {
		return m.Command == "PRIVMSG" && strings.Contains(m.Trailing(), "] "+fileB+" requested")
	})
	for _, want := range meanwhile {
		n := 0
		for _, m := range watch2.Seen() {
			if m.Command == "PRIVMSG" && strings.EqualFold(m.Prefix.Name, "stagebot") && strings.Contains(m.Trailing(), want) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%q arrived %d times after the restart, want exactly once", want, n)
		}
	}
}
