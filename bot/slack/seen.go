package slack

// seen remembers the last n keys (event IDs, message timestamps) so that an envelope Slack
// delivers again acts once, without growing for ever.
type seen struct{ keys *recall[struct{}] }

func newSeen(n int) *seen { return &seen{keys: newRecall[struct{}](n)} }

// first reports whether key is new, and remembers it. An empty key is never a duplicate.
func (s *seen) first(key string) bool {
	return key == "" || s.keys.add(key, struct{}{})
}
