package slack_test

import (
	"regexp"
	"strings"
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/fakeslack"
)

// naming are the bot's posts in ch that name request id, in the order Slack took them.
func naming(v fakeslack.View, ch, id string) []fakeslack.Message {
	var out []fakeslack.Message
	for _, p := range v.Posts() {
		if p.Channel == ch && strings.Contains(p.Text, "["+id+"]") {
			out = append(out, p)
		}
	}
	return out
}

// TestSlackStageAnsweredByRequestMessage: a `!stage` in the channel is answered by the
// request message alone, with its buttons and mentions: no second message saying the same.
func TestSlackStageAnsweredByRequestMessage(t *testing.T) {
	b := startSlackBot(t, bottest.Options{Approvals: 1, NoConsole: true})
	file := b.upload("F1", "com.example.one", "1.0")
	id, head := b.stage(alice, "F1", file)
	// alice's commands run in order: once a later one is answered, the `!stage` is done
	// and any reply of its would have been posted.
	b.status(alice, id)
	b.fs.Read(func(v fakeslack.View) {
		var requested []string
		for _, p := range naming(v, channel, id) {
			if strings.Contains(p.Text, "requested:") {
				requested = append(requested, p.Text)
			}
		}
		if len(requested) != 1 {
			t.Errorf("%d messages about the request asking for approval, want the request message alone:\n%s",
				len(requested), strings.Join(requested, "\n"))
		}
		if m, _ := v.Message(channel, head); !strings.Contains(m.Blocks, "stagebot_approve") {
			t.Errorf("the answer carries no buttons: %q", m.Blocks)
		}
	})
}

// TestSlackStageInThread: a `!stage` typed in a thread (the click attached to the thread's
// first message) is answered there: the request message is a reply in that thread, and
// every later state follows it in the same thread; nothing about the request reaches the
// channel's top level.
func TestSlackStageInThread(t *testing.T) {
	b := startSlackBot(t, bottest.Options{Approvals: 1, NoConsole: true})
	file := b.upload("F1", "com.example.threaded", "1.0")
	root := b.fs.SayWithFiles(channel, alice, "here is the new camera click", "F1")
	b.fs.SayInThread(channel, root, alice, "!stage")
	id, head := b.awaitRequestIn(root, file)
	b.fs.React(channel, head, sil, "+1")
	b.fs.Await(bottest.Wait, "locked in the thread", func(v fakeslack.View) bool {
		for _, p := range naming(v, channel, id) {
			if p.ThreadTS == root && strings.Contains(p.Text, file+" locked") {
				return true
			}
		}
		return false
	})
	b.fs.Read(func(v fakeslack.View) {
		for _, p := range naming(v, channel, id) {
			if p.ThreadTS != root {
				t.Errorf("%q posted outside the thread where it was asked (thread %q, want %q)", p.Text, p.ThreadTS, root)
			}
		}
		if m, _ := v.Message(channel, head); !strings.Contains(m.Blocks, "State: *locked*") {
			t.Errorf("the request message was not edited to locked: %s", m.Blocks)
		}
	})
}

// awaitRequestIn waits for the request message for filename posted as a reply in the thread
// under root, and returns the request ID and the message's ts.
func (b *slackBot) awaitRequestIn(root, filename string) (id, head string) {
	b.t.Helper()
	re := regexp.MustCompile(`^\[([0-9a-f]{8})\] ` + regexp.QuoteMeta(filename) + ` requested`)
	b.fs.Await(bottest.Wait, "the request message for "+filename+" in thread "+root, func(v fakeslack.View) bool {
		for _, p := range v.Posts() {
			if m := re.FindStringSubmatch(p.Text); m != nil && p.ThreadTS == root && strings.Contains(p.Blocks, "stagebot_approve") {
				id, head = m[1], p.TS
				return true
			}
		}
		return false
	})
	return id, head
}

// TestSlackStageInThreadAfterRestart: a request message posted as a reply (its `!stage`
// typed in a thread) is still found after a restart: its states go on in that thread, and
// the message itself, read back from Slack, is edited to show them.
func TestSlackStageInThreadAfterRestart(t *testing.T) {
	fs := newSlack(t)
	dir := t.TempDir()
	o := bottest.Options{Approvals: 1, NoConsole: true, Dir: dir, Extra: onSlack{fs: fs}.yaml()}
	b := startSlackBotOn(t, fs, o)
	file := b.upload("F1", "com.example.restarted", "1.0")
	root := fs.SayWithFiles(channel, alice, "the fix for the camera", "F1")
	fs.SayInThread(channel, root, alice, "!stage")
	id, head := b.awaitRequestIn(root, file)
	// Announcements reach a channel in order, each marked delivered before the next: once
	// the tick is posted, the request message is on record.
	fs.Say(channel, sil, "!tick")
	b.awaitPost(`^click-sync tick`)
	b.Stop()

	b = startSlackBotOn(t, fs, o)
	fs.React(channel, head, sil, "+1")
	b.awaitReply(root, `^\[`+id+`\] \S+ locked`)
	fs.Await(bottest.Wait, "the request message showing locked", func(v fakeslack.View) bool {
		m, _ := v.Message(channel, head)
		return strings.Contains(m.Blocks, "State: *locked*")
	})
}
