// Package bot is the core loop: it runs the chat adapters, takes what people say from
// them (each line parsed once, here: read-only commands answered at once, a !stage in the
// background, every other command in its person's lane, the command limit kept per person),
// delivers the outbox to each channel of each adapter in order (one cursor per adapter and
// channel) and records what each network calls the messages it posted, fires the click-sync
// schedule and reminds the landing team of requests left pending. Each chat network is a
// package below this one implementing Adapter: it speaks its network and nothing else.
package bot

import (
	"context"

	"stagebot"
	"stagebot/chat"
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
	// Run connects (and reconnects) and hands what people say to in until ctx ends. It
	// returns nil when the network closed for good (the console at EOF), an error when it
	// cannot go on (a *CredentialError when the network refused its credential).
	Run(ctx context.Context, in Inbox) error
	// Send posts one announcement to one of the adapter's channels, formatted by chat's
	// guard for the network, and returns the network's handle of the message it posted (a
	// Slack ts, a Matrix event ID; "" where the network has none). The core records it, so
	// that a reaction to it finds its request and later announcements their thread. An error
	// means "not posted": the core sends the same announcement again later, so Send must not
	// half-send.
	Send(ctx context.Context, channel string, m Outgoing) (ref string, err error)
	// Connected reports whether Send can work now.
	Connected() bool
}

// Outgoing is one announcement on its way to one channel.
type Outgoing struct {
	// Message is the announcement in words, rendered once for every network.
	chat.Message
	// Event is what it reports.
	Event stagebot.Event
	// Request is the request's record as it is now, for a network that shows more than the
	// words (Slack's request message lists the approvals so far); nil for none.
	Request *stagebot.Request
	// Thread is the network's handle of the first message about the request in this
	// channel, "" for none: a network that threads per request posts under it, and may edit
	// it to show the current state.
	Thread string
}

// Inbox takes what people say to the bot; adapters call it from their read loops, and it
// never blocks them for long.
type Inbox interface {
	// Message takes one chat message: a command or chatter (ignored).
	Message(ctx context.Context, m Inbound)
	// Decision takes a reaction or a button on one of the bot's messages.
	Decision(ctx context.Context, d Decision)
}

// Inbound is one chat message.
type Inbound struct {
	// Author is who sent the message as far as the adapter knows without asking its
	// network: enough to key the person's lane and command limit.
	Author stagebot.Identity
	// Resolve, when set, asks the network who the author really is (an IRC WHOIS for a
	// services account the server does not tag messages with). The core calls it off the
	// adapter's read loop, only for a command that is not read-only, and uses what it
	// returns as the author: chatter and read-only commands cost no lookup.
	Resolve func(ctx context.Context) stagebot.Identity
	Text    string
	// BotNick lets people address the bot by name ("stagebot: status ID").
	BotNick string
	// Direct: a direct conversation with the bot (an IRC query, a Slack DM), where the
	// command prefix is optional.
	Direct bool
	// Attachments are files sent with (or above, in a thread) the message; Attach, when
	// set, finds them only for a command that takes them (a !stage), since looking costs
	// a network call.
	Attachments []intake.Source
	Attach      func(ctx context.Context) ([]intake.Source, error)
	// LocalPaths allows `!stage PATH` (console only).
	LocalPaths bool
	// Reply answers where the message came from (formatted by the adapter with chat's
	// guard); Private answers the author alone where the network can (Slack ephemeral).
	Reply   func(chat.Message) error
	Private func(chat.Message) error
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

// Decision is a reaction or a button press on one of the bot's messages.
type Decision struct {
	Author stagebot.Identity
	// Resolve, when set, is Inbound.Resolve for the decision's author: called in the
	// person's lane, before deciding.
	Resolve func(ctx context.Context) stagebot.Identity
	// Ref is the network's handle of the message decided on (as Send returned it);
	// RequestID the request, when the network carries it itself (a button's value) or the
	// adapter knows it (a line it posted, whose ref the core may not have recorded yet).
	Ref       string
	RequestID string
	Verb      Verb
	// Private answers the author alone (Slack ephemeral, IRC notice): refusals to a
	// reaction must not spam the channel. Public tells the channel an outcome no
	// announcement told (an approval counted while the request is held).
	Private func(chat.Message) error
	Public  func(chat.Message) error
}

// CredentialError is an adapter's credential refused by its network (a wrong Slack token,
// a refused SASL password): fatal, never retried (the process exits 3).
type CredentialError struct {
	Adapter string
	Setting string // the configuration key to fix, e.g. "slack.bot_token"
	Err     error
}

func (e *CredentialError) Error() string {
	return e.Adapter + " refused the credential in " + e.Setting + ": " + e.Err.Error()
}

func (e *CredentialError) Unwrap() error { return e.Err }

// ConfigError is an adapter's setting that its network showed to be wrong when it
// connected (a Matrix access token that belongs to another user than matrix.user_id):
// fatal like a refused credential, but the configuration's to fix.
type ConfigError struct {
	Adapter string
	Setting string // the configuration key to fix, e.g. "matrix.user_id"
	Err     error
}

func (e *ConfigError) Error() string {
	return e.Adapter + ": " + e.Setting + ": " + e.Err.Error()
}

func (e *ConfigError) Unwrap() error { return e.Err }
