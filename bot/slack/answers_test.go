package slack_test

import (
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/fakeslack"
)

// TestSlackAnswersGoToTheAsker: read-only views and refusals asked at the top level of the
// channel are shown to the asker alone (chat.postEphemeral); asked in a thread, they join
// that thread; the channel's top level holds only announcements.
func TestSlackAnswersGoToTheAsker(t *testing.T) {
	b := startSlackBot(t, bottest.Options{Approvals: 1, NoConsole: true})
	file := b.upload("F1", "com.example.asker", "1.0")
	id, head := b.stage(alice, "F1", file)

	for _, c := range []struct{ user, text, want string }{
		{alice, "!status " + id, `^` + id + ` \S+ pending`},
		{ken, "!queue", `requests? in flight`},
		{ken, "!history com.example.asker", `^` + id + ` \S+ pending`},
		{mallory, "!help", `^commands: `},
		{mallory, "!approve " + id, `^refused: mallory .* may not approve`},
		{mallory, "!frobnicate", `^unknown command !frobnicate`},
	} {
		b.fs.Say(channel, c.user, c.text)
		b.awaitEphemeral(c.user, c.want)
	}
	chatter := b.fs.Say(channel, alice, "does anyone know the queue?")
	b.fs.SayInThread(channel, chatter, ken, "!queue")
	b.awaitReply(chatter, `requests? in flight`)

	b.fs.Read(func(v fakeslack.View) {
		for _, p := range v.Posts() {
			if p.ThreadTS == "" && p.TS != head {
				t.Errorf("the channel got %q, want answers to the asker alone", p.Text)
			}
		}
		for _, e := range v.Ephemerals() {
			if e.Channel != channel {
				t.Errorf("ephemeral %q in %s, want in %s where it was asked", e.Text, e.Channel, channel)
			}
		}
	})
}
