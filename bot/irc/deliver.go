package irc

import (
	"context"
	"fmt"
	"time"

	"stagebot"
	"stagebot/bot"
)

// joinWait is how long a delivery to a channel the bot is not in waits for the JOIN it
// sent to be answered: a server answers at once, in or refused.
const joinWait = 3 * time.Second

// Channels are the configured channels; each keeps its own place in the outbox.
func (a *Adapter) Channels() []string { return a.cfg.Channels }

// Deliver posts the announcement to channel and returns once the server has echoed each
// line back (echo-message), or once they were written when it cannot echo. A `requested`
// line's msgid is remembered, so reactions to it can be traced to the request.
func (a *Adapter) Deliver(ctx context.Context, channel string, ann stagebot.Event) error {
	s, err := a.session(ctx, 0)
	if err != nil {
		return err
	}
	if !s.inChannel(channel) {
		// Never joined (+i, +k, a ban) or kicked: asking again at each attempt lets the
		// backlog follow as soon as the channel lets the bot in, and the core's backoff
		// spaces the asks.
		s.write("JOIN " + channel)
		if !s.awaitJoined(ctx, channel, joinWait) {
			return fmt.Errorf("irc: not in %s (asked to join again)", channel)
		}
	}
	remember := ""
	if ann.AsksApproval {
		remember = ann.RequestID
	}
	if err := s.post(ctx, channel, bot.Line(a.team, ann, stagebot.NetworkIRC), remember); err != nil {
		return fmt.Errorf("irc %s: %w", channel, err)
	}
	return nil
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
