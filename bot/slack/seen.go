package slack

import "stagebot/internal/keyed"

// seen remembers the last n keys (event IDs, message timestamps) so that an envelope Slack
// delivers again acts once, without growing for ever.
type seen struct{ keys *keyed.Recent[struct{}] }

func newSeen(n int) *seen { return &seen{keys: keyed.NewRecent[struct{}](n)} }

// first reports whether key is new, and remembers it. An empty key is never a duplicate.
func (s *seen) first(key string) bool {
	return key == "" || s.keys.Add(key, struct{}{})
}
