package irc

import (
	"context"
	"errors"
	"slices"
	"time"

	"gopkg.in/irc.v4"
)

// post sends one announcement line to channel and waits for the server's echo of it: an
// echo proves the server took the line, where a successful write only proves the kernel
// did (a line written just before the server died would otherwise count as delivered and
// be lost). It returns the msgid the server gave the line, "" when the server echoes
// nothing or tags no msgid. requestID is the request the line asks approval for ("" for
// none), which a reaction to it decides on.
func (s *session) post(ctx context.Context, channel, text, requestID string) (msgid string, err error) {
	s.mu.Lock()
	echo, labeled := s.caps["echo-message"], s.caps["labeled-response"] && s.caps["message-tags"]
	s.mu.Unlock()
	line := "PRIVMSG " + channel + " :" + text
	var w *echoWait
	key := ""
	if echo {
		w = &echoWait{requestID: requestID, done: make(chan echoResult, 1)}
		s.mu.Lock()
		if labeled {
			key = newLabel()
			s.echoes[key] = w
			line = "@label=" + key + " " + line
		} else {
			key = echoKey(s.fold(channel), text)
			s.textEchoes[key] = append(s.textEchoes[key], w)
		}
		s.mu.Unlock()
	}
	if _, err := s.out.send(ctx, s.fold(channel), []string{line}); err != nil {
		s.dropEcho(key, w)
		return "", err
	}
	if w == nil {
		return "", nil
	}
	timeout := time.NewTimer(s.a.cfg.echoTimeout)
	defer timeout.Stop()
	select {
	case e := <-w.done:
		return e.msgid, e.err
	case <-timeout.C:
		s.dropEcho(key, w)
		return "", errors.New("irc: the server did not echo the announcement in time")
	case <-ctx.Done():
		s.dropEcho(key, w)
		return "", ctx.Err()
	}
}

// echoKey matches an echo to its line by text; folded is the target as the session folds it.
func echoKey(folded, text string) string { return folded + "\x00" + text }

// dropEcho forgets a wait that will not be answered.
func (s *session) dropEcho(key string, w *echoWait) {
	if w == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.echoes, key)
	ws := slices.DeleteFunc(s.textEchoes[key], func(x *echoWait) bool { return x == w })
	if len(ws) == 0 {
		delete(s.textEchoes, key)
	} else {
		s.textEchoes[key] = ws
	}
}

// echoed handles the bot's own line coming back: it completes the wait for it with its
// msgid, and remembers the line as the bot's (with the request it asks approval for).
// This runs on the read goroutine, before any later line (a reaction to this one) is
// handed to the core, so such a reaction finds its request even before the core has
// recorded the ref post returns.
func (s *session) echoed(m *irc.Message) {
	s.sawSelf(m.Prefix.String())
	var w *echoWait
	s.mu.Lock()
	if label := m.Tags["label"]; label != "" {
		w = s.echoes[label]
		delete(s.echoes, label)
	} else {
		key := echoKey(s.fold(m.Params[0]), m.Trailing())
		if ws := s.textEchoes[key]; len(ws) > 0 {
			w = ws[0]
			if len(ws) == 1 {
				delete(s.textEchoes, key)
			} else {
				s.textEchoes[key] = ws[1:]
			}
		}
	}
	s.mu.Unlock()
	msgid := m.Tags["msgid"]
	if w == nil {
		s.a.own.add(msgid, "")
		return
	}
	s.a.own.add(msgid, w.requestID)
	w.done <- echoResult{msgid: msgid}
}

// finishEcho fails the wait for a labeled line the server answered with something else.
func (s *session) finishEcho(label string, err error) {
	s.mu.Lock()
	w := s.echoes[label]
	delete(s.echoes, label)
	s.mu.Unlock()
	if w != nil {
		w.done <- echoResult{err: err}
	}
}
