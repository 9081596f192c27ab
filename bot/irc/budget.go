package irc

import (
	"strconv"
	"strings"

	"stagebot/chat"
)

// maxLine is the IRC line limit in bytes, CRLF included (RFC 1459); message tags have a
// budget of their own.
const maxLine = 512

// The longest user and host parts of a hostmask where the server does not say
// (ISUPPORT USERLEN and HOSTLEN): InspIRCd's defaults, the largest common ones.
const (
	defaultUserLen = 10
	defaultHostLen = 64
)

// budget is the text that fits in one line to target once the server has put the bot's
// hostmask in front of it to relay it. Until the server has shown the hostmask (the bot's
// JOIN, the echo of its lines, 396) it counts the longest the hostmask could be, with
// room for the "~" some servers put before a user name they could not verify.
func (s *session) budget(command, target string) int {
	s.mu.Lock()
	mask := s.selfMask
	if mask == "" {
		mask = s.nick + "!" + strings.Repeat("u", s.userLen+1) + "@" + strings.Repeat("h", s.hostLen)
	}
	s.mu.Unlock()
	return chat.IRCBudget(mask, command, target)
}

// setHostLimit takes ISUPPORT USERLEN or HOSTLEN.
func (s *session) setHostLimit(name, value string) {
	n, err := strconv.Atoi(value)
	if err != nil || n <= 0 || n > maxLine {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if name == "USERLEN" {
		s.userLen = n
	} else {
		s.hostLen = n
	}
}

// sawSelf learns the bot's hostmask from a line the server relayed from it.
func (s *session) sawSelf(mask string) {
	if !strings.Contains(mask, "!") || !strings.Contains(mask, "@") {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.selfMask = mask
}

// hostChanged follows 396 RPL_VISIBLEHOST: the server shows the bot under another host
// (a cloak, a services vhost), or user@host, which changes what every line carries in
// front of it. Before the bot has seen its hostmask there is nothing to change: its
// JOIN shows it whole.
func (s *session) hostChanged(shown string) {
	if shown == "" || strings.ContainsAny(shown, " !") {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	nickUser, _, ok := strings.Cut(s.selfMask, "@")
	if !ok {
		return
	}
	if strings.Contains(shown, "@") {
		nick, _, _ := strings.Cut(nickUser, "!")
		s.selfMask = nick + "!" + shown
		return
	}
	s.selfMask = nickUser + "@" + shown
}
