package slack

import "sync"

// inflight tracks, per channel, the posts Slack may have taken whose message the adapter
// has not remembered yet: from the moment a chat.postMessage is sent until its ts is
// remembered (or the attempt failed). Someone quick may react on such a message before it
// is remembered; the reaction waits for that channel's posts in flight, never another
// channel's, and never for a post that is only waiting out a 429.
type inflight struct {
	mu sync.Mutex
	m  map[string]*flight
}

// flight is a channel's posts in flight; done is closed when the last one ends.
type flight struct {
	n    int
	done chan struct{}
}

func newInflight() *inflight { return &inflight{m: map[string]*flight{}} }

// begin records a post to ch going out; end records it answered and remembered, or failed.
func (f *inflight) begin(ch string) (end func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fl := f.m[ch]
	if fl == nil {
		fl = &flight{done: make(chan struct{})}
		f.m[ch] = fl
	}
	fl.n++
	var once sync.Once
	return func() {
		once.Do(func() {
			f.mu.Lock()
			defer f.mu.Unlock()
			if fl.n--; fl.n == 0 {
				close(fl.done)
				delete(f.m, ch)
			}
		})
	}
}

// settled is closed once the posts to ch in flight now have ended (at once when there are
// none).
func (f *inflight) settled(ch string) <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fl := f.m[ch]; fl != nil {
		return fl.done
	}
	return closed
}

var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()
