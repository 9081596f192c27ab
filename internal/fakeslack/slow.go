package fakeslack

import "net/http"

// holdKey names the calls a hold keeps waiting: a Web API method and the channel the call is
// about, "" matching any; answer tells a hold on the answer (HoldAnswers) from one on the
// call.
type holdKey struct {
	method, channel string
	answer          bool
}

func (k holdKey) matches(call holdKey) bool {
	return (k.method == "" || k.method == call.method) && (k.channel == "" || k.channel == call.channel) &&
		k.answer == call.answer
}

// hold is a set of calls kept waiting until release is closed.
type hold struct {
	release chan struct{}
	waiting int
}

// Hold keeps every Web API call to method about channel ("" matches any method, any
// channel) unanswered until release is called, as a Slack slow for one channel or one
// method: the call is handled only after the release, and not at all when its caller gave up
// first (as a timed-out client). A test asserts with Held that a call is waiting right now
// rather than guessing at latencies.
func (s *Server) Hold(method, channel string) (release func()) {
	return s.hold(holdKey{method: method, channel: channel})
}

// HoldAnswers is Hold for the answers: each call is handled at once (a post is in the
// channel, its events sent) but its caller hears nothing until release.
func (s *Server) HoldAnswers(method, channel string) (release func()) {
	return s.hold(holdKey{method: method, channel: channel, answer: true})
}

func (s *Server) hold(k holdKey) (release func()) {
	h := &hold{release: make(chan struct{})}
	s.mu.Lock()
	s.holds[k] = h
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.holds[k] == h {
			delete(s.holds, k)
			close(h.release)
			s.bump()
		}
	}
}

// Held counts the calls (or answers) waiting now in the holds made by Hold(method, channel)
// and HoldAnswers(method, channel).
func (v View) Held(method, channel string) int {
	n := 0
	for _, answer := range []bool{false, true} {
		if h := v.s.holds[holdKey{method: method, channel: channel, answer: answer}]; h != nil {
			n += h.waiting
		}
	}
	return n
}

// awaitHolds returns once no hold keeps call (r's) waiting; false when its caller went away
// or the server closed first, and the call must not be handled or answered.
func (s *Server) awaitHolds(r *http.Request, call holdKey) bool {
	for {
		s.mu.Lock()
		var h *hold
		for k, x := range s.holds {
			if k.matches(call) {
				h = x
				break
			}
		}
		if h == nil {
			s.mu.Unlock()
			return true
		}
		h.waiting++
		s.bump()
		s.mu.Unlock()
		ok := false
		select {
		case <-h.release:
			ok = true
		case <-r.Context().Done():
		case <-s.closed:
		}
		s.mu.Lock()
		h.waiting--
		s.bump()
		s.mu.Unlock()
		if !ok {
			return false
		}
	}
}

// RateLimit answers every write to channel (chat.postMessage, chat.update,
// chat.postEphemeral) with 429 and Retry-After: 1 until lift is called, as Slack does for a
// channel posted to faster than it allows; writes to other channels go through.
func (s *Server) RateLimit(channel string) (lift func()) {
	s.mu.Lock()
	s.limited[channel] = true
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.limited, channel)
		s.bump()
	}
}

// RateLimited counts the writes to channel that RateLimit answered with 429.
func (v View) RateLimited(channel string) int { return v.s.rateLimited[channel] }

// rateLimit answers 429 when channel is rate limited for writes; the caller holds mu.
func (s *Server) rateLimit(w http.ResponseWriter, method, channel string) bool {
	if !s.limited[channel] || !writes[method] {
		return false
	}
	s.rateLimited[channel]++
	w.Header().Set("Retry-After", "1")
	writeJSON(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"})
	return true
}
