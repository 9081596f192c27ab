package irc_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/irc.v4"

	"stagebot/commands"
	"stagebot/internal/bottest"
	"stagebot/internal/ircdtest"
)

// TestCommandPrefixEverywhere: with command_prefix "." the whole bot, on a real IRC
// server, answers "." commands, ignores "!" ones, and every message it writes that names
// a command names it with "." — help, usage, did-you-mean, refusals, the request line,
// a hold's and an approval's notes — in the channel, in notices and in a query.
func TestCommandPrefixEverywhere(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{})
	clicks := t.TempDir()
	file := buildClick(t, clicks, "com.example.dot", "1.0")
	base := serveClicks(t, clicks)
	lander := ircdtest.Dial(t, srv.Addr, "lander")
	sil := ircdtest.Dial(t, srv.Addr, "sil")
	watch := ircdtest.Dial(t, srv.Addr, "watch")
	for _, c := range []*ircdtest.Client{lander, sil, watch} {
		c.Join(channel)
	}
	bottest.StartWith(t, bottest.Options{NoConsole: true, Team: hostmaskTeam,
		Extra: onIRC{addr: srv.Addr, baseURL: base}.yaml() + "command_prefix: \".\"\n"})
	awaitBotIn(t, watch, bottest.Wait)

	fromBot := func(parts ...string) func(*irc.Message) bool { return ircdtest.TextFrom("stagebot", parts...) }
	// Commands with "!" are chatter now: the ".queue" after one is the first answered.
	lander.Say(channel, "!help")
	lander.Say(channel, ".queue")
	if first := lander.Expect(fromBot("lander: ")); !strings.Contains(first.Trailing(), "queue is empty") {
		t.Fatalf("first answer %q is not the .queue's", first.Trailing())
	}
	lander.Say(channel, ".help")
	lander.Expect(fromBot("lander: ", ".stage"))
	lander.Say(channel, ".help stage")
	lander.Expect(fromBot("lander: ", ".stage"))
	lander.Say(channel, ".stauts")
	lander.Expect(fromBot("lander: ", ".status"))
	lander.Say(channel, ".promote")
	lander.Expect(fromBot("lander: ", ".promote"))
	lander.Send("PRIVMSG stagebot :help approve")
	lander.Expect(fromBot(".approve"))

	u, _ := url.JoinPath(base, file)
	lander.Say(channel, ".stage "+u)
	req := watch.Expect(fromBot("] "+file+" requested", ".approve "))
	id := requestID(t, req)
	lander.Say(channel, ".hold "+id+" release notes")
	watch.Expect(fromBot("["+id+"] "+file+" held", ".unhold "+id))
	sil.Say(channel, ".approve "+id)
	sil.Expect(fromBot(".unhold " + id))
	lander.Say(channel, ".approve "+id) // not landing team
	lander.Expect(fromBot("refused: "))
	lander.Say(channel, ".unhold "+id)
	watch.Expect(announcement(id, file, "locked"))
	lander.Say(channel, ".status "+id)
	lander.Expect(fromBot("lander: " + id))

	names := commands.NewRegistry(".", nil).Names()
	bang := regexp.MustCompile(`!(` + strings.Join(names, "|") + `)\b`)
	dot := regexp.MustCompile(`(^|[^\w.])\.(` + strings.Join(names, "|") + `)\b`)
	named := map[string]bool{}
	for _, c := range []*ircdtest.Client{lander, sil, watch} {
		for _, m := range c.Seen() {
			if !fromBot()(m) {
				continue
			}
			if bang.MatchString(m.Trailing()) {
				t.Errorf("%s read a command named with \"!\": %s", c.Nick, m)
			}
			for _, sub := range dot.FindAllStringSubmatch(m.Trailing(), -1) {
				named[sub[2]] = true
			}
		}
	}
	for _, want := range []string{"stage", "status", "promote", "approve", "unhold"} {
		if !named[want] {
			t.Errorf("no message named .%s (named: %v)", want, named)
		}
	}
}
