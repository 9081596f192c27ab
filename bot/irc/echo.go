package irc

import (
	"context"
	"errors"
	"time"

	"gopkg.in/irc.v4"

	"stagebot"
)

// post sends an announcement to one channel and waits for the server's echo of each
// line: an echo proves the server took the line, where a successful write only proves
// the kernel did (a line written just before the server died would otherwise count as
// delivered and be lost). requestID != "" remembers the echoed msgids for reactions.
func (s *session) post(ctx context.Context, channel, text, requestID string) error {
	pieces := splitText(text, s.budget("PRIVMSG", channel))
	s.mu.Lock()
	echo, labeled := s.caps["echo-message"], s.caps["labeled-response"] && s.caps["message-tags"]
	s.mu.Unlock()
	lines := make([]string, len(pieces))
	waits := make([]*echoWait, 0, len(pieces))
	var keys []string
	for i, p := range pieces {
		lines[i] = "PRIVMSG " + channel + " :" + p
		if !echo {
			continue
		}
		w := &echoWait{requestID: requestID, done: make(chan error, 1)}
		waits = append(waits, w)
		s.mu.Lock()
		if labeled {
			label := newLabel()
			s.echoes[label] = w
			keys = append(keys, label)
			lines[i] = "@label=" + label + " " + lines[i]
		} else {
			key := echoKey(s.fold(channel), p)
			s.textEchoes[key] = append(s.textEchoes[key], w)
			keys = append(keys, key)
		}
		s.mu.Unlock()
	}
	if _, err := s.out.send(ctx, s.fold(channel), lines); err != nil {
		s.dropEchoes(keys, waits)
		return err
	}
	timeout := time.NewTimer(s.a.cfg.EchoTimeout)
	defer timeout.Stop()
	for _, w := range waits {
		select {
		case err := <-w.done:
			if err != nil {
				s.dropEchoes(keys, waits)
				return err
			}
		case <-timeout.C:
			s.dropEchoes(keys, waits)
			return errors.New("irc: the server did not echo the announcement in time")
		case <-ctx.Done():
			s.dropEchoes(keys, waits)
			return ctx.Err()
		}
	}
	return nil
}

// echoKey matches an echo to its line by text; folded is the target as the session folds it.
func echoKey(folded, text string) string { return folded + "\x00" + text }

// dropEchoes forgets waits that will not be answered.
func (s *session) dropEchoes(keys []string, waits []*echoWait) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		delete(s.echoes, k)
		ws := s.textEchoes[k]
		ws = slicesDeleteFunc(ws, waits)
		if len(ws) == 0 {
			delete(s.textEchoes, k)
		} else {
			s.textEchoes[k] = ws
		}
	}
}

func slicesDeleteFunc(ws, drop []*echoWait) []*echoWait {
	out := ws[:0]
	for _, w := range ws {
		keep := true
		for _, d := range drop {
			if w == d {
				keep = false
			}
		}
		if keep {
			out = append(out, w)
		}
	}
	return out
}

// echoed handles our own line coming back: it completes the wait for it and, for a
// request line, remembers its msgid. This runs on the read goroutine, before any later
// line (a reaction to this one) is handed to a lane, so the msgid is known in time.
func (s *session) echoed(m *irc.Message) {
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
	if w == nil {
		return
	}
	if msgid := m.Tags["msgid"]; w.requestID != "" && msgid != "" && s.h != nil {
		s.h.Remember(stagebot.NetworkIRC, msgid, w.requestID)
	}
	w.done <- nil
}

// finishEcho fails the wait for a labeled line the server answered with something else.
func (s *session) finishEcho(label string, err error) {
	s.mu.Lock()
	w := s.echoes[label]
	delete(s.echoes, label)
	s.mu.Unlock()
	if w != nil {
		w.done <- err
	}
}
