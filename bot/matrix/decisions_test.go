package matrix_test

import (
	"strings"
	"testing"

	"stagebot/internal/bottest"
)

// TestStrangersReactionIgnored: mallory, whom the team does not know, gives a 👍 on the
// request message: it counts for nothing and the bot says nothing to it (her applause is
// not worth a message in the room); sil2100's 👍 after it is the first approval of two.
// A reaction on any of the bot's messages about the request counts: ken's ✅ on that
// progress reply is the second.
func TestStrangersReactionIgnored(t *testing.T) {
	w := newWorld(t)
	w.start(bottest.Options{Approvals: 2})
	url, file := w.click("strange", "1.0")
	r := w.stage(w.alice, w.room, url, file)

	w.mallory.React(w.room, r.head.EventID, "👍")
	w.sil.React(w.room, r.head.EventID, "👍")
	seen := w.sil.Until(w.fromBot(w.room, `approved 1/2 by sil2100`))
	for _, e := range seen {
		if e.Sender == w.botID && e.Type == "m.room.message" && e.RelatesTo().Type != "m.replace" && !strings.Contains(e.Body(), "sil2100") {
			t.Errorf("the bot answered mallory's reaction: %s", e)
		}
	}
	progress := seen[len(seen)-1]
	w.ken.React(w.room, progress.EventID, "✅")
	if e := w.announcement(r, "approved: "); !strings.Contains(e.Body(), "ken") || !strings.Contains(e.Body(), "sil2100") {
		t.Errorf("approved by whom? %q", e.Body())
	}
}

// TestOwnReactionRefused: sil2100 stages a click and gives it his own 👍: refused (no
// self-approval), told to him as a reply addressed to him, and the request still waits;
// ken's ✅ then approves it.
func TestOwnReactionRefused(t *testing.T) {
	w := newWorld(t)
	w.start(bottest.Options{})
	url, file := w.click("own", "1.0")
	r := w.stage(w.sil, w.room, url, file)

	w.sil.React(w.room, r.head.EventID, "👍🏽")
	refusal := w.sil.Expect(w.fromBot(w.room, `own request`))
	if got := refusal.RelatesTo().InReplyTo; got != r.head.EventID {
		t.Errorf("the refusal replies to %q, want the request message %s", got, r.head.EventID)
	}
	if !strings.HasPrefix(refusal.Body(), "sil2100: ") || !strings.Contains(mentions(refusal)[0], w.sil.UserID) {
		t.Errorf("the refusal is not addressed to sil2100: %q, mentions %v", refusal.Body(), mentions(refusal))
	}
	w.ken.React(w.room, r.head.EventID, "✅")
	approved := w.announcement(r, "approved")
	if !strings.Contains(approved.Body(), "by ken") {
		t.Errorf("approved by someone else than ken: %q", approved.Body())
	}
}

// TestRejectByReactionAndByCommand: ken's ❌ on the request message rejects one request;
// `!reject ID reason` rejects another, answered by its announcement (a reply to the
// request message) with the reason.
func TestRejectByReactionAndByCommand(t *testing.T) {
	w := newWorld(t)
	w.start(bottest.Options{})
	url, file := w.click("rejected", "1.0")
	r := w.stage(w.alice, w.room, url, file)
	w.ken.React(w.room, r.head.EventID, "❌️")
	if e := w.announcement(r, "rejected"); !strings.Contains(e.Body(), "ken") {
		t.Errorf("rejection not by ken: %q", e.Body())
	}

	url2, file2 := w.click("rejected2", "1.0")
	r2 := w.stage(w.alice, w.room, url2, file2)
	w.sil.Say(w.room, "!reject "+r2.id+" not this week")
	if e := w.announcement(r2, "rejected"); !strings.Contains(e.Body(), "not this week") {
		t.Errorf("rejection without its reason: %q", e.Body())
	}
}

// TestRedactedReactionWithdraws: sil2100 redacts his 👍: his approval is withdrawn (the
// room is told, as a reply to the event he had reacted on) and the request waits again.
// A moderator redacting someone else's reaction takes nothing back, not even the
// moderator's own approval.
func TestRedactedReactionWithdraws(t *testing.T) {
	w := newWorld(t)
	w.start(bottest.Options{Approvals: 2})
	url, file := w.click("taken-back", "1.0")
	r := w.stage(w.alice, w.room, url, file)

	reaction := w.sil.React(w.room, r.head.EventID, "👍")
	w.announcement(r, `approved 1/2 by sil2100`)
	w.sil.Redact(w.room, reaction, "")
	withdrawn := w.sil.Expect(w.fromBot(w.room, `approval by sil2100 withdrawn`))
	if got := withdrawn.RelatesTo().InReplyTo; got != r.head.EventID {
		t.Errorf("the withdrawal replies to %q, want %s", got, r.head.EventID)
	}

	w.sil.React(w.room, r.head.EventID, "👍")
	w.announcement(r, `approved 1/2 by sil2100`)
	// sil2100 made the room, so he may redact anyone's event.
	applause := w.mallory.React(w.room, r.head.EventID, "👍")
	w.sil.Redact(w.room, applause, "tidying up")
	w.ken.React(w.room, r.head.EventID, "👍")
	for _, e := range w.sil.Until(w.fromBot(w.room, `approved(: | 1/2 by ken)`)) {
		if e.Sender == w.botID && strings.Contains(e.Body(), "withdrawn") {
			t.Errorf("a moderator's redaction of another's reaction withdrew an approval: %s", e.Body())
		}
	}
	w.announcement(r, "locked")
}
