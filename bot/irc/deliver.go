package irc

import (
	"context"
	"fmt"
	"time"

	"stagebot/bot"
	"stagebot/chat"
)

// joinWait is how long a delivery to a channel the bot is not in waits for the JOIN it
// sent to be answered: a server answers at once, in or refused.
const joinWait = 3 * time.Second

// Channels are the configured channels; each keeps its own place in the outbox.
func (a *Adapter) Channels() []string { return a.cfg.Channels }

// Send posts the announcement to channel as one line and returns once the server has
// echoed it back (echo-message), or once it was written when the server cannot echo. The
// ref is the msgid of a line that asks for approval (a reaction to it decides on its
// request), "" for any other line, or when the server tags none.
func (a *Adapter) Send(ctx context.Context, channel string, out bot.Outgoing) (ref string, err error) {
	s, err := a.session(ctx, 0)
	if err != nil {
		return "", err
	}
	if !s.inChannel(channel) {
		// Never joined (+i, +k, a ban) or kicked: asking again at each attempt lets the
		// backlog follow as soon as the channel lets the bot in, and the core's backoff
		// spaces the asks.
		s.write("JOIN " + channel)
		if !s.awaitJoined(ctx, channel, joinWait) {
			return "", fmt.Errorf("irc: not in %s (asked to join again)", channel)
		}
	}
	m := highlighted(a.team, out.Message)
	if m.Kind == chat.Reply {
		m.Kind = chat.Notice // what goes to a channel for everyone is one line
	}
	lines := chat.IRC(m, a.cfg.Prefix, s.budget("PRIVMSG", channel))
	if len(lines) == 0 {
		return "", nil // nothing to say: an empty PRIVMSG is an error
	}
	requestID := ""
	if m.AsksApproval {
		requestID = m.RequestID
	}
	msgid, err := s.post(ctx, channel, lines[0], requestID)
	if err != nil {
		return "", fmt.Errorf("irc %s: %w", channel, err)
	}
	if requestID == "" {
		return "", nil
	}
	return msgid, nil
}

func (s *session) inChannel(ch string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.joined[s.fold(ch)]
	return ok
}

// awaitJoined polls: the session has no event for a join, and a few looks over a few
// seconds, on a path taken at most once per backoff, cost nothing.
func (s *session) awaitJoined(ctx context.Context, ch string, wait time.Duration) bool {
	deadline := time.Now().Add(wait)
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for !s.inChannel(ch) {
		if time.Now().After(deadline) || s.isClosed() {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	return true
}
