package matrix

import (
	"context"
	"sync"
)

// serial runs work one item at a time per key, each key on a goroutine of its own that ends
// when the key's queue is empty. The adapter keys its writes by room (send.go), and by
// room the reactions, redactions and memberships it looks into before the core hears of
// them. Its lock guards only the queues: no item ever runs under it.
type serial struct {
	mu     sync.Mutex
	queues map[string][]func()
	active int           // keys with a goroutine
	idle   chan struct{} // closed when active drops to 0
}

func newSerial() *serial { return &serial{queues: map[string][]func(){}} }

// do queues fn behind key's earlier items.
func (s *serial) do(key string, fn func()) {
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

// await queues fn behind key's earlier items and returns its result, or ctx's error once
// ctx ends first (fn is then skipped if it has not started).
func (s *serial) await(ctx context.Context, key string, fn func() error) error {
	done := make(chan error, 1)
	s.do(key, func() {
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

func (s *serial) run(key string) {
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

// wait blocks until every queued item ran. Items queued meanwhile are waited for too.
func (s *serial) wait() {
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
