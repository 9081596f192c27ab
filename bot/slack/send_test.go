package slack

import (
	"context"
	"strings"
	"testing"

	"stagebot"
	"stagebot/internal/fakeslack"
)

const (
	id1 = "1a2b3c4d-0000-4000-8000-000000000001"
	id2 = "2b3c4d5e-0000-4000-8000-000000000002"
	id3 = "3c4d5e6f-0000-4000-8000-000000000003"
)

// TestSendThreadsARequest: the first announcement about a request is its request message,
// at the channel's top level, mentioning the approvers as Slack users, marked with the
// request's ID and carrying the buttons; each later one is a reply in its thread, after an
// edit of the request message to the request's record as Send gets it (approvals so far,
// then the state, without buttons once locked); a reminder carries the buttons too; a
// channel-wide notice goes to the channel.
func TestSendThreadsARequest(t *testing.T) {
	fs := workspace(t)
	a := start(t, fs, nil)
	r := aRequest(id1, "com.example.foo", "com.example.foo_1.0_all.click")

	head := a.send(t, stageChannel, announce(r, requested, ""))
	m := message(fs, stageChannel, head)
	if m.ThreadTS != "" || !strings.HasPrefix(m.Text, "[1a2b3c4d] com.example.foo_1.0_all.click requested") ||
		!strings.HasSuffix(m.Text, " <@USIL> <@UKEN>") {
		t.Errorf("request message %q in thread %q, want the requested line mentioning the approvers, at the top level", m.Text, m.ThreadTS)
	}
	for _, want := range []string{`"block_id":"stagebot_request:` + id1, `"action_id":"stagebot_approve"`, `"value":"` + id1, "State: *pending*"} {
		if !strings.Contains(m.Blocks, want) {
			t.Errorf("request message blocks lack %s: %s", want, m.Blocks)
		}
	}

	r.Approvals = []stagebot.Approval{{By: stagebot.Identity{Network: stagebot.NetworkSlack, ID: userSil}, Key: stagebot.MemberKey("sil2100")}}
	progress := stagebot.Event{Kind: stagebot.EventProgress, Actor: "sil2100", By: []string{"sil2100"},
		Missing: &stagebot.Missing{Have: 1, Need: 2, Approvals: 1}}
	ts := a.send(t, stageChannel, announce(r, progress, head))
	if got := message(fs, stageChannel, ts); got.ThreadTS != head || !strings.Contains(got.Text, "approved 1/2 by sil2100") {
		t.Errorf("progress %q in thread %q, want a reply under %s", got.Text, got.ThreadTS, head)
	}
	if m := message(fs, stageChannel, head); len(m.Edits) != 1 || !strings.Contains(m.Blocks, "State: *pending* · approved so far by sil2100") {
		t.Errorf("request message after an approval (%d edits): %s", len(m.Edits), m.Blocks)
	}

	r.State = stagebot.StateLocked
	ts = a.send(t, stageChannel, announce(r, locked, head))
	if got := message(fs, stageChannel, ts); got.ThreadTS != head || got.Blocks != "" {
		t.Errorf("locked %q in thread %q with blocks %q, want a plain reply under %s", got.Text, got.ThreadTS, got.Blocks, head)
	}
	m = message(fs, stageChannel, head)
	if !strings.Contains(m.Blocks, "State: *locked*") || strings.Contains(m.Blocks, "stagebot_approve") || strings.Contains(m.Blocks, "so far") {
		t.Errorf("request message once locked: %s", m.Blocks)
	}
	if !strings.HasPrefix(m.Text, "[1a2b3c4d] com.example.foo_1.0_all.click requested") {
		t.Errorf("the edit changed the request message's own line to %q", m.Text)
	}

	r.State = stagebot.StatePending
	ts = a.send(t, stageChannel, announce(r, reminder, head))
	if got := message(fs, stageChannel, ts); got.ThreadTS != head || !strings.Contains(got.Blocks, `"value":"`+id1) {
		t.Errorf("reminder in thread %q with blocks %s, want a reply under %s with the buttons", got.ThreadTS, got.Blocks, head)
	}

	ts = a.send(t, stageChannel, tick)
	if got := message(fs, stageChannel, ts); got.ThreadTS != "" || !strings.HasPrefix(got.Text, "click-sync tick") {
		t.Errorf("tick %q in thread %q, want the channel", got.Text, got.ThreadTS)
	}
}

