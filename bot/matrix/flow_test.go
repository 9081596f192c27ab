package matrix_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/dendritetest"
)

// TestStageByURLApprovedByReaction is the contract's flow on Matrix: alice stages a click
// by URL in the room the bot joined by alias; its request message is an m.notice replying
// to her command and mentioning the landing team as pills with their IDs in m.mentions;
// sil2100's 👍 (as his client sends it, with U+FE0F) approves it; every later state is a
// reply to the request message, which is edited to show it.
func TestStageByURLApprovedByReaction(t *testing.T) {
	w := newWorld(t)
	b := w.start(bottest.Options{})
	url, file := w.click("foo", "1.0")
	r := w.stage(w.alice, w.room, url, file)

	if r.head.MsgType() != "m.notice" {
		t.Errorf("request message is %q, want m.notice", r.head.MsgType())
	}
	if got := r.head.RelatesTo().InReplyTo; got != r.command {
		t.Errorf("request message replies to %q, want alice's !stage %s", got, r.command)
	}
	html, _ := r.head.Content["formatted_body"].(string)
	for _, who := range []*dendritetest.Client{w.sil, w.ken} {
		if !strings.Contains(html, `<a href="https://matrix.to/#/`+who.UserID+`">`) {
			t.Errorf("request message has no pill for %s: %s", who.UserID, html)
		}
		if !slices.Contains(mentions(r.head), who.UserID) {
			t.Errorf("m.mentions %v lacks %s", mentions(r.head), who.UserID)
		}
	}
	if r.head.Content["format"] != "org.matrix.custom.html" {
		t.Errorf("format %v", r.head.Content["format"])
	}

	w.sil.React(w.room, r.head.EventID, "👍\uFE0F")
	edit := w.sil.Expect(dendritetest.In(w.room, func(e dendritetest.Event) bool {
		nc, _ := e.Content["m.new_content"].(map[string]any)
		body, _ := nc["body"].(string)
		return e.Sender == w.botID && e.RelatesTo().Type == "m.replace" && e.RelatesTo().EventID == r.head.EventID &&
			strings.Contains(body, "State: locked")
	}))
	if edit.MsgType() != "m.notice" {
		t.Errorf("edit is %q, want m.notice", edit.MsgType())
	}
	if got := mentions(edit); len(got) != 0 {
		t.Errorf("an edit mentions %v: it would notify them again", got)
	}
	locked := w.announcement(r, "locked")
	if locked.MsgType() != "m.notice" {
		t.Errorf("locked is %q, want m.notice", locked.MsgType())
	}
	if _, err := os.Stat(filepath.Join(b.Snakefruit, file)); err != nil {
		t.Fatalf("the locked click is not on snakefruit: %v", err)
	}
	if !strings.Contains(b.ListFile(), file) {
		t.Errorf("list file lacks %s: %q", file, b.ListFile())
	}
}

// TestStageInAThread: a `!stage` typed in a Matrix thread is answered there: the request
// message and every later announcement go in that thread, each replying as elsewhere.
func TestStageInAThread(t *testing.T) {
	w := newWorld(t)
	w.start(bottest.Options{})
	root := w.alice.Say(w.room, "about tomorrow's landing")
	url, file := w.click("threaded", "1.0")
	cmd := w.alice.Send(w.room, "m.room.message", map[string]any{"msgtype": "m.text", "body": "!stage " + url,
		"m.relates_to": map[string]any{"rel_type": "m.thread", "event_id": root, "is_falling_back": true,
			"m.in_reply_to": map[string]any{"event_id": root}}})
	head := w.sil.Expect(w.fromBot(w.room, regexp.QuoteMeta(file)+` requested`))
	if rel := head.RelatesTo(); rel.Type != "m.thread" || rel.EventID != root || rel.InReplyTo != cmd {
		t.Errorf("request message relates %+v; want in thread %s, replying to %s", rel, root, cmd)
	}
	r := request{id: head.Body()[1:9], filename: file, head: head, command: cmd}
	w.sil.React(w.room, head.EventID, "👍")
	locked := w.announcement(r, "locked")
	if rel := locked.RelatesTo(); rel.Type != "m.thread" || rel.EventID != root {
		t.Errorf("locked relates %+v; want in thread %s", rel, root)
	}
}
