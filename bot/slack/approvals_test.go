package slack_test

import (
	"encoding/json"
	"strings"
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/fakeslack"
)

// TestSlackHeadShowsApprovalsFromAnyNetwork: policy 3; rex approves on the console (no
// Slack identity), ken by reaction on Slack. The request message shows both approvals, read
// from the record, not only the ones Slack saw; after ken withdraws, only rex's.
func TestSlackHeadShowsApprovalsFromAnyNetwork(t *testing.T) {
	b := startSlackBot(t, bottest.Options{Approvals: 3,
		Team: slackTeam("[{name: sil2100, slack: " + sil + "}, {name: ken, slack: " + ken + "}, {name: rex}]")})
	file := b.upload("F1", "com.example.multi", "1.0")
	id, head := b.stage(alice, "F1", file)

	b.Say("rex> !approve " + id)
	b.WaitFor(`^\[` + id + `\] \S+ approved 1/3 by rex`)
	b.fs.React(channel, head, ken, "+1")
	b.fs.Await(bottest.Wait, "the head showing rex's and ken's approvals", func(v fakeslack.View) bool {
		m, _ := v.Message(channel, head)
		return strings.HasSuffix(stateLine(m.Blocks), "approved so far by rex and ken")
	})

	b.fs.Unreact(channel, head, ken, "+1")
	b.awaitReply(head, `approval by ken withdrawn`)
	b.fs.Await(bottest.Wait, "the head showing rex's approval alone", func(v fakeslack.View) bool {
		m, _ := v.Message(channel, head)
		return strings.HasSuffix(stateLine(m.Blocks), "approved so far by rex")
	})

	// The last two approvals complete the policy; the head then shows the state, not a tally.
	b.fs.React(channel, head, ken, "+1")
	b.fs.Click(channel, head, sil, "stagebot_approve")
	b.awaitReply(head, `^\[`+id+`\] \S+ locked`)
	b.fs.Await(bottest.Wait, "the head showing locked", func(v fakeslack.View) bool {
		m, _ := v.Message(channel, head)
		return strings.Contains(m.Blocks, "State: *locked*") && !strings.Contains(m.Blocks, "approved so far")
	})
}

// stateLine is the first line of the request message's state (its context block).
func stateLine(blocks string) string {
	var bs []struct {
		Type     string `json:"type"`
		Elements []struct {
			Text any `json:"text"` // a string here, an object on buttons
		} `json:"elements"`
	}
	if json.Unmarshal([]byte(blocks), &bs) != nil {
		return ""
	}
	for _, b := range bs {
		if b.Type == "context" && len(b.Elements) > 0 {
			text, _ := b.Elements[0].Text.(string)
			first, _, _ := strings.Cut(text, "\n")
			return first
		}
	}
	return ""
}
