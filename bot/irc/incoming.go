package irc

import (
	"context"
	"strings"

	"gopkg.in/irc.v4"

	"stagebot"
	"stagebot/bot"
)

// handlePrivmsg hands a channel or private message to the core, which tells commands from
// chatter, keeps each person's commands in order and their limit; the bot's own lines
// coming back (echo-message) are matched to the announcements waiting on them.
//
// The author is who the session knows without asking the server (knownIdentity), never
// a nick: a new nick is no new lane or limit, and a nick someone else held leads into
// nothing of theirs. What the server has not told yet (an account without account-tag)
// the core asks for through Resolve, a WHOIS, only for a command that changes something:
// chatter and read-only commands cost the server nothing.
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
	target, asker := m.Params[0], m.Prefix.Name
	text, botNick := s.addressed(text, s.currentNick())
	known := s.knownIdentity(m)
	in := bot.Inbound{Author: known, Resolve: s.resolver(m), Text: text, BotNick: botNick,
		Private: s.a.speaker(s.ctx, destination{command: "NOTICE", target: asker, who: known.Who()})}
	if isChannel(target) {
		in.Reply = s.a.speaker(s.ctx, destination{command: "PRIVMSG", target: target, addressee: asker, who: known.Who()})
		// Only the configured channels hear announcements.
		_, in.AnnouncedHere = s.configured(target)
	} else {
		in.Direct = true
		in.Reply = s.a.speaker(s.ctx, destination{command: "PRIVMSG", target: asker, who: known.Who()})
	}
	s.in.Message(s.ctx, in)
}

// knownIdentity is who sent m as far as the session knows without asking the server:
// the account-tag, else an account learned earlier for this very hostmask.
func (s *session) knownIdentity(m *irc.Message) stagebot.Identity {
	id := stagebot.Identity{Network: stagebot.NetworkIRC, ID: m.Prefix.String(), Name: m.Prefix.Name}
	if s.caps2("account-tag") {
		id.Account = m.Tags["account"]
		return id
	}
	id.Account, _ = s.accounts.get(m.Prefix.Name, id.ID)
	return id
}

// resolver is Inbound.Resolve for the sender of m: who they are with the account the
// server vouches for.
func (s *session) resolver(m *irc.Message) func(context.Context) stagebot.Identity {
	m = m.Copy()
	return func(ctx context.Context) stagebot.Identity { return s.identity(ctx, m) }
}

// handleTagmsg hands a +draft/react to the core as a decision on the line it names: the
// request that line asks approval for when the bot knows it (ownLines), else the core
// finds it by the line's ref (a line from before a restart). A reaction may name any line
// in the channel: only on a line the bot knows as its own may the core answer the person,
// saying why it does nothing; on a request's line from before a restart a refused
// reaction is refused silently.
func (s *session) handleTagmsg(m *irc.Message) {
	if s.fromSelf(m) || !isChannel(m.Param(0)) || m.Prefix.User == "" || m.Prefix.Host == "" {
		return
	}
	ref := m.Tags[tagReply]
	if ref == "" {
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
	known := s.knownIdentity(m)
	d := bot.Decision{Author: known, Resolve: s.resolver(m), Ref: ref, Verb: verb,
		// An outcome no announcement told is the channel's.
		Public: s.a.speaker(s.ctx, destination{command: "PRIVMSG", target: channel, who: known.Who()})}
	if requestID, own := s.a.own.get(ref); own {
		d.RequestID = requestID
		// A refusal is the reactor's business alone.
		d.Private = s.a.speaker(s.ctx, destination{command: "NOTICE", target: nick, who: known.Who()})
	}
	s.in.Decision(s.ctx, d)
}
