package keyed

import (
	"context"
	"sync"
)

// Serial runs work one item at a time per key, each key on a goroutine of its own that ends
// when the key's queue is empty: one person's or one channel's items run in the order they
// came, while a slow item holds up no other key. Its lock guards only the queues: no item
// ever runs under it. The zero Serial is not ready: use NewSerial.
type Serial struct {
	mu     sync.Mutex
	queues map[string][]func()
	active int           // keys with a goroutine
	idle   chan struct{} // closed when active drops to 0
}

// NewSerial returns a Serial with nothing queued.
func NewSerial() *Serial { return &Serial{queues: map[string][]func(){}} }

// Do queues fn behind key's earlier items.
func (s *Serial) Do(key string, fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, running := s.queues[key]
	s.queues[key] = append(q, fn)
	if running {
		return
	}
	if s.active == 0 {
		s.idle = make(chan struct{})
	}
	s.active++
	go s.run(key)
}

// Await queues fn behind key's earlier items and returns its result, or ctx's error once
// ctx ends first (fn is then skipped if it has not started).
func (s *Serial) Await(ctx context.Context, key string, fn func() error) error {
	done := make(chan error, 1)
	s.Do(key, func() {
		if err := ctx.Err(); err != nil {
			done <- err
			return
		}
		done <- fn()
	})
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Serial) run(key string) {
	for {
		s.mu.Lock()
		q := s.queues[key]
		if len(q) == 0 {
			delete(s.queues, key)
			if s.active--; s.active == 0 {
				close(s.idle)
			}
			s.mu.Unlock()
			return
		}
		fn := q[0]
		q[0] = nil
		s.queues[key] = q[1:]
		s.mu.Unlock()
		fn()
	}
}

// Wait blocks until every queued item ran. Items queued meanwhile are waited for too.
func (s *Serial) Wait() {
	for {
		s.mu.Lock()
		if s.active == 0 {
			s.mu.Unlock()
			return
		}
		idle := s.idle
		s.mu.Unlock()
		<-idle
	}
}
