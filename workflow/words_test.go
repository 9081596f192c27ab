package workflow

import (
	"stagebot"
	"stagebot/chat"
)

// The words people read are chat's: tests that look at them render the workflow's outcomes
// and events as the console would show them.
var render = chat.Renderer{Prefix: "!"}

func said(out *stagebot.Outcome) string { return chat.Plain(render.Outcome(out), "!") }

func line(e stagebot.Event) string { return chat.Plain(render.Event(e), "!") }

func refusal(err error) string { return chat.Plain(render.Refusal(err), "!") }

// shown fills in an event's words as an older record had them (RequestID, Word, Text), for
// the tests that read those.
func shown(e stagebot.Event) stagebot.Event {
	if e.Text == "" {
		e.RequestID = e.AboutRequest()
		switch e.Kind {
		case stagebot.EventState, stagebot.EventReminder, stagebot.EventTakenOff, stagebot.EventPublishFailed:
			e.Word = chat.Word(e)
		default:
			e.Word = string(e.Kind)
		}
		e.Text = line(e)
	}
	return e
}
