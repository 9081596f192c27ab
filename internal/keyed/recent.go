package keyed

import "sync"

// Recent is a bounded map: the newest n keys, the oldest forgotten first. Adapters keep in
// one what they know of messages they saw or sent, which they may forget: the network or
// the outbox still knows.
type Recent[V any] struct {
	mu   sync.Mutex
	m    map[string]V
	ring []string
	next int
}

// NewRecent returns a Recent holding at most n keys (n > 0).
func NewRecent[V any](n int) *Recent[V] {
	return &Recent[V]{m: make(map[string]V, n), ring: make([]string, n)}
}

// Get returns key's value and whether it is known.
func (r *Recent[V]) Get(key string) (V, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.m[key]
	return v, ok
}

// Put sets key's value; a key already there keeps its place in the order of forgetting.
func (r *Recent[V]) Put(key string, v V) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.set(key, v)
}

// Add sets key's value unless it has one, and reports whether it did.
func (r *Recent[V]) Add(key string, v V) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.m[key]; ok {
		return false
	}
	r.set(key, v)
	return true
}

func (r *Recent[V]) set(key string, v V) {
	if _, ok := r.m[key]; !ok {
		if old := r.ring[r.next]; old != "" {
			delete(r.m, old)
		}
		r.ring[r.next] = key
		r.next = (r.next + 1) % len(r.ring)
	}
	r.m[key] = v
}
