package bot

import (
	"context"

	"stagebot"
	"stagebot/chat"
	"stagebot/intake"
)

// Commands is the command table (package commands) as the core uses it: a chat line is
// parsed once, here, and run.
type Commands interface {
	// Parse recognises a command in a chat line: the prefix, addressing the bot by name
	// ("stagebot: status ID"), or, in a direct conversation, the bare command. ok is false
	// for chatter.
	Parse(text, botNick string, direct bool) (Command, bool)
	// Run runs a parsed command for caller and answers it.
	Run(ctx context.Context, c Command, caller Caller) Answer
}

// Command is a parsed chat line.
type Command struct {
	Name string // as typed, cleaned; an unknown name is still a Command (its answer says so)
	// Known: Name is a command's (metrics count the others under one name).
	Known bool
	Args  string
	// ReadOnly: it reads bbolt and changes nothing, quickly: answered at once.
	ReadOnly bool
	// Background: it may take minutes (a !stage's download and inspection), so it runs
	// beside its person's later commands, which it must not hold.
	Background bool
	// TakesFiles: attachments matter to it (Inbound.Attach is called for it alone).
	TakesFiles bool
}

// Caller is who runs a command and what came with it.
type Caller struct {
	Actor       stagebot.Identity
	LocalPaths  bool
	Attachments []intake.Source
	// Say answers the caller before the command's own answer (a !stage that waits for a
	// download turn says so at once).
	Say func(chat.Message) error
}

// Answer is a command's reply and what became of the command.
type Answer struct {
	Reply chat.Message
	// Done: the command ran and did not refuse.
	Done bool
	// Announced: a successful command whose outcome its announcement tells where it was
	// asked (a !stage's `requested`): no reply there, which would say it twice.
	Announced bool
	// Code is why a command that is not Done was refused (stagebot's error codes).
	Code string
	// Request is the request the command concerned, when one is known (full ID).
	Request string
}
