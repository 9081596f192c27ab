package slack_test

import (
	"regexp"
	"strings"
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/fakeslack"
)

// awaitBotPost waits for a bot message in channel matching pattern and returns its ts.
func (b *slackBot) awaitBotPost(what, pattern string) string {
	b.t.Helper()
	re := regexp.MustCompile(pattern)
	var ts string
	b.fs.Await(bottest.Wait, what, func(v fakeslack.View) bool {
		for _, p := range v.Posts() {
			if p.Channel == channel && re.MatchString(p.Text) {
				ts = p.TS
				return true
			}
		}
		return false
	})
	return ts
}

// TestSlackReactionOnAnyMessageAboutRequest: policy 2. A reaction on the bot's answer to a
// `!status` asked in the request's thread approves the request, and one on the progress
// line that approval announced completes it: any of the bot's messages about a request
// takes reactions for it.
func TestSlackReactionOnAnyMessageAboutRequest(t *testing.T) {
	b := startSlackBot(t, bottest.Options{Approvals: 2, NoConsole: true})
	file := b.upload("F1", "com.example.anymsg", "1.0")
	id, head := b.stage(alice, "F1", file)

	b.fs.SayInThread(channel, head, alice, "!status "+id)
	status := b.awaitBotPost("the status in the thread", `^`+id+` \S+ pending`)
	b.fs.React(channel, status, sil, "+1")
	progress := b.awaitBotPost("the progress line", `^\[`+id+`\] \S+ approved 1/2 by sil2100`)
	b.fs.React(channel, progress, ken, "+1")
	b.awaitReply(head, `^\[`+id+`\] \S+ locked`)
}

// TestSlackReactionOnMessageAboutNoRequest: an approval reaction on a bot message about no
// request (the tick) gets a short note to that person alone; another emoji there, or an
// approval reaction on a person's message, gets nothing.
func TestSlackReactionOnMessageAboutNoRequest(t *testing.T) {
	b := startSlackBot(t, bottest.Options{Approvals: 1, NoConsole: true})
	b.fs.Say(channel, sil, "!tick")
	tick := b.awaitBotPost("the tick", `^click-sync tick`)
	chatter := b.fs.Say(channel, alice, "lunch?")

	b.fs.React(channel, tick, sil, "tada")
	b.fs.React(channel, chatter, sil, "+1")
	b.fs.React(channel, tick, sil, "+1")
	b.awaitEphemeral(sil, `about no request`)
	b.fs.Read(func(v fakeslack.View) {
		var notes []string
		for _, e := range v.Ephemerals() {
			if !strings.HasPrefix(e.Text, "tick recorded") { // the answer to sil's !tick
				notes = append(notes, e.User+": "+e.Text)
			}
		}
		if len(notes) != 1 {
			t.Errorf("%d ephemerals, want the one note to sil:\n%s", len(notes), strings.Join(notes, "\n"))
		}
	})
}

// TestSlackReactionIsToldOnce: the workflow announces what a reaction did (progress short
// of the policy, a rejection), so the thread gets that one line, not a second confirmation
// saying the same. The person's `!status` afterwards is answered on the same lane as the
// reaction, so by its answer any confirmation would have been posted.
func TestSlackReactionIsToldOnce(t *testing.T) {
	for _, c := range []struct {
		name, emoji, announced string
		other                  *regexp.Regexp // a second line about the same outcome
	}{
		{"approval short of the policy", "+1", `approved 1/2 by sil2100`, regexp.MustCompile(`sign-off recorded`)},
		{"rejection", "x", `rejected: by sil2100`, regexp.MustCompile(`^[0-9a-f]{8} rejected$`)},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := startSlackBot(t, bottest.Options{Approvals: 2, NoConsole: true})
			file := b.upload("F1", "com.example.once", "1.0")
			id, head := b.stage(alice, "F1", file)
			b.fs.React(channel, head, sil, c.emoji)
			b.awaitReply(head, `^\[`+id+`\] \S+ `+c.announced)
			b.fs.SayInThread(channel, head, sil, "!status "+id)
			b.awaitBotPost("sil's status", `^`+id+` \S+ (pending|rejected) \(`)
			b.fs.Read(func(v fakeslack.View) {
				announced := 0
				for _, r := range replies(v, head) {
					if strings.Contains(r, c.announced) {
						announced++
					}
					if c.other.MatchString(r) {
						t.Errorf("the thread also says %q", r)
					}
				}
				if announced != 1 {
					t.Errorf("%d thread lines announce it, want 1", announced)
				}
			})
		})
	}
}
