package bot

import (
	"strings"

	"stagebot"
	"stagebot/commands"
)

// Backgrounder is offered by the bot's Handler (an adapter type-asserts for it): whether a
// chat line is a `!stage`, whose download and inspection may take minutes. An adapter that
// handles its lines one after another (the console) runs such a line beside the lines after
// it, so that it holds none of them; its `requested` (or refusal) comes when it is done.
type Backgrounder interface {
	Background(text, botNick string) bool
}

var _ Backgrounder = (*Bot)(nil)

// Background reports whether text is a `!stage` (Backgrounder).
func (b *Bot) Background(text, botNick string) bool {
	line, ok := commands.Parse(b.cfg.Commands.Prefix, botNick, text)
	if !ok {
		return false
	}
	// Named as Registry.Exec names it, so both agree on which command a line is.
	name, _, _ := strings.Cut(stagebot.CleanText(strings.TrimSpace(line)), " ")
	c, ok := b.cfg.Commands.Lookup(name)
	return ok && c.Name == "stage"
}
