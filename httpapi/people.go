package httpapi

import "stagebot"

// People on the status page and in the API: a team member by their team name, anyone else
// by nick and network alone. Chat's display of a non-member on IRC carries the whole
// hostmask (stagebot.Display), which the audit log keeps, but which on an uncloaked network
// is the person's address: nothing served here repeats it.

// shown is how a person is served: Display without a host.
func shown(id stagebot.Identity, key string) string {
	return stagebot.PublicName(stagebot.Display(id, key))
}

// hostlessEvent is e with every person it names served without a host; e is a copy read
// from the outbox, and the refs it points to are replaced, not changed.
func hostlessEvent(e stagebot.Event) stagebot.Event {
	e.Actor, e.QA = stagebot.PublicName(e.Actor), stagebot.PublicName(e.QA)
	if e.By != nil {
		by := make([]string, len(e.By))
		for i, b := range e.By {
			by[i] = stagebot.PublicName(b)
		}
		e.By = by
	}
	e.Request, e.Other = hostlessRef(e.Request), hostlessRef(e.Other)
	if e.Requests != nil {
		rs := make([]*stagebot.RequestRef, len(e.Requests))
		for i, r := range e.Requests {
			rs[i] = hostlessRef(r)
		}
		e.Requests = rs
	}
	return e
}

func hostlessRef(r *stagebot.RequestRef) *stagebot.RequestRef {
	if r == nil {
		return nil
	}
	c := *r
	c.Requester = stagebot.PublicName(c.Requester)
	return &c
}
