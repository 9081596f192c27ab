package intake

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"

	"stagebot"
)

// DefaultMaxConcurrent is downloads.max_concurrent when the config says nothing.
const DefaultMaxConcurrent = 2

// limiter lets at most max downloads run at once, one per person, in the order they were
// asked for: a person's second download waits for their first without holding up anyone
// behind it. Nobody is refused for waiting.
type limiter struct {
	mu     sync.Mutex
	max    int
	active map[*ticket]bool
	busy   map[string]bool // persons with a download under way
	queue  []*ticket
}

type ticket struct {
	who   string
	ready chan struct{}
	// written counts the bytes stored so far, so that the room check of a download that
	// starts knows how much its running neighbours may still write.
	written atomic.Int64
}

// limit is the fetcher's limiter, made on first use from MaxConcurrent.
func (f *Fetcher) limit() *limiter {
	f.limOnce.Do(func() { f.lim = newLimiter(f.MaxConcurrent) })
	return f.lim
}

func newLimiter(max int) *limiter {
	if max <= 0 {
		max = DefaultMaxConcurrent
	}
	return &limiter{max: max, active: map[*ticket]bool{}, busy: map[string]bool{}}
}

// acquire waits for a turn. queued, if set, is told how many downloads are ahead when the
// caller has to wait (running ones and earlier waiters).
func (l *limiter) acquire(ctx context.Context, who string, queued func(ahead int)) (*ticket, error) {
	t := &ticket{who: who, ready: make(chan struct{})}
	l.mu.Lock()
	l.queue = append(l.queue, t)
	l.dispatch()
	ahead := -1
	if !l.active[t] {
		ahead = len(l.active) + len(l.queue) - 1
	}
	l.mu.Unlock()
	if ahead < 0 {
		return t, nil
	}
	if queued != nil {
		queued(ahead)
	}
	select {
	case <-t.ready:
		return t, nil
	case <-ctx.Done():
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.active[t] {
			l.releaseLocked(t)
		} else {
			for i, q := range l.queue {
				if q == t {
					l.queue = append(l.queue[:i], l.queue[i+1:]...)
					break
				}
			}
		}
		return nil, ctx.Err()
	}
}

func (l *limiter) release(t *ticket) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.releaseLocked(t)
}

func (l *limiter) releaseLocked(t *ticket) {
	delete(l.active, t)
	if t.who != "" {
		delete(l.busy, t.who)
	}
	l.dispatch()
}

// dispatch starts waiters, first come first served, while there is room. Called with mu.
func (l *limiter) dispatch() {
	for i := 0; i < len(l.queue) && len(l.active) < l.max; {
		t := l.queue[i]
		if t.who != "" && l.busy[t.who] {
			i++
			continue
		}
		l.queue = append(l.queue[:i], l.queue[i+1:]...)
		l.active[t] = true
		if t.who != "" {
			l.busy[t.who] = true
		}
		close(t.ready)
	}
}

// othersMayWrite is how many bytes the other running downloads may still store, each up
// to maxBytes.
func (l *limiter) othersMayWrite(t *ticket, maxBytes int64) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var n int64
	for o := range l.active {
		if o != t {
			n += max(maxBytes-o.written.Load(), 0)
		}
	}
	return n
}

func othersNote(others int64) string {
	if others <= 0 {
		return ""
	}
	return fmt.Sprintf(" besides up to %d MiB for the downloads under way", others>>20)
}

// statfsFree is the space an unprivileged process may still use on dir's file system.
func statfsFree(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// checkRoom refuses a download the downloads folder has no room for: downloads.max_bytes
// for this one, plus what the running ones may still write. Refusing at the start beats a
// download that fills the disk under the bot's own database.
func (f *Fetcher) checkRoom(t *ticket) error {
	if f.MaxBytes <= 0 {
		return nil
	}
	free := f.FreeSpace
	if free == nil {
		free = statfsFree
	}
	avail, err := free(f.Dir)
	if err != nil {
		return err
	}
	need := f.MaxBytes
	if t != nil {
		need += f.limit().othersMayWrite(t, f.MaxBytes)
	}
	if avail < uint64(need) {
		return stagebot.Errorf(stagebot.EINTERNAL, "no room for a download: the bot's state_dir has %d MiB free, and a click may take up to %d MiB (downloads.max_bytes)%s; the landing team must free space there",
			avail>>20, f.MaxBytes>>20, othersNote(need-f.MaxBytes))
	}
	return nil
}
