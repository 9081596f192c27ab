package bot

// Memory is what one adapter remembers across restarts that no announcement records, kept in
// the bot's database beside the outbox: a network's read position (Matrix's /sync token), or
// which reaction was whose approval, so that one redacted after a restart still withdraws
// it. The keys are the adapter's own, and no other adapter sees them. Each call is one
// committed transaction: what Put returned from is on disk.
type Memory interface {
	// Get is the value kept under key, "" when there is none.
	Get(key string) (string, error)
	Put(key, value string) error
	// Delete forgets key; forgetting a key not kept is no error.
	Delete(key string) error
}
