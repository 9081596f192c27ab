// Package bot is the core loop: it runs the chat adapters, turns their messages and
// reactions into commands and decisions, delivers the announcement outbox to each channel
// of each adapter in order (one cursor per adapter and channel, in bbolt), fires the
// click-sync schedule and reminds the landing team of requests left pending. Each chat
// network is a package below this one implementing Adapter.
package bot

import (
	"context"

	"stagebot"
	"stagebot/intake"
)

// Adapter is one chat network.
type Adapter interface {
	// Name is unique per bot; with a channel it keys an outbox cursor, so it must not
	// change between runs.
	Name() string
	// Channels are the places announcements go, each with an outbox cursor of its own: a
	// channel that refuses the bot holds back only itself. The names key the cursors, so
	// they must not change between runs; "" is a network's only place (the console).
	Channels() []string
	// Run connects (and reconnects) and feeds h until ctx ends. It returns nil when the
	// network closed for good (the console at EOF), an error when it cannot go on.
	Run(ctx context.Context, h Handler) error
	// Deliver posts one announcement to one of the adapter's channels. An error means
	// "not delivered": the bot retries the same announcement to that channel later, so
	// Deliver must not half-send (a line either went out or it did not).
	Deliver(ctx context.Context, channel string, a stagebot.Announcement) error
	// Connected reports whether Deliver can work now.
	Connected() bool
}

// Handler is what an adapter calls into.
type Handler interface {
	// Message handles one chat message; replies go through m.Reply.
	Message(ctx context.Context, m Message)
	// Decide handles a reaction or a button on a request's message.
	Decide(ctx context.Context, d Decision)
	// Remember records that the network's message ref announced requestID, so reactions to
	// it can be traced back.
	Remember(network, ref, requestID string)
	// RequestFor returns the request ID a network's message announced ("" if none).
	RequestFor(network, ref string) string
	// Team is the configured team, for rendering mentions.
	Team() stagebot.Team
}

// RequestReader is offered by the bot's Handler (an adapter type-asserts for it): the
// current record of a request, for adapters that show more than announcements say (Slack's
// request message lists the approvals so far, given on any network).
type RequestReader interface {
	// Request returns the request with this ID, or nil when there is none.
	Request(id string) *stagebot.Request
}

// QuickAnswerer is offered by the bot's Handler (an adapter type-asserts for it): whether
// a chat line is a command that only reads bbolt and changes nothing, which an adapter may
// answer on its read loop instead of handing it to another goroutine. For a `!status` the
// hand-off costs about as much as the command itself.
type QuickAnswerer interface {
	Quick(text, botNick string) bool
}

// CommandClassifier is offered by the bot's Handler (an adapter type-asserts for it):
// whether a chat line is a command at all, and whether it only reads. An adapter spends
// nothing on a line that is no command (no identity lookup, no rate limit) and looks up
// who sent a read-only one no further than it already knows.
type CommandClassifier interface {
	Classify(text, botNick string) (command, readOnly bool)
}

// Message is one chat line.
type Message struct {
	Actor stagebot.Identity
	Text  string
	// BotNick lets people address the bot by name ("stagebot: status ID").
	BotNick string
	// Attachments are files sent with (or above, in a thread) the message.
	Attachments []intake.Source
	// LocalPaths allows `!stage PATH` (console only).
	LocalPaths bool
	// Reply answers where the message came from.
	Reply func(text string) error
	// AnnouncedHere: announcements reach where the message came from, one line each (an
	// IRC channel, the console), so a successful !stage is answered by its `requested`
	// announcement alone.
	AnnouncedHere bool
}

// Verb is what a reaction or button means.
type Verb string

const (
	VerbApprove  Verb = "approve"
	VerbReject   Verb = "reject"
	VerbWithdraw Verb = "withdraw" // an approval reaction removed
)

// Decision is a reaction or a button press on a request's message.
type Decision struct {
	Actor     stagebot.Identity
	RequestID string
	Verb      Verb
	// Private answers the actor alone (Slack ephemeral, IRC notice): refusals to a
	// reaction must not spam the channel.
	Private func(text string) error
	// Public tells the channel an outcome the workflow did not announce itself (an
	// approval counted while the request is held, a withdrawal that leaves it pending).
	Public func(text string) error
}
