package irc

import (
	"strings"

	"gopkg.in/irc.v4"

	"stagebot"
	"stagebot/bot"
	"stagebot/bot/floodgate"
)

// handlePrivmsg turns a channel or private message into a command for the bot; the bot's
// own lines coming back (echo-message) are matched to the announcements waiting on them.
//
// Each person's commands run in order on that person's lane, so one person's slow work
// (a !stage downloading) holds up nobody else, while their own later replies still come
// after it. A person is their stagebot.Who as far as the session knows it (knownIdentity),
// never their nick: a new nick is no new lane or limit, and a nick someone else held
// leads into nothing of theirs. A line that is no command costs nothing; a command past the person's limit
// is refused before anything is looked up about its sender (WHOIS included); a read-only
// command is answered without asking the server who sent it.
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
	nick := s.currentNick()
	target := m.Params[0]
	text, botNick := s.addressed(text, nick)
	command, readOnly := s.classify(text, botNick)
	if !command && !isChannel(target) {
		// A query is said to the bot already, so the prefix is optional there (contract
		// section 3); read as addressed by nick, it goes through the one parser.
		addressed := nick + ": " + text
		if command, readOnly = s.classify(addressed, nick); command {
			text, botNick = addressed, nick
		}
	}
	if !command {
		return
	}
	replyTo := target
	if !isChannel(target) {
		replyTo = m.Prefix.Name
	}
	asker := m.Prefix.Name
	known := s.knownIdentity(m)
	who := known.Who()
	if !s.admit(who, asker, "PRIVMSG", replyTo) {
		return
	}
	m = m.Copy()
	lane := commandLane(who)
	if readOnly {
		run := func(reply func(string) error) func() {
			return func() {
				s.h.Message(s.ctx, bot.Message{Actor: known, Text: text, BotNick: botNick, Reply: reply})
			}
		}
		if s.a.lanes.runIdle(lane, run(s.quickReply("PRIVMSG", replyTo, asker, who))) {
			return
		}
		s.a.lanes.do(lane, run(s.a.answer(s.ctx, "PRIVMSG", replyTo, asker, who)))
		return
	}
	s.a.lanes.do(lane, func() {
		id := s.identity(s.ctx, m)
		// Only the channels hear announcements: a !stage asked in a query keeps its reply.
		s.h.Message(s.ctx, bot.Message{Actor: id, Text: text, BotNick: botNick, AnnouncedHere: isChannel(target),
			Reply: s.a.answer(s.ctx, "PRIVMSG", replyTo, asker, who)})
	})
}

// classify reports whether text is a command and whether it only reads. A handler that
// cannot tell gets every line, as a command that changes things.
func (s *session) classify(text, nick string) (command, readOnly bool) {
	if c, ok := s.h.(bot.CommandClassifier); ok {
		return c.Classify(text, nick)
	}
	return true, false
}

// admit applies the per-person command limit to who, asking as nick: the first command
// over it gets one "slow down" (by command, to replyTo), the rest of the burst nothing.
func (s *session) admit(who stagebot.Who, nick, command, replyTo string) bool {
	switch s.a.gate.Check(who) {
	case floodgate.Allow:
		return true
	case floodgate.Warn:
		s.a.log.Info("command limit reached; dropping the rest of the burst", "person", string(who), "nick", nick)
		text := "slow down: " + s.a.cfg.limitText() + "; commands over that are ignored"
		// On the person's lane, behind the answers to their earlier commands (it reads as
		// the last word of the burst), and off the read loop; at most one per burst.
		s.a.lanes.do(commandLane(who), func() {
			if err := s.a.say(s.ctx, command, replyTo, who, addressee(replyTo, nick), text); err != nil {
				s.a.log.Warn("reply failed", "target", replyTo, "err", err)
			}
		})
	}
	return false
}

// knownIdentity is who sent m as far as the session knows without asking the server:
// the account-tag, else an account learned earlier for this very hostmask. It is what
// the read loop keys the sender by (limit, lane, reply queue), before any WHOIS.
func (s *session) knownIdentity(m *irc.Message) stagebot.Identity {
	id := stagebot.Identity{Network: stagebot.NetworkIRC, ID: m.Prefix.String(), Name: m.Prefix.Name}
	if s.caps2("account-tag") {
		id.Account = m.Tags["account"]
		return id
	}
	id.Account, _ = s.accounts.get(m.Prefix.Name, id.ID)
	return id
}

// quickReply answers on the read loop when the whole reply can be written now; what
// cannot (the rate limit is short, lines are queued, the connection failed) goes through
// the person's lane like any reply, so the read loop never waits on the sender.
func (s *session) quickReply(command, target, nick string, who stagebot.Who) func(string) error {
	return func(text string) error {
		if strings.TrimSpace(text) == "" {
			return nil
		}
		pieces := addressedPieces(text, s.budget(command, target), addressee(target, nick))
		lines := chatLines(command, target, pieces)
		sent := s.out.sendNow(lines)
		if sent == len(lines) {
			return nil
		}
		rest := pieces[sent:]
		s.a.lanes.do(commandLane(who), func() {
			if err := s.a.sayPieces(s.ctx, command, target, who, "", "", rest); err != nil {
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
	who := s.knownIdentity(m).Who()
	if !s.admit(who, nick, "NOTICE", nick) {
		return
	}
	m = m.Copy()
	s.a.lanes.do(reactionLane(who), func() {
		requestID := s.h.RequestFor(stagebot.NetworkIRC, reply)
		if requestID == "" {
			return // a reaction to some other line
		}
		s.h.Decide(s.ctx, bot.Decision{Actor: s.identity(s.ctx, m), RequestID: requestID, Verb: verb,
			Private: s.a.answer(s.ctx, "NOTICE", nick, nick, who), Public: s.a.public(s.ctx, "PRIVMSG", channel, who)})
	})
}
