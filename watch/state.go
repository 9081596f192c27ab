package watch

// StateStore keeps a watcher's baselines across restarts (the workflow service does, in
// bbolt).
type StateStore interface {
	// WatcherState reads the baseline kept under key into v; found is false when there is
	// none yet.
	WatcherState(key string, v any) (found bool, err error)
	SetWatcherState(key string, v any) error
}
