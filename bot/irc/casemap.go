package irc

import (
	"strings"

	"gopkg.in/irc.v4"
)

// caseMapping is how the server decides that two nicks or two channel names are the
// same (ISUPPORT CASEMAPPING). The bot must agree with the server: a nick it folds
// differently is a stranger to it (its own echo, a KICK of the bot, a person's reply queue).
type caseMapping uint32

const (
	// mapRFC1459 is the zero value: what a server that names no mapping means, and what
	// InspIRCd and most networks use.
	mapRFC1459       caseMapping = iota
	mapASCII                     // only A-Z
	mapStrictRFC1459             // rfc1459 without ~ and ^
	mapRFC7613                   // PRECIS UsernameCaseMapped (Unicode)
)

// parseCaseMapping reads a CASEMAPPING value; ok is false for one the bot does not know.
func parseCaseMapping(v string) (m caseMapping, ok bool) {
	switch strings.ToLower(v) {
	case "rfc1459":
		return mapRFC1459, true
	case "ascii":
		return mapASCII, true
	case "strict-rfc1459":
		return mapStrictRFC1459, true
	case "rfc7613":
		return mapRFC7613, true
	}
	return mapRFC1459, false
}

func (m caseMapping) String() string {
	return [...]string{"rfc1459", "ascii", "strict-rfc1459", "rfc7613"}[m]
}

// fold maps s to the one spelling all its equals share under m.
func (m caseMapping) fold(s string) string {
	if m == mapRFC7613 {
		// Unicode lower case, without PRECIS's width mapping and normalisation (no
		// x/text here): a server using it has already refused nicks those would change,
		// so what reaches the bot differs only in case.
		return strings.ToLower(s)
	}
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'A' <= c && c <= 'Z':
			b[i] = c + 32
		case m == mapASCII:
		case c == '[':
			b[i] = '{'
		case c == ']':
			b[i] = '}'
		case c == '\\':
			b[i] = '|'
		case c == '~' && m == mapRFC1459:
			b[i] = '^'
		}
	}
	return string(b)
}

// isupportTokens reads the tokens of a 005 RPL_ISUPPORT line: the parameters between
// the nick and the closing human-readable text.
func isupportTokens(m *irc.Message) []string {
	if len(m.Params) < 2 {
		return nil
	}
	toks := m.Params[1:]
	if last := toks[len(toks)-1]; last == "" || strings.Contains(last, " ") {
		toks = toks[:len(toks)-1]
	}
	return toks
}

func (s *session) mapping() caseMapping { return caseMapping(s.casemap.Load()) }

// fold is the server's spelling-independent form of a nick or channel name: the key of
// queues and the session's maps.
func (s *session) fold(name string) string { return s.mapping().fold(name) }

func (s *session) sameNick(a, b string) bool {
	m := s.mapping()
	return m.fold(a) == m.fold(b)
}

// addressed prepares a line that may address the bot by name ("nick: status ID", "nick,
// !queue") for the command parser, which compares the name with the nick ignoring case
// alone: the server decides by its casemapping, where stage[bot] and STAGE{BOT} are one
// nick. A leading name the server takes for the bot's nick is written as the nick; when the
// parser would take the name for the nick but the server would not, no nick is offered, so
// the line counts only with the prefix. It returns the line and the nick to parse it with.
func (s *session) addressed(text, nick string) (string, string) {
	t := strings.TrimSpace(text)
	i := strings.IndexAny(t, ":,")
	if i <= 0 {
		return text, nick
	}
	switch name := t[:i]; {
	case name == nick:
	case s.sameNick(name, nick):
		return nick + t[i:], nick
	case strings.EqualFold(name, nick):
		return text, ""
	}
	return text, nick
}

// handleISupport takes what the bot uses from 005 RPL_ISUPPORT: the casemapping, the bot
// user mode and the longest user and host names.
func (s *session) handleISupport(m *irc.Message) {
	for _, tok := range isupportTokens(m) {
		name, value, _ := strings.Cut(tok, "=")
		switch name {
		case "CASEMAPPING":
			cm, ok := parseCaseMapping(value)
			if !ok {
				s.a.log.Warn("unknown CASEMAPPING; comparing names as rfc1459", "casemapping", value)
			}
			s.setCaseMapping(cm)
		case "-CASEMAPPING":
			s.setCaseMapping(mapRFC1459)
		case "BOT":
			s.setBotMode(value)
		case "USERLEN", "HOSTLEN":
			s.setHostLimit(name, value)
		}
	}
}

// setCaseMapping switches to cm, refolding what is already keyed by the old mapping. 005
// comes right after 001, before any JOIN answer, so there is usually nothing to refold;
// a server that changes its mind later must not leave the bot unable to find its own
// channels.
func (s *session) setCaseMapping(cm caseMapping) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mapping() == cm {
		return
	}
	s.casemap.Store(uint32(cm))
	joined, settled := map[string]string{}, map[string]bool{}
	for _, name := range s.joined {
		// From the configured name: the old key may have lost what tells names apart
		// under cm.
		joined[cm.fold(name)] = name
	}
	for k := range s.settled {
		settled[cm.fold(k)] = true
	}
	s.joined, s.settled = joined, settled
	s.accounts.reset()
	s.a.log.Info("server casemapping", "casemapping", cm.String())
}
