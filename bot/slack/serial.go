package slack

import "sync"

// serial runs work one item at a time per key (a Slack user): one person's reaction added
// then removed is handled in that order, while a long download for one person does not
// hold up everyone else.
type serial struct {
	mu     sync.Mutex
	queues map[string][]func()
	wg     sync.WaitGroup
}

func newSerial() *serial { return &serial{queues: map[string][]func(){}} }

func (s *serial) do(key string, fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, running := s.queues[key]
	s.queues[key] = append(q, fn)
	if running {
		return
	}
	s.wg.Add(1)
	go s.run(key)
}

func (s *serial) run(key string) {
	defer s.wg.Done()
	for {
		s.mu.Lock()
		q := s.queues[key]
		if len(q) == 0 {
			delete(s.queues, key)
			s.mu.Unlock()
			return
		}
		fn := q[0]
		s.queues[key] = q[1:]
		s.mu.Unlock()
		fn()
	}
}

// wait blocks until every queued item ran.
func (s *serial) wait() { s.wg.Wait() }
