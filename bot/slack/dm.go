package slack

// direct reports whether the message came in a direct message to the bot (message.im):
// commands work there as in the channels, answered in the DM, while announcements still go
// to the configured channels.
func (in incoming) direct() bool { return in.channelType == "im" }

// directText reads a DM's text as a command: the DM is said to the bot already, so the
// prefix is optional there (contract section 3). A line that is no command as typed is read
// as addressed to the bot by name, so that it goes through the one parser.
func (a *Adapter) directText(text, nick string) string {
	if a.isCommand(text, nick) {
		return text
	}
	if addressed := nick + ": " + text; a.isCommand(addressed, nick) {
		return addressed
	}
	return text
}
