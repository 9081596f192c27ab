package irc

import (
	"context"
	"strings"
	"time"
)

// whoisTimeout bounds the wait for a WHOIS answer; without one the sender counts as not
// logged in for that one command, and the next command asks again.
const whoisTimeout = 10 * time.Second

// whoisAccount finds the services account of nick (seen as mask) when the server does not
// tag messages with it: from the cache, else by WHOIS (330). The answer counts only if
// WHOIS describes the same hostmask, so a nick that changed hands in between gets nothing.
//
// A WHOIS that gets no answer (lag, or 263 RPL_TRYAGAIN when the server thinks we ask
// too often) is forgotten, never cached: the nick is not logged in for this command only.
// WHOIS lines go out under the connection's send limit, in turn with replies, so a burst
// of lookups cannot get the bot throttled or killed for flooding.
func (s *session) whoisAccount(ctx context.Context, nick, mask string) string {
	if acct, ok := s.accounts.get(nick, mask); ok {
		return acct
	}
	key := s.fold(nick)
	s.mu.Lock()
	w, asked := s.whois[key]
	if !asked {
		w = &whoisWait{done: make(chan struct{})}
		s.whois[key] = w
	}
	s.mu.Unlock()
	if !asked {
		go func() {
			// Off the caller: a WHOIS waiting for its turn to be written still counts
			// against the timeout below.
			if _, err := s.out.sendQueued(ctx, "w:"+key, []string{"WHOIS " + nick}); err != nil {
				s.whoisFail(key, w)
			}
		}()
	}
	t := time.NewTimer(s.a.cfg.whoisTimeout)
	defer t.Stop()
	select {
	case <-w.done:
	case <-t.C:
		s.a.log.Warn("no WHOIS answer; treating the sender as not logged in for now", "nick", nick)
		s.whoisFail(key, w)
		return ""
	case <-s.done:
		return ""
	case <-ctx.Done():
		return ""
	}
	s.mu.Lock()
	gotMask, acct, failed := w.mask, w.account, w.failed
	s.mu.Unlock()
	if failed || !strings.EqualFold(gotMask, mask) {
		return ""
	}
	s.accounts.set(nick, mask, acct)
	return acct
}

func (s *session) whoisUpdate(nick string, f func(*whoisWait)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w := s.whois[s.fold(nick)]; w != nil {
		f(w)
	}
}

func (s *session) whoisEnd(nick string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := s.fold(nick)
	if w := s.whois[key]; w != nil {
		delete(s.whois, key)
		close(w.done)
	}
}

// whoisFail ends the wait w (if it is still key's) without an answer, so the next
// command from that nick asks again.
func (s *session) whoisFail(key string, w *whoisWait) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.whois[key] != w {
		return
	}
	delete(s.whois, key)
	w.failed = true
	close(w.done)
}

// whoisRefused handles 263 RPL_TRYAGAIN for WHOIS. It does not say which WHOIS it
// refuses, so every one still waiting ends unanswered; each nick is asked again at its
// next command.
func (s *session) whoisRefused() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for key, w := range s.whois {
		delete(s.whois, key)
		w.failed = true
		close(w.done)
	}
}
