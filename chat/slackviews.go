package chat

import (
	"time"

	"stagebot"
)

// The words of the views a network shows beside the flow of messages (Slack's request
// message and App Home): each network lays them out its own way.

// RequestState is a request message's state line: "State: pending · approved so far by
// NAMES" (the approvals only while it waits for more).
func (r Renderer) RequestState(state stagebot.State, approvers []string) Message {
	m := r.start().w("State: ").strong(string(state))
	if len(approvers) > 0 && state == stagebot.StatePending {
		m.w(" · approved so far by ").people(approvers)
	}
	return Message{Kind: Reply, Parts: m.parts}
}

// DecisionLabels are the words on a request message's buttons.
func (r Renderer) DecisionLabels() (approve, reject string) { return "Approve", "Reject" }

// HomeYours heads a person's own requests; HomeNoneYours says they have none.
func (r Renderer) HomeYours() Message { return r.words("Your requests") }
func (r Renderer) HomeNoneYours() Message {
	return r.words("You have no request in flight, and none ended lately.")
}

// HomeInFlight heads the requests in flight; HomeEmpty says there are none.
func (r Renderer) HomeInFlight(n int) Message {
	return r.words("In flight · " + Plural(n, "request", "requests"))
}
func (r Renderer) HomeEmpty() Message { return r.words("The queue is empty.") }

// HomeMore says how many requests a list leaves out.
func (r Renderer) HomeMore(n int) Message { return r.words("… and " + Plural(n, "more", "more")) }

// HomeFooter says when the view was made and where the commands are listed.
func (r Renderer) HomeFooter(now time.Time, slash string) Message {
	m := r.start().w("As of " + stagebot.FormatTime(now) + " · " + slash + " help, or ").cmd("help").w(" in a channel, lists the commands")
	return Message{Kind: Reply, Parts: m.parts}
}

func (r Renderer) words(s string) Message {
	return Message{Kind: Reply, Parts: r.start().w(s).parts}
}
