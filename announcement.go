package stagebot

// WordRequested is the contract's word for a line that asks for approval.
const WordRequested = "requested"

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
