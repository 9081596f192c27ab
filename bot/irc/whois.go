package irc

import (
	"context"
	"strings"
	"time"
)

// whoisTimeout bounds the wait for a WHOIS answer; without one the sender counts as not
// logged in.
const whoisTimeout = 10 * time.Second

// whoisAccount finds the services account of nick (seen as mask) when the server does not
// tag messages with it: from the cache, else by WHOIS (330). The answer counts only if
// WHOIS describes the same hostmask, so a nick that changed hands in between gets nothing.
func (s *session) whoisAccount(ctx context.Context, nick, mask string) string {
	if acct, ok := s.accounts.get(nick, mask); ok {
		return acct
	}
	key := foldNick(nick)
	s.mu.Lock()
	w, asked := s.whois[key]
	if !asked {
		w = &whoisWait{done: make(chan struct{})}
		s.whois[key] = w
	}
	s.mu.Unlock()
	if !asked {
		s.write("WHOIS " + nick)
	}
	t := time.NewTimer(whoisTimeout)
	defer t.Stop()
	select {
	case <-w.done:
	case <-t.C:
		s.a.log.Warn("no WHOIS answer; treating the sender as not logged in", "nick", nick)
		return ""
	case <-s.done:
		return ""
	case <-ctx.Done():
		return ""
	}
	s.mu.Lock()
	gotMask, acct := w.mask, w.account
	s.mu.Unlock()
	if !strings.EqualFold(gotMask, mask) {
		return ""
	}
	s.accounts.set(nick, mask, acct)
	return acct
}

func (s *session) whoisUpdate(nick string, f func(*whoisWait)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w := s.whois[foldNick(nick)]; w != nil {
		f(w)
	}
}

func (s *session) whoisEnd(nick string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := foldNick(nick)
	if w := s.whois[key]; w != nil {
		delete(s.whois, key)
		close(w.done)
	}
}
