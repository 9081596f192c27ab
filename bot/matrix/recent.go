package matrix

import "sync"

// recent is a bounded map of the last n keys set: what the adapter knows of events it saw
// or sent, which it may forget (the outbox and the homeserver still know).
type recent struct {
	mu   sync.Mutex
	n    int
	m    map[string]string
	ring []string
	next int
}

func newRecent(n int) *recent {
	return &recent{n: n, m: make(map[string]string, n), ring: make([]string, n)}
}

func (r *recent) set(key, value string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.m[key]; !ok {
		if old := r.ring[r.next]; old != "" {
			delete(r.m, old)
		}
		r.ring[r.next] = key
		r.next = (r.next + 1) % r.n
	}
	r.m[key] = value
}

func (r *recent) get(key string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.m[key]
	return v, ok
}
