package slack_test

import (
	"maps"
	"regexp"
	"strings"
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/fakeslack"
)

// TestSlackFlowReactingOnTheFirstMessage is the whole flow as people new to the bot go
// through it: every reaction is placed on the first bot message that names the request,
// whatever it is. Both approvals (policy 2) count, the request is locked and goes on to
// published, and each state appears exactly once in the channel and the request's thread.
func TestSlackFlowReactingOnTheFirstMessage(t *testing.T) {
	b := startSlackBot(t, bottest.Options{Approvals: 2, NoConsole: true})
	file := b.upload("F1", "com.example.first", "1.0")
	b.fs.SayWithFiles(channel, alice, "!stage", "F1")
	id, head := b.awaitRequest(file)

	var first fakeslack.Message
	b.fs.Read(func(v fakeslack.View) { first = naming(v, channel, id)[0] })
	b.fs.React(channel, first.TS, sil, "+1")
	b.fs.React(channel, first.TS, ken, "+1")
	b.awaitReply(head, `^\[`+id+`\] \S+ locked`)

	b.fs.Say(channel, sil, "!tick")
	b.awaitReply(head, `^\[`+id+`\] \S+ stored`)
	b.fs.Say(channel, qa, "!promote 100")
	b.awaitReply(head, `^\[`+id+`\] \S+ promoted`)
	b.fs.Say(channel, qa, "!phasing 100")
	b.awaitReply(head, `^\[`+id+`\] \S+ published`)

	// A state line names the ID, the file and the word ("[id] file locked: ..."), after the
	// mentions on the request message; progress ("approved 1/2 by ...") is no state.
	state := regexp.MustCompile(`^\[` + id + `\] \S+\.click (\w+)(?::|$)`)
	got := map[string]int{}
	var all []string
	b.fs.Read(func(v fakeslack.View) {
		for _, p := range v.Posts() {
			if p.Channel != channel {
				continue
			}
			all = append(all, p.Text)
			if m := state.FindStringSubmatch(p.Text); m != nil {
				got[m[1]]++
			}
		}
	})
	want := map[string]int{"requested": 1, "approved": 1, "locked": 1, "stored": 1, "promoted": 1, "published": 1}
	if !maps.Equal(got, want) {
		t.Errorf("states in the channel and its thread = %v, want each once: %v\n%s", got, want, strings.Join(all, "\n"))
	}
	if first.TS != head {
		t.Errorf("the first message naming the request is %q, not the request message", first.Text)
	}
}
