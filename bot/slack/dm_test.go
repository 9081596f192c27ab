package slack_test

import (
	"regexp"
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/fakeslack"
)

// awaitDM waits for a bot message in user's DM matching pattern.
func (b *slackBot) awaitDM(user, pattern string) {
	b.t.Helper()
	re := regexp.MustCompile(pattern)
	b.fs.Await(bottest.Wait, "a DM to "+user+" matching "+pattern, func(v fakeslack.View) bool {
		for _, p := range v.Posts() {
			if p.Channel == fakeslack.DM(user) && re.MatchString(p.Text) {
				return true
			}
		}
		return false
	})
}

// TestSlackCommandsInDM: commands sent in a DM to the bot work, with or without the prefix,
// and are answered in the DM; the announcements they cause still go to the channel.
func TestSlackCommandsInDM(t *testing.T) {
	b := startSlackBot(t, bottest.Options{Approvals: 1, NoConsole: true})
	file := b.upload("F1", "com.example.direct", "1.0")

	b.fs.SayDM(alice, "status")
	b.awaitDM(alice, `the queue is empty`)
	b.fs.SayDM(alice, "!stage", "F1")
	b.awaitDM(alice, `requested: com\.example\.direct 1\.0 all`)
	id, head := b.awaitRequest(file)
	b.fs.SayDM(sil, "approve "+id)
	b.awaitReply(head, `^\[`+id+`\] \S+ locked`)
	b.fs.SayDM(ken, "help approve")
	b.awaitDM(ken, `approve`)

	b.fs.Read(func(v fakeslack.View) {
		for _, e := range v.Ephemerals() {
			t.Errorf("ephemeral %q to %s: a DM is answered in the DM", e.Text, e.User)
		}
		for _, p := range v.Posts() {
			if p.Channel == channel && p.ThreadTS == "" && p.TS != head {
				t.Errorf("the channel got %q", p.Text)
			}
		}
	})
}
