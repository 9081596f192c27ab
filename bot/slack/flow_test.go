package slack_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/fakeslack"
)

// TestSlackWholeFlow is the contract's flow on Slack: a click attached to `!stage`, the
// request message with buttons mentioning the approvers, one approval by reaction and one
// by button (policy: 2), then !tick, !promote, !phasing; every state is a reply in the
// request's thread, the tick goes to the channel, and the request message is edited to
// show the state.
func TestSlackWholeFlow(t *testing.T) {
	b := startSlackBot(t, bottest.Options{Approvals: 2, NoConsole: true})
	file := b.upload("F1", "com.example.foo", "1.0")
	id, head := b.stage(alice, "F1", file)

	b.fs.Read(func(v fakeslack.View) {
		m, _ := v.Message(channel, head)
		if !strings.HasSuffix(m.Text, " <@"+sil+"> <@"+ken+">") {
			t.Errorf("request message does not mention the approvers: %q", m.Text)
		}
		if !strings.Contains(m.Blocks, "stagebot_reject") || !strings.Contains(m.Blocks, `"value":"`+id) {
			t.Errorf("request message lacks the buttons carrying the request ID: %s", m.Blocks)
		}
	})

	b.fs.React(channel, head, sil, "+1")
	b.awaitReply(head, `approved 1/2 by sil2100`)
	b.fs.Await(bottest.Wait, "the head showing sil's approval", func(v fakeslack.View) bool {
		m, _ := v.Message(channel, head)
		return strings.Contains(m.Blocks, "approved so far by sil2100")
	})
	if !b.fs.Click(channel, head, ken, "stagebot_approve") {
		t.Fatal("no Approve button on the request message")
	}
	b.awaitReply(head, `^\[`+id+`\] \S+ locked`)
	if _, err := os.Stat(filepath.Join(b.Snakefruit, file)); err != nil {
		t.Fatalf("locked click not on snakefruit: %v", err)
	}

	b.fs.Say(channel, sil, "!tick")
	b.awaitReply(head, `^\[`+id+`\] \S+ stored`)
	b.awaitPost(`tick`)
	b.fs.Say(channel, qa, "!promote 100")
	b.awaitReply(head, `^\[`+id+`\] \S+ promoted`)
	b.fs.Say(channel, qa, "!phasing 100")
	b.awaitReply(head, `^\[`+id+`\] \S+ published`)

	var got []string
	var final fakeslack.Message
	b.fs.Read(func(v fakeslack.View) {
		got = words(v, head, id)
		final, _ = v.Message(channel, head)
	})
	if want := []string{"approved", "locked", "stored", "promoted", "published"}; !slices.Equal(got, want) {
		t.Errorf("thread words = %v, want %v\n%s", got, want, b.fs.Dump())
	}
	if !strings.Contains(final.Blocks, "State: *published*") || strings.Contains(final.Blocks, "stagebot_approve") {
		t.Errorf("request message not edited to published without buttons: %s", final.Blocks)
	}
	if len(final.Edits) < 5 {
		t.Errorf("request message edited %d times, want one per later state at least", len(final.Edits))
	}
	list, err := os.ReadFile(filepath.Join(b.Snakefruit, "locked_clicks_list"))
	if err != nil || strings.Contains(string(list), file) {
		t.Errorf("published click still listed: %q %v", list, err)
	}
}
