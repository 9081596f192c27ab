// Package chat is the words people read, in one place: Renderer turns the workflow's events
// and the commands' outcomes into Messages, and every Message passes one guard on its way
// to a network (IRC, Plain, Slack, Matrix), whichever adapter sends it. Nothing else in the
// bot writes chat text, so the rules of contract section 5 (outside text cleaned and cut,
// bytes capped, one line an announcement, no forged line) hold by construction.
package chat

// Role is what a part of a message is, which decides how the guard treats it.
type Role uint8

const (
	// Words are the bot's own: trusted to mean what they say, still stripped of control
	// characters on their way out.
	Words Role = iota
	// Outside is text that came from outside the bot (a person's reason or name, a
	// download server's reason phrase, a URL, a click's own contents): cleaned of control,
	// bidi, separator and zero-width characters and cut to MaxQuote bytes with "…".
	Outside
	// Command is a command as a person types it, without the prefix (the renderer puts
	// the configured prefix in front): "approve 1a2b3c4d".
	Command
	// ID is a request's short ID (8 hex digits).
	ID
	// Filename is a click's full filename, name_version_arch.click.
	Filename
	// Mention is a team member's name to highlight: each network writes it its own way
	// (an IRC nick, a Slack <@U…>, a Matrix pill).
	Mention
	// Break ends a line where a network shows several lines in one message (Slack,
	// Matrix): between the items of a list. On a network of one-line messages (IRC, the
	// console) its Text, the bot's own words, stands in for it (" · " between items, " "
	// after a colon). Outside text never breaks a line: only the renderer makes a Break.
	Break
	// Strong is the bot's own words to stand out (a request message's state): bold where
	// a network has bold (Slack, Matrix), plain elsewhere. Cleaned as Words are.
	Strong
)

// Part is one piece of a message.
type Part struct {
	Role Role
	Text string
}

// Kind says what a message is, which decides its shape on each network.
type Kind uint8

const (
	// Reply answers one person. It never starts with what an announcement starts with
	// ("[" + 8 hex digits + "]"), and on IRC takes at most three lines.
	Reply Kind = iota
	// Announcement is about one request, public: one line on IRC and the console,
	// starting "[ID] FILENAME".
	Announcement
	// Notice is public and about no single request (a click-sync tick, a promotion): one
	// line on IRC and the console.
	Notice
)

// Limits of every message, on every network (contract section 5).
const (
	MaxQuote   = 80   // bytes of one quoted outside string
	MaxMessage = 1024 // bytes of a whole message
	MaxLines   = 3    // IRC lines of one reply
	// Continuation starts each IRC line that continues a longer message.
	Continuation = "… "
)

// Message is a rendered message before a network writes it.
type Message struct {
	Kind  Kind
	Parts []Part
	// RequestID is the request an announcement (or a reply about one) concerns, in full.
	RequestID string
	// AsksApproval marks the announcement that asks the landing team to approve (the
	// request itself, a reminder, pending again): networks let reactions and buttons on it
	// count, and Slack shows its Approve and Reject buttons.
	AsksApproval bool
	// ChannelWide: a notice that goes to the channel itself even where announcements about
	// a request are threaded.
	ChannelWide bool
}
