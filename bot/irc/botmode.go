package irc

// setBotMode sets the bot user mode the server names in ISUPPORT BOT, once per
// connection: clients then show the bot as one (WHOIS 335), and networks that ask bots to
// identify themselves get what they ask.
func (s *session) setBotMode(mode string) {
	if len(mode) != 1 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.botMode || !s.registered {
		return
	}
	s.botMode = true
	s.write("MODE " + s.nick + " +" + mode)
}
