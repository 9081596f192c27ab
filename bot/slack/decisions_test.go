package slack_test

import (
	"strings"
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/fakeslack"
)

// TestSlackRefusalsAndWithdrawal: a non-member's reaction and button change nothing and are
// refused to that person alone; a requester may not approve their own request; an approval
// reaction removed before locking no longer counts.
func TestSlackRefusalsAndWithdrawal(t *testing.T) {
	b := startSlackBot(t, bottest.Options{Approvals: 2, NoConsole: true})
	file := b.upload("F1", "com.example.foo", "1.0")
	id, head := b.stage(alice, "F1", file)

	b.fs.React(channel, head, mallory, "+1")
	b.awaitEphemeral(mallory, `^refused: mallory \(Slack UMAL\) may not approve`)
	b.fs.Click(channel, head, mallory, "stagebot_approve")
	b.fs.Click(channel, head, mallory, "stagebot_reject")
	b.fs.Await(bottest.Wait, "three refusals to mallory", func(v fakeslack.View) bool {
		n := 0
		for _, e := range v.Ephemerals() {
			if e.User == mallory && strings.HasPrefix(e.Text, "refused:") {
				n++
			}
		}
		return n == 3
	})
	if st := b.status(sil, id); !strings.Contains(st, "pending") {
		t.Fatalf("after mallory: %q, want pending", st)
	}

	// sil stages a click of his own and may not approve it.
	own := b.upload("F2", "com.example.own", "2.0")
	ownID, ownHead := b.stage(sil, "F2", own)
	b.fs.React(channel, ownHead, sil, "white_check_mark")
	b.awaitEphemeral(sil, `own request`)
	if st := b.status(ken, ownID); !strings.Contains(st, "pending") {
		t.Fatalf("after self-approval: %q, want pending", st)
	}

	// ken approves by reaction, then takes the reaction back: only sil's approval counts,
	// so the request still waits; ken's second approval then completes it.
	b.fs.React(channel, head, ken, "+1")
	b.awaitReply(head, `approved 1/2 by ken`)
	b.fs.Unreact(channel, head, ken, "+1")
	b.awaitReply(head, `approval by ken withdrawn`)
	b.fs.React(channel, head, sil, "heavy_check_mark")
	b.fs.Await(bottest.Wait, "sil's approval announced", func(v fakeslack.View) bool {
		n := 0
		for _, r := range replies(v, head) {
			if strings.Contains(r, "approved 1/2 by") {
				n++
			}
		}
		return n == 2
	})
	if st := b.status(sil, id); !strings.Contains(st, "pending") {
		t.Fatalf("after a withdrawn approval and one more: %q, want pending", st)
	}
	b.fs.Click(channel, head, ken, "stagebot_approve")
	b.awaitReply(head, `^\[`+id+`\] \S+ locked`)
	var ephemeralToMembers int
	b.fs.Read(func(v fakeslack.View) {
		for _, e := range v.Ephemerals() {
			if e.User == ken && strings.HasPrefix(e.Text, "refused:") {
				ephemeralToMembers++
			}
		}
	})
	if ephemeralToMembers != 0 {
		t.Errorf("ken got %d refusals for valid decisions", ephemeralToMembers)
	}
}

// TestSlackDuplicateEnvelopesActOnce: Slack delivering the same event twice (same event_id,
// a new envelope) must not stage twice or approve twice.
func TestSlackDuplicateEnvelopesActOnce(t *testing.T) {
	b := startSlackBot(t, bottest.Options{Approvals: 2, NoConsole: true})
	file := b.upload("F1", "com.example.foo", "1.0")
	id, head := b.stage(alice, "F1", file)
	stageEvent := firstEventOf(b, alice)
	b.fs.Redeliver(stageEvent)

	b.fs.React(channel, head, sil, "+1")
	reaction := b.fs.LastEventID()
	b.awaitReply(head, `approved 1/2 by sil2100`)
	b.fs.Redeliver(reaction)
	b.fs.Redeliver(reaction)
	// A later event from each user proves the redeliveries were handled (in order per user).
	b.status(sil, id)
	b.status(alice, id)
	b.fs.Await(bottest.Wait, "every envelope acked", func(v fakeslack.View) bool { return v.Unacked() == 0 })

	b.fs.Read(func(v fakeslack.View) {
		heads, recorded := 0, 0
		for _, p := range v.Posts() {
			if p.ThreadTS == "" && strings.Contains(p.Blocks, "stagebot_approve") {
				heads++
			}
			if p.ThreadTS == head && strings.Contains(p.Text, "approved 1/2 by") {
				recorded++
			}
		}
		if heads != 1 || recorded != 1 {
			t.Errorf("request messages = %d, approvals recorded = %d; want 1 and 1", heads, recorded)
		}
		refusals := 0
		for _, e := range v.Ephemerals() {
			if strings.HasPrefix(e.Text, "refused:") {
				refusals++
			}
		}
		if refusals != 0 {
			t.Errorf("%d ephemeral refusals: a duplicate was acted on", refusals)
		}
	})
}

// firstEventOf is the event_id of user's first message, read from the fake's envelopes.
func firstEventOf(b *slackBot, user string) string {
	b.t.Helper()
	id := b.fs.EventIDOf(func(ev map[string]any) bool { return ev["user"] == user && ev["type"] == "message" })
	if id == "" {
		b.t.Fatalf("no message event from %s", user)
	}
	return id
}
