package matrix

import "sync"

// inflight tracks, per room, the events being sent whose IDs the adapter has not remembered
// yet: someone quick may react on such an event (it reaches their client before the send's
// answer reaches the bot), and the reaction waits for that room's sends in flight, never
// another room's, and never for a send that is only waiting out a rate limit.
type inflight struct {
	mu sync.Mutex
	m  map[string]*flight
}

// flight is a room's sends in flight; done is closed when the last one ends.
type flight struct {
	n    int
	done chan struct{}
}

func newInflight() *inflight { return &inflight{m: map[string]*flight{}} }

// begin records a send to room going out; end records it answered and remembered, or
// failed.
func (f *inflight) begin(room string) (end func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fl := f.m[room]
	if fl == nil {
		fl = &flight{done: make(chan struct{})}
		f.m[room] = fl
	}
	fl.n++
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Lock()
			defer f.mu.Unlock()
			if fl.n--; fl.n == 0 {
				close(fl.done)
				delete(f.m, room)
			}
		})
	}
}

// settled is closed once the sends to room in flight now have ended (at once when there
// are none).
func (f *inflight) settled(room string) <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fl := f.m[room]; fl != nil {
		return fl.done
	}
	return closed
}

var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()
