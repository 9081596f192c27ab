package slack

import "sync"

// seen remembers the last n keys (event IDs, message timestamps) so that an envelope Slack
// delivers again acts once, without growing for ever.
type seen struct {
	mu   sync.Mutex
	keys map[string]struct{}
	ring []string
	next int
}

func newSeen(n int) *seen {
	return &seen{keys: make(map[string]struct{}, n), ring: make([]string, n)}
}

// first reports whether key is new, and remembers it. An empty key is never a duplicate.
func (s *seen) first(key string) bool {
	if key == "" {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[key]; ok {
		return false
	}
	if old := s.ring[s.next]; old != "" {
		delete(s.keys, old)
	}
	s.ring[s.next] = key
	s.keys[key] = struct{}{}
	s.next = (s.next + 1) % len(s.ring)
	return true
}
