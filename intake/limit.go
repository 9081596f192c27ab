package intake

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"

	"stagebot"
)

// DefaultMaxConcurrent is downloads.max_concurrent when the config says nothing.
const DefaultMaxConcurrent = 2

// limiter lets at most max downloads run at once, one per person, and serves the people
// waiting round robin: whoever got the last free slot goes to the back of the line, so one
// person's pile of downloads never makes another wait more than one of theirs. A person's
// own downloads run in the order they were asked for. Nobody is refused for waiting.
type limiter struct {
	mu      sync.Mutex
	max     int
	active  map[*ticket]bool
	busy    map[string]bool   // persons with a download under way
	waiting map[string]*queue // persons with downloads waiting, by person
	ring    []*queue          // the same, in the order they are served
}

// queue is one person's waiting downloads, oldest first.
type queue struct {
	who     string
	tickets []*ticket
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
	return &limiter{max: max, active: map[*ticket]bool{}, busy: map[string]bool{}, waiting: map[string]*queue{}}
}

// acquire waits for a turn. queued, if set, is told about how many downloads are ahead
// when the caller has to wait (the running ones and the waiters served first).
func (l *limiter) acquire(ctx context.Context, who string, queued func(ahead int)) (*ticket, error) {
	t := &ticket{who: who, ready: make(chan struct{})}
	l.mu.Lock()
	l.enqueue(t)
	l.dispatch()
	ahead := -1
	if !l.active[t] {
		ahead = l.aheadOf(t)
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
			l.dequeue(t)
		}
		return nil, ctx.Err()
	}
}

// enqueue puts t at the end of its person's queue; a person not yet waiting joins the
// back of the ring. Each anonymous ticket ("" person) is a person of its own. Called with mu.
func (l *limiter) enqueue(t *ticket) {
	q := l.waiting[t.who]
	if q == nil || t.who == "" {
		q = &queue{who: t.who}
		if t.who != "" {
			l.waiting[t.who] = q
		}
		l.ring = append(l.ring, q)
	}
	q.tickets = append(q.tickets, t)
}

// dequeue takes a waiting t out of line. Called with mu.
func (l *limiter) dequeue(t *ticket) {
	for i, q := range l.ring {
		for j, o := range q.tickets {
			if o != t {
				continue
			}
			q.tickets = append(q.tickets[:j], q.tickets[j+1:]...)
			if len(q.tickets) == 0 {
				l.leaveRing(i)
			}
			return
		}
	}
}

// leaveRing removes the ring's i-th queue, which has nothing left waiting. Called with mu.
func (l *limiter) leaveRing(i int) {
	q := l.ring[i]
	l.ring = append(l.ring[:i], l.ring[i+1:]...)
	if l.waiting[q.who] == q {
		delete(l.waiting, q.who)
	}
}

// aheadOf estimates how many downloads will start before t: the running ones, t's
// person's earlier ones, and from each other person waiting as many as one more than
// those (one per round). Called with mu.
func (l *limiter) aheadOf(t *ticket) int {
	var mine *queue
	k := 0
	for _, q := range l.ring {
		for j, o := range q.tickets {
			if o == t {
				mine, k = q, j
			}
		}
	}
	n := len(l.active) + k
	for _, q := range l.ring {
		if q != mine {
			n += min(len(q.tickets), k+1)
		}
	}
	return n
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

// dispatch starts waiters while there is room: the first person in the ring without a
// download under way gets the slot and moves to the back of the ring. A person skipped
// because busy keeps their place, and is served first once their download ends. Called
// with mu.
func (l *limiter) dispatch() {
	for len(l.active) < l.max {
		i := slices.IndexFunc(l.ring, func(q *queue) bool { return q.who == "" || !l.busy[q.who] })
		if i < 0 {
			return
		}
		q := l.ring[i]
		t := q.tickets[0]
		q.tickets[0] = nil
		q.tickets = q.tickets[1:]
		if len(q.tickets) == 0 {
			l.leaveRing(i)
		} else {
			l.ring = append(append(l.ring[:i], l.ring[i+1:]...), q)
		}
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
