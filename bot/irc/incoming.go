package irc

import (
	"strings"

	"gopkg.in/irc.v4"

	"stagebot"
	"stagebot/bot"
)

// handlePrivmsg turns a channel or private message into a command for the bot; the bot's
// own lines coming back (echo-message) are matched to the announcements waiting on them.
func (s *session) handlePrivmsg(m *irc.Message) {
	if len(m.Params) < 2 {
		return
	}
	if s.fromSelf(m) {
		s.echoed(m)
		return
	}
	if m.Prefix.User == "" || m.Prefix.Host == "" {
		return // a server or service line without a hostmask cannot be matched to anyone
	}
	text := m.Trailing()
	if strings.HasPrefix(text, "\x01") {
		return // CTCP (ACTION, VERSION...) is not a command
	}
	target := m.Params[0]
	replyTo := target
	if !isChannel(target) {
		replyTo = m.Prefix.Name
	}
	m = m.Copy()
	nick := s.currentNick()
	key := foldNick(replyTo)
	if s.quick(text, nick) && s.a.lanes.runIdle(key, func() {
		s.h.Message(s.ctx, bot.Message{Actor: s.identity(s.ctx, m), Text: text, BotNick: nick,
			Reply: s.quickReply("PRIVMSG", replyTo, key)})
	}) {
		return
	}
	s.a.lanes.do(key, func() {
		id := s.identity(s.ctx, m)
		s.h.Message(s.ctx, bot.Message{Actor: id, Text: text, BotNick: nick,
			Reply: s.a.reply(s.ctx, "PRIVMSG", replyTo)})
	})
}

// quick reports whether a line may be answered on the read loop: a read-only command, and
// an identity known without asking the server (WHOIS would wait on this very loop).
func (s *session) quick(text, nick string) bool {
	qa, ok := s.h.(bot.QuickAnswerer)
	return ok && s.caps2("account-tag") && qa.Quick(text, nick)
}

// quickReply answers on the read loop when the whole reply can be written now; what
// cannot (the rate limit is short, lines are queued, the connection failed) goes through
// the conversation's lane like any reply, so the read loop never waits on the sender.
func (s *session) quickReply(command, target, key string) func(string) error {
	return func(text string) error {
		if strings.TrimSpace(text) == "" {
			return nil
		}
		pieces := splitText(text, s.budget(command, target))
		lines := chatLines(command, target, pieces)
		sent := s.out.sendNow(lines)
		if sent == len(lines) {
			return nil
		}
		rest := pieces[sent:]
		s.a.lanes.do(key, func() {
			if err := s.a.sayPieces(s.ctx, command, target, "", rest); err != nil {
				s.a.log.Warn("reply failed", "target", target, "err", err)
			}
		})
		return nil
	}
}

// handleTagmsg turns a +draft/react on one of the bot's request lines into a decision.
func (s *session) handleTagmsg(m *irc.Message) {
	if s.fromSelf(m) || !isChannel(m.Param(0)) || m.Prefix.User == "" || m.Prefix.Host == "" {
		return
	}
	reply := m.Tags[tagReply]
	if reply == "" {
		return
	}
	reaction, removed := m.Tags[tagReact], false
	if reaction == "" {
		reaction, removed = m.Tags[tagUnreact], true
	}
	verb, ok := reactionVerb(reaction, removed)
	if !ok {
		return
	}
	channel, nick := m.Params[0], m.Prefix.Name
	m = m.Copy()
	s.a.lanes.do(foldNick(channel), func() {
		requestID := s.h.RequestFor(stagebot.NetworkIRC, reply)
		if requestID == "" {
			return // a reaction to some other line
		}
		s.h.Decide(s.ctx, bot.Decision{Actor: s.identity(s.ctx, m), RequestID: requestID, Verb: verb,
			Private: s.a.reply(s.ctx, "NOTICE", nick), Public: s.a.reply(s.ctx, "PRIVMSG", channel)})
	})
}
