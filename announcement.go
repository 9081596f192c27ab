package stagebot

import "time"

// WordRequested is the contract's word for a line that asks for approval.
const WordRequested = "requested"

// Announcement is one line the channels must hear. It is written to the outbox in the same
// transaction as the change it reports, and each chat adapter delivers it once, in order.
type Announcement struct {
	Seq       uint64    `json:"seq"`
	At        time.Time `json:"at"`
	RequestID string    `json:"request_id,omitempty"` // "" for ticks, promotions, phasing
	Word      string    `json:"word"`                 // the contract's keyword: requested, locked, tick, ...
	Text      string    `json:"text"`                 // the line, without mentions
	// State is set when the announcement reports a transition of the request into it;
	// other lines about a request (progress, a click taken off, a failure that keeps the
	// state) leave it empty.
	State State `json:"state,omitempty"`
	// AsksApproval marks a line that asks the landing team to approve the request (the
	// `requested` line: the request itself, a reminder, pending again after a withdrawal):
	// adapters let it take reactions and buttons like the request's first line.
	AsksApproval bool `json:"asks_approval,omitempty"`
	// Mention names team members to highlight (the `requested` announcement and reminders);
	// each adapter renders them its own way (IRC nicks, Slack <@ID>).
	Mention []string `json:"mention,omitempty"`
	// Channel-wide announcements (ticks, promotions) go to the channel even on networks
	// that thread per request.
	ChannelWide bool `json:"channel_wide,omitempty"`
}

// Dest is one place announcements go: a channel of a chat adapter. Each has an outbox
// cursor of its own, so a channel that refuses the bot holds back nothing but itself.
// Channel "" is an adapter's only destination (the console).
type Dest struct {
	Adapter string
	Channel string
}

func (d Dest) String() string {
	if d.Channel == "" {
		return d.Adapter
	}
	return d.Adapter + " " + d.Channel
}
