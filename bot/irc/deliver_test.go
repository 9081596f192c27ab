package irc_test

import (
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/irc.v4"

	"stagebot/internal/bottest"
	"stagebot/internal/ircdtest"
)

// TestRefusingChannelDoesNotRepeatOthers: with two channels, one moderated (+m, the bot
// not voiced), an announcement goes out in the other at once and the bot keeps retrying
// the refusing one, without ever posting it again where it already went; once the channel
// lets the bot speak, it gets the announcement too, once.
func TestRefusingChannelDoesNotRepeatOthers(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{})
	const quiet = "#quiet"
	op := ircdtest.Dial(t, srv.Addr, "op")
	op.Join(quiet) // the first in a channel is its operator
	op.Send("MODE %s +m", quiet)
	op.Expect(func(m *irc.Message) bool { return m.Command == "MODE" && strings.EqualFold(m.Param(0), quiet) })
	watch := ircdtest.Dial(t, srv.Addr, "watch")
	watch.Join(channel)

	clicks := t.TempDir()
	first := buildClick(t, clicks, "com.example.first", "1.0")
	second := buildClick(t, clicks, "com.example.second", "1.0")
	b := bottest.StartWith(t, bottest.Options{Team: hostmaskTeam,
		Extra: onIRC{addr: srv.Addr, channels: []string{channel, quiet}, baseURL: "http://127.0.0.1:1/"}.yaml()})
	awaitBotIn(t, watch, bottest.Wait)
	op.Expect(func(m *irc.Message) bool {
		return m.Command == "JOIN" && strings.EqualFold(m.Prefix.Name, "stagebot") && strings.EqualFold(m.Param(0), quiet)
	})

	from := func(ch, text string) func(*irc.Message) bool {
		return func(m *irc.Message) bool {
			return m.Command == "PRIVMSG" && strings.EqualFold(m.Prefix.Name, "stagebot") &&
				strings.EqualFold(m.Param(0), ch) && strings.Contains(m.Trailing(), text)
		}
	}
	b.Say("sil> !stage " + filepath.Join(clicks, first))
	watch.Expect(from(channel, first+" requested"))
	// The core retries after 1 s, then 2 s: three refusals in #quiet.
	b.Log.Await(3, "delivery failed")
	op.Send("MODE %s -m", quiet)
	op.Expect(from(quiet, first+" requested"))

	// Delivery is in order: once the second click's line is seen in #stage, any repeat of
	// the first would have been seen before it.
	b.Say("sil> !stage " + filepath.Join(clicks, second))
	watch.Expect(from(channel, second+" requested"))
	op.Expect(from(quiet, second+" requested"))
	for _, c := range []struct {
		who  *ircdtest.Client
		ch   string
		want int
	}{{watch, channel, 1}, {op, quiet, 1}} {
		n := 0
		for _, m := range c.who.Seen() {
			if from(c.ch, first+" requested")(m) {
				n++
			}
		}
		if n != c.want {
			t.Errorf("%s saw the first request %d times, want %d", c.ch, n, c.want)
		}
	}
}
