package irc_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"stagebot/internal/bottest"
	"stagebot/internal/ircdtest"
)

// TestRepliesKeepOrderUnderPacing: read-only commands are answered at once, other
// commands in the person's lane, and a !stage beside them; sent faster than the bot may
// speak, every reply still arrives, once, the stage's when its download is done and the
// others in the order of the commands.
func TestRepliesKeepOrderUnderPacing(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{})
	lander := ircdtest.Dial(t, srv.Addr, "lander")
	lander.Join(channel)
	// Downloads take a second, then fail.
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(time.Second):
		case <-r.Context().Done():
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(slow.Close)
	bottest.StartWith(t, bottest.Options{NoConsole: true, Team: hostmaskTeam,
		// One line at once, then one every 250 ms.
		Extra: onIRC{addr: srv.Addr, sendRate: 4, sendBurst: 1, baseURL: slow.URL}.yaml()})
	awaitBotIn(t, lander, bottest.Wait)

	commands := []struct{ say, reply string }{
		{"!stage com.example.slow_1.0_all.click", "404"},
		{"!status aaaa1111", "aaaa1111"},
		{"!help approve", "!approve ID: "},
		{"!approve bbbb2222", "refused: no request with ID bbbb2222"}, // never read-only
		{"!status cccc3333", "cccc3333"},
		{"!nosuchcommand", "unknown command !nosuchcommand"},
		{"!queue", "the queue is empty"},
	}
	for _, c := range commands {
		lander.Say(channel, c.say)
	}
	var got []string
	deadline := time.Now().Add(bottest.Wait)
	for len(got) < len(commands) {
		m, ok := lander.Await(time.Until(deadline), func(m *irc.Message) bool {
			return m.Command == "PRIVMSG" && strings.EqualFold(m.Prefix.Name, "stagebot") && m.Param(0) == channel
		})
		if !ok {
			t.Fatalf("%d replies of %d arrived: %q", len(got), len(commands), got)
		}
		got = append(got, m.Trailing())
	}
	// The stage's refusal comes when its download has failed, a second in.
	var stage []string
	rest := got[:0:0]
	for _, r := range got {
		if strings.Contains(r, commands[0].reply) {
			stage = append(stage, r)
		} else {
			rest = append(rest, r)
		}
	}
	if len(stage) != 1 {
		t.Errorf("%d replies to the !stage: %q", len(stage), got)
	}
	for i, c := range commands[1:] {
		if i >= len(rest) || !strings.Contains(rest[i], c.reply) {
			t.Errorf("reply %d to %q: want it to contain %q\nall: %q", i, c.say, c.reply, got)
		}
	}
	if extra, ok := lander.Await(500*time.Millisecond, func(m *irc.Message) bool {
		return m.Command == "PRIVMSG" && strings.EqualFold(m.Prefix.Name, "stagebot")
	}); ok {
		t.Errorf("a reply came twice or unasked: %q", extra.Trailing())
	}
}
