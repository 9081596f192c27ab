package bot

import (
	"log/slog"
	"sync"
	"time"
)

// maxLaneBacklog bounds what one lane may queue while its handler is busy: a flood
// must not grow memory without end.
const maxLaneBacklog = 1000

// laneIdle is how long a lane's goroutine waits for more work before it ends. Keeping it
// a while spares a conversation in progress a new goroutine per message, and the stack
// growth that goes with one (a command runs deep into storage), on every command.
const laneIdle = 10 * time.Second

// lanes runs incoming work off the adapters' read goroutines, one goroutine per key at a
// time, so each person's commands are handled in the order they came while people do not
// wait on each other.
type lanes struct {
	log     *slog.Logger
	mu      sync.Mutex
	m       map[laneKey]*lane
	closing int           // wait calls in progress: lanes end as soon as they run dry
	idle    time.Duration // laneIdle
	wg      sync.WaitGroup
}

// laneKey names a lane: a person (stagebot.Who, so a lane cannot be keyed by a nick: a new
// nick is no new lane, and a nick someone else held is no way into theirs), or the console,
// which is one script.
type laneKey string

type lane struct {
	q    []func()
	busy bool          // a piece of work taken off q is running
	wake chan struct{} // (buffered 1) work was queued, or wait wants idle lanes gone
}

func newLanes(log *slog.Logger) *lanes {
	return &lanes{log: log, m: map[laneKey]*lane{}, idle: laneIdle}
}

// do queues fn on key's lane.
func (l *lanes) do(key laneKey, fn func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ln, running := l.m[key]
	if !running {
		ln = &lane{wake: make(chan struct{}, 1)}
		l.m[key] = ln
	}
	if len(ln.q) >= maxLaneBacklog {
		l.log.Warn("dropped an incoming line: too much queued for this conversation", "lane", string(key))
		return
	}
	ln.q = append(ln.q, fn)
	if !running {
		l.wg.Add(1)
		go l.drain(key, ln)
		return
	}
	ln.nudge()
}

func (ln *lane) nudge() {
	select {
	case ln.wake <- struct{}{}:
	default:
	}
}

// drain runs key's work in order, then waits up to laneIdle for more before it ends. A
// lane leaves the map only under the lock and with nothing queued, so no work is lost
// between a lane deciding to end and do queueing on it.
func (l *lanes) drain(key laneKey, ln *lane) {
	defer l.wg.Done()
	var idle *time.Timer
	defer func() {
		if idle != nil {
			idle.Stop()
		}
	}()
	for {
		l.mu.Lock()
		if len(ln.q) == 0 {
			ln.q = nil
			if l.closing > 0 {
				delete(l.m, key)
				l.mu.Unlock()
				return
			}
			l.mu.Unlock()
			if idle == nil {
				idle = time.NewTimer(l.idle)
			} else {
				idle.Reset(l.idle)
			}
			select {
			case <-ln.wake:
				idle.Stop()
			case <-idle.C:
				l.mu.Lock()
				if len(ln.q) == 0 {
					delete(l.m, key)
					l.mu.Unlock()
					return
				}
				l.mu.Unlock()
			}
			continue
		}
		fn := ln.q[0]
		ln.q[0] = nil
		ln.q = ln.q[1:]
		ln.busy = true
		l.mu.Unlock()
		l.run(key, fn)
		l.mu.Lock()
		ln.busy = false
		l.mu.Unlock()
	}
}

// runIdle runs fn on the caller's goroutine, now, if key's lane has nothing queued or
// running, and reports whether it did. Order holds because the caller is the only one
// queueing work (the read loop): nothing can be queued for key before fn returns.
func (l *lanes) runIdle(key laneKey, fn func()) bool {
	l.mu.Lock()
	if ln := l.m[key]; ln != nil && (len(ln.q) > 0 || ln.busy) {
		l.mu.Unlock()
		return false
	}
	l.mu.Unlock()
	l.run(key, fn)
	return true
}

func (l *lanes) run(key laneKey, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			l.log.Error("handler panicked", "lane", string(key), "panic", r)
		}
	}()
	fn()
}

// wait returns when every queued piece of work has run; idle lanes end meanwhile (and
// lanes that run dry end instead of idling) so it does not wait out laneIdle.
func (l *lanes) wait() {
	l.mu.Lock()
	l.closing++
	for _, ln := range l.m {
		ln.nudge()
	}
	l.mu.Unlock()
	l.wg.Wait()
	l.mu.Lock()
	l.closing--
	l.mu.Unlock()
}