// TestSendAfterRestart: a new adapter, knowing nothing of the request message but its ts
// (Outgoing.Thread), reads it back from Slack: the next announcement is a reply under it,
// and the edit keeps the message's own line.
func TestSendAfterRestart(t *testing.T) {
	fs := workspace(t)
	a := start(t, fs, nil)
	r := aRequest(id1, "com.example.foo", "com.example.foo_1.0_all.click")
	head := a.send(t, stageChannel, announce(r, requested, ""))
	line := message(fs, stageChannel, head).Text

	a = a.restart(t, fs)
	r.State = stagebot.StateLocked
	ts := a.send(t, stageChannel, announce(r, locked, head))
	if got := message(fs, stageChannel, ts); got.ThreadTS != head {
		t.Errorf("locked in thread %q, want under %s", got.ThreadTS, head)
	}
	if m := message(fs, stageChannel, head); m.Text != line || !strings.Contains(m.Blocks, "State: *locked*") ||
		!strings.Contains(m.Blocks, "stagebot_request:"+id1) {
		t.Errorf("request message after the restart's edit: %q %s", m.Text, m.Blocks)
	}
}

// TestRequestMessageFollowsItsStage: a `!stage` typed in a thread is answered there: the
// core asks for its files (Inbound.Attach), and the request it makes gets its request
// message in that thread, in that channel alone; its later announcements follow it there,
// after a restart too. Several `!stage`s of one person are told apart by what they named,
// and a refused one in a thread leaves no later request there.
func TestRequestMessageFollowsItsStage(t *testing.T) {
	const other = "COTHER"
	fs := workspace(t)
	a := start(t, fs, func(c *Config) { c.Channels = []string{stageChannel, other} })
	fs.AddFile(fakeslack.File{ID: "F1", Name: "com.example.one_1.0_all.click", Content: []byte("one")})
	fs.AddFile(fakeslack.File{ID: "F2", Name: "com.example.two_1.0_all.click", Content: []byte("two")})
	stageIn := func(root, text string, files ...string) {
		t.Helper()
		if root == "" {
			fs.SayWithFiles(stageChannel, userAlice, text, files...)
		} else {
			fs.SayInThread(stageChannel, root, userAlice, text)
		}
		m := a.rec.message(t)
		if _, err := m.Attach(context.Background()); err != nil {
			t.Fatalf("Attach: %v", err)
		}
	}

	upload := fs.SayWithFiles(stageChannel, userAlice, "the new build", "F1")
	a.rec.message(t) // chatter to the core
	refused := fs.Say(stageChannel, userAlice, "anyone?")
	a.rec.message(t)
	stageIn(refused, "!stage")                 // refused: no file there, no request
	stageIn(upload, "!stage")                  // F1, in the upload's thread
	stageIn("", "!stage", "F2")                // F2, at the top level
	stageIn("", "!stage https://example.com/") // refused: no request

	// The top-level one's request is made first.
	two := aRequest(id2, "com.example.two", "com.example.two_1.0_all.click")
	one := aRequest(id1, "com.example.one", "com.example.one_1.0_all.click")
	if ts := a.send(t, other, announce(one, requested, "")); message(fs, other, ts).ThreadTS != "" {
		t.Errorf("the request message in %s went into a thread of %s", other, stageChannel)
	}
	twoHead := a.send(t, stageChannel, announce(two, requested, ""))
	oneHead := a.send(t, stageChannel, announce(one, requested, ""))
	if got := message(fs, stageChannel, twoHead).ThreadTS; got != "" {
		t.Errorf("request message of the top-level !stage in thread %q", got)
	}
	if got := message(fs, stageChannel, oneHead).ThreadTS; got != upload {
		t.Errorf("request message of the !stage under the upload in thread %q, want %s", got, upload)
	}

	a = a.restart(t, fs)
	one.State = stagebot.StateLocked
	ts := a.send(t, stageChannel, announce(one, locked, oneHead))
	if got := message(fs, stageChannel, ts).ThreadTS; got != upload {
		t.Errorf("after a restart, locked went to thread %q, want the person's thread %s", got, upload)
	}
	if m := message(fs, stageChannel, oneHead); !strings.Contains(m.Blocks, "State: *locked*") {
		t.Errorf("the request message in the person's thread was not edited: %s", m.Blocks)
	}
	// A request made after the restart, whose `!stage` came before it: the top level.
	three := aRequest(id3, "com.example.three", "com.example.three_1.0_all.click")
	if ts := a.send(t, stageChannel, announce(three, requested, "")); message(fs, stageChannel, ts).ThreadTS != "" {
		t.Errorf("a request message with no known origin went into a thread")
	}
}
