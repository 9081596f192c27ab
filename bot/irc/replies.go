package irc

import (
	"context"
	"errors"
	"time"

	"stagebot"
	"stagebot/chat"
)

// replyPatience bounds how long a reply waits for a connection: one lost to a reconnect
// is sent on the next connection, but not after the asker has long given up.
const replyPatience = 2 * time.Minute

// destination is where a reply goes and whose turn it takes.
type destination struct {
	command string // PRIVMSG, or NOTICE for what is said to one person alone
	target  string // a channel, or a nick
	// addressee is the nick a reply in a channel names first ("nick: ..."); "" for none.
	addressee string
	// who is the person answered: the reply waits in their queue, served in turn with
	// everybody else's.
	who stagebot.Who
}

// speaker answers at d: each message is written by chat's guard for IRC and handed to
// the sender at once. It never waits for the rate limit or the connection, so the core
// may answer on the read loop; one person's replies still go out in the order they were
// given (their queue is first in, first out).
func (a *Adapter) speaker(ctx context.Context, d destination) func(chat.Message) error {
	return func(m chat.Message) error {
		a.reply(ctx, d, m)
		return nil
	}
}

// reply sends m to d, now when it can; otherwise a goroutine sees it out, or logs why
// it could not.
func (a *Adapter) reply(ctx context.Context, d destination, m chat.Message) {
	m = nicks(a.team, m)
	a.mu.Lock()
	s := a.sess
	a.mu.Unlock()
	if s == nil {
		go a.replyLater(ctx, d, m, nil, nil, nil)
		return
	}
	texts := s.replyTexts(d, m, a.cfg.Prefix)
	if len(texts) == 0 {
		return
	}
	b := s.out.submit(replyQueue(d.who), d.lines(texts))
	select {
	case err := <-b.done:
		if err == nil {
			return
		}
		b.done <- err // for replyLater's wait
	default:
	}
	go a.replyLater(ctx, d, m, s, b, texts)
}

// replyLater waits for the batch b of texts on s, and sends on the next connection what
// a lost one did not take (re-written for it when none went out: its budget may differ).
func (a *Adapter) replyLater(ctx context.Context, d destination, m chat.Message, s *session, b *batch, texts []string) {
	deadline := time.Now().Add(replyPatience)
	started := false
	for {
		if b != nil {
			sent, err := s.out.wait(ctx, b)
			if err == nil {
				return
			}
			started = started || sent > 0
			texts = texts[sent:]
			if !errors.Is(err, errGone) {
				a.log.Warn("reply not sent", "target", d.target, "err", err)
				return
			}
			// The adapter drops the dead session only once its reader notices; asking
			// before would hand it back.
			select {
			case <-s.done:
			case <-ctx.Done():
				return
			case <-time.After(time.Until(deadline)):
				a.log.Warn("reply not sent", "target", d.target, "err", err)
				return
			}
		}
		var err error
		if s, err = a.session(ctx, time.Until(deadline)); err != nil {
			a.log.Warn("reply not sent", "target", d.target, "err", err)
			return
		}
		if !started {
			texts = s.replyTexts(d, m, a.cfg.Prefix)
		}
		b = s.out.submit(replyQueue(d.who), d.lines(texts))
	}
}

// replyTexts is m as the texts of the lines to d, within what one line carries once the
// server has put the bot's hostmask in front.
func (s *session) replyTexts(d destination, m chat.Message, prefix string) []string {
	budget := s.budget(d.command, d.target)
	if d.addressee != "" {
		return chat.IRCReply(m, prefix, d.addressee, budget)
	}
	return chat.IRC(m, prefix, budget)
}

// lines are the protocol lines that carry texts to d.
func (d destination) lines(texts []string) []string {
	out := make([]string, len(texts))
	for i, t := range texts {
		out[i] = d.command + " " + d.target + " :" + t
	}
	return out
}
