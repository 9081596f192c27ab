package keyed

import "sync"

// InFlight tracks, per key (a channel, a room), the posts the network may have taken
// whose message the adapter has not remembered yet: from the moment one is sent until its
// ID is remembered (or the attempt failed). Someone quick may react on such a message
// before it is remembered; the reaction waits for that key's posts in flight, never
// another key's, and never for a post that is only waiting out a rate limit (the adapter
// begins one only once it is sent).
type InFlight struct {
	mu sync.Mutex
	m  map[string]*flight
}

// flight is a key's posts in flight; done is closed when the last one ends.
type flight struct {
	n    int
	done chan struct{}
}

// NewInFlight returns an InFlight with nothing in flight.
func NewInFlight() *InFlight { return &InFlight{m: map[string]*flight{}} }

// Begin records a post to key going out; end records it answered and remembered, or
// failed. Calling end more than once counts once.
func (f *InFlight) Begin(key string) (end func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fl := f.m[key]
	if fl == nil {
		fl = &flight{done: make(chan struct{})}
		f.m[key] = fl
	}
	fl.n++
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Lock()
			defer f.mu.Unlock()
			if fl.n--; fl.n == 0 {
				close(fl.done)
				delete(f.m, key)
			}
		})
	}
}

// Settled is closed once the posts to key in flight now have ended (at once when there
// are none).
func (f *InFlight) Settled(key string) <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fl := f.m[key]; fl != nil {
		return fl.done
	}
	return closed
}

var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()
