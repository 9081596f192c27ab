package snakefruit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultOpTimeout is Config.OpTimeout when zero.
const DefaultOpTimeout = 60 * time.Second

// conn is one connection of a transport, as connections manages it.
type conn interface {
	// alive is false once the connection has ended, whoever ended it.
	alive() bool
	// lost reports whether err, returned by an operation on this connection, says that the
	// connection failed rather than the operation.
	lost(err error) bool
	// close ends the connection: whatever still runs on it fails promptly.
	close()
}

// connections decides, for any transport, which connection an operation runs on and how
// long it may wait there:
//
//   - An operation has a connection to itself: an idle one if there is one, else one
//     dialled for it, so an operation the server stops answering holds up nobody else.
//     Only past maxLinks connections do operations share one (the least busy). A dial is
//     not cut short by the caller that started it giving up: an operation that comes
//     meanwhile takes it over, or it joins the idle ones.
//   - An operation that hears nothing from the server for timeout is abandoned: its caller
//     gets a ConnError at once and its connection is retired. A retired connection takes no
//     new operation; those still on it go on while they are answered, and it is closed
//     when the last of them has left. Time an operation spends on something other than the
//     server (reading its own source, see opRun.source) does not count.
//   - A caller whose context ends leaves its operation at once, and touches nothing else:
//     the connection and every other operation go on.
//   - An operation that finds its connection lost runs again, once, on another, unless the
//     connection was fresh: a restarted server costs no failed operation.
//   - At most maxIdle connections stay open with nothing to do.
type connections[C conn] struct {
	// dial opens a connection; the transport calls heard whenever the server answers on it.
	dial    func(ctx context.Context, heard func()) (C, error)
	timeout time.Duration
	clock   clock
	addr    string // the server's host:port, for ConnErrors
	// atomic transports (the memory one) run each operation whole, except where it waits on
	// purpose (opRun.wait): a caller leaves only there, so whether an operation took effect
	// never depends on which goroutine ran first.
	atomic bool

	mu      sync.Mutex
	links   []*link[C] // open, in the order they were dialled: the first idle one is reused
	dialing []*dialCall[C]
	closed  bool

	dials atomic.Int64 // connections made, for tests
}

// Bounds on the connections of one target: enough for every pre-upload and worker job
// that can run at once, few enough for any sshd's MaxStartups.
const (
	maxLinks = 8
	maxIdle  = 2
)

// link is one connection with what connections keeps about it.
type link[C conn] struct {
	c       C
	heard   atomic.Int64 // clock time (UnixNano) of the last answer from the server
	ops     int          // operations whose callers are still on it; under connections.mu
	retired bool         // takes no new operations; under connections.mu
}

// dialCall is a dial under way. owned says an operation waits for it; one that comes
// while nobody does takes it over.
type dialCall[C conn] struct {
	done  chan struct{}
	owned bool // under connections.mu
	l     *link[C]
	err   error
}

func newConnections[C conn](dial func(context.Context, func()) (C, error), timeout time.Duration, clk clock, addr string) *connections[C] {
	if timeout <= 0 {
		timeout = DefaultOpTimeout
	}
	return &connections[C]{dial: dial, timeout: timeout, clock: clk, addr: addr}
}

var errClosed = errors.New("snakefruit: target is closed")

// silenceError is why an operation was abandoned.
type silenceError struct{ after time.Duration }

func (e *silenceError) Error() string {
	return fmt.Sprintf("no answer from the server for %s: operation abandoned", e.after)
}

// Timeout marks it as a timeout for callers that ask (net.Error's convention).
func (e *silenceError) Timeout() bool { return true }

// run runs fn on a connection of cs, as connections describes. fn gets the operation (its
// context, which ends when the caller leaves or the operation is abandoned) and the
// connection; it must be repeatable, and must hand its results back only by returning
// them, since its caller may have left by the time it ends.
func run[C conn, T any](cs *connections[C], ctx context.Context, op string, fn func(*opRun, C) (T, error)) (T, error) {
	var zero T
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return zero, fmt.Errorf("%s: %w", op, err)
		}
		l, fresh, err := cs.acquire(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return zero, fmt.Errorf("%s: %w", op, ctx.Err())
			}
			return zero, err
		}
		v, how, err := runOn(cs, ctx, l, fn)
		switch {
		case how == abandoned:
			return zero, &ConnError{Op: op, Err: &silenceError{cs.timeout}, Addr: cs.addr}
		case how == left:
			return zero, fmt.Errorf("%s: %w", op, ctx.Err())
		case err == nil:
			return v, nil
		case !l.c.lost(err) && l.c.alive():
			return zero, err // the server's answer, not the connection's end
		}
		cs.discard(l)
		if fresh || attempt > 0 {
			return zero, &ConnError{Op: op, Err: err, Addr: cs.addr}
		}
	}
}

// acquire returns a connection for one operation, with the caller counted on it; fresh
// says it was dialled while the caller waited.
func (cs *connections[C]) acquire(ctx context.Context) (l *link[C], fresh bool, err error) {
	for {
		cs.mu.Lock()
		if cs.closed {
			cs.mu.Unlock()
			return nil, false, errClosed
		}
		dead := cs.dropDeadLocked()
		var d, busy *dialCall[C]
		switch {
		case cs.idleLocked() != nil:
			l = cs.idleLocked()
		case cs.unownedDialLocked() != nil:
			d = cs.unownedDialLocked()
		case cs.openLocked()+len(cs.dialing) < maxLinks:
			d = &dialCall[C]{done: make(chan struct{})}
			cs.dialing = append(cs.dialing, d)
			// Detached: should this caller give up, the dial goes on for the next one.
			go cs.runDial(context.WithoutCancel(ctx), d)
		case cs.leastBusyLocked() != nil:
			l = cs.leastBusyLocked()
		default:
			// Every connection allowed is being dialled for others (openLocked is 0, so
			// dialing is not empty): wait for one of them.
			busy = cs.dialing[0]
		}
		if d != nil {
			d.owned = true
		}
		if l != nil {
			l.ops++
		}
		cs.mu.Unlock()
		for _, x := range dead {
			x.c.close()
		}
		if l != nil {
			return l, false, nil
		}
		if busy != nil {
			select {
			case <-busy.done:
				continue
			case <-ctx.Done():
				return nil, false, ctx.Err()
			}
		}
		select {
		case <-d.done:
		case <-ctx.Done():
			cs.mu.Lock()
			handed := d.l != nil && d.owned
			d.owned = false
			cs.mu.Unlock()
			if handed {
				cs.release(d.l) // it came as the caller left: it is the next one's
			}
			return nil, false, ctx.Err()
		}
		if d.err != nil {
			return nil, false, d.err
		}
		return d.l, true, nil
	}
}

// idleLocked is the first open connection that carries nothing, or nil.
func (cs *connections[C]) idleLocked() *link[C] {
	for _, l := range cs.links {
		if !l.retired && l.ops == 0 && l.c.alive() {
			return l
		}
	}
	return nil
}

func (cs *connections[C]) unownedDialLocked() *dialCall[C] {
	for _, d := range cs.dialing {
		if !d.owned {
			return d
		}
	}
	return nil
}

// openLocked counts the connections that take operations: alive and not retired (a
// retired one only drains, and does not count against maxLinks).
func (cs *connections[C]) openLocked() int {
	n := 0
	for _, l := range cs.links {
		if !l.retired && l.c.alive() {
			n++
		}
	}
	return n
}

// leastBusyLocked is the open connection carrying the fewest operations, once every
// connection allowed is open: operations share one rather than wait for one. Nil when
// none is open and alive.
func (cs *connections[C]) leastBusyLocked() *link[C] {
	var best *link[C]
	for _, l := range cs.links {
		if !l.retired && l.c.alive() && (best == nil || l.ops < best.ops) {
			best = l
		}
	}
	return best
}

// dropDeadLocked retires the connections that ended; it returns those to close now.
func (cs *connections[C]) dropDeadLocked() []*link[C] {
	var out []*link[C]
	for _, l := range slices.Clone(cs.links) {
		if !l.c.alive() && cs.retireLocked(l) {
			out = append(out, l)
		}
	}
	return out
}

func (cs *connections[C]) runDial(ctx context.Context, d *dialCall[C]) {
	l := &link[C]{}
	c, err := cs.dial(ctx, func() { l.heard.Store(cs.clock.now().UnixNano()) })
	cs.mu.Lock()
	cs.dialing = slices.DeleteFunc(cs.dialing, func(x *dialCall[C]) bool { return x == d })
	var closeNow bool
	switch {
	case err != nil:
		d.err = err
	case cs.closed:
		d.err = errClosed
		closeNow = true
	default:
		l.c = c
		l.heard.Store(cs.clock.now().UnixNano())
		cs.dials.Add(1)
		cs.links = append(cs.links, l)
		d.l = l
		if d.owned {
			l.ops = 1 // the caller waiting for it
		}
	}
	cs.mu.Unlock()
	if closeNow {
		c.close()
	}
	close(d.done)
	if err == nil && !closeNow && !d.owned {
		cs.trimIdle()
	}
}

// release takes a caller off l, closing l if it was retired and this was its last, or if
// more connections than maxIdle now carry nothing.
func (cs *connections[C]) release(l *link[C]) {
	cs.mu.Lock()
	l.ops--
	last := l.retired && l.ops == 0 && slices.Contains(cs.links, l)
	if last {
		cs.links = slices.DeleteFunc(cs.links, func(x *link[C]) bool { return x == l })
	}
	cs.mu.Unlock()
	if last {
		l.c.close()
	}
	cs.trimIdle()
}

// trimIdle closes the idle connections beyond maxIdle, the newest first.
func (cs *connections[C]) trimIdle() {
	cs.mu.Lock()
	var idle, extra []*link[C]
	for _, l := range cs.links {
		if !l.retired && l.ops == 0 {
			idle = append(idle, l)
		}
	}
	if len(idle) > maxIdle {
		extra = idle[maxIdle:]
		for _, l := range extra {
			cs.retireLocked(l)
		}
	}
	cs.mu.Unlock()
	for _, l := range extra {
		l.c.close()
	}
}

// retire stops l taking new operations; it is closed once no caller is on it.
func (cs *connections[C]) retire(l *link[C]) {
	cs.mu.Lock()
	last := cs.retireLocked(l)
	cs.mu.Unlock()
	if last {
		l.c.close()
	}
}

// retireLocked retires l and says whether the caller must close it now.
func (cs *connections[C]) retireLocked(l *link[C]) bool {
	l.retired = true
	if l.ops == 0 && slices.Contains(cs.links, l) {
		cs.links = slices.DeleteFunc(cs.links, func(x *link[C]) bool { return x == l })
		return true
	}
	return false
}

// discard retires l and closes it at once: it was found lost.
func (cs *connections[C]) discard(l *link[C]) {
	cs.mu.Lock()
	cs.retireLocked(l)
	cs.links = slices.DeleteFunc(cs.links, func(x *link[C]) bool { return x == l })
	cs.mu.Unlock()
	l.c.close()
}

// Close closes every connection; operations still running fail, later ones get errClosed.
func (cs *connections[C]) Close() {
	cs.mu.Lock()
	cs.closed = true
	links := cs.links
	cs.links = nil
	cs.mu.Unlock()
	for _, l := range links {
		l.c.close()
	}
}

// outcome is how a caller came out of an operation.
type outcome int

const (
	finished  outcome = iota // the operation returned
	abandoned                // the server was silent for the timeout
	left                     // the caller's context ended
)

// runOn runs fn on l in its own goroutine and waits until it returns, is abandoned or the
// caller's context ends. A panic in fn is raised again in the caller.
func runOn[C conn, T any](cs *connections[C], ctx context.Context, l *link[C], fn func(*opRun, C) (T, error)) (T, outcome, error) {
	o := newOpRun(ctx, cs.timeout, cs.clock, cs.atomic, &l.heard, func() { cs.retire(l) })
	defer cs.release(l)
	var (
		v     T
		err   error
		paniv any
	)
	go func() {
		var (
			r T
			e error
			p any = errGoexit // unless fn returns or panics
		)
		defer func() {
			if rec := recover(); rec != nil {
				p = rec
			}
			o.finish(func() { v, err, paniv = r, e, p })
		}()
		r, e = fn(o, l.c)
		p = nil
	}()
	how := o.await(ctx)
	if how != finished {
		var zero T
		return zero, how, nil
	}
	if paniv != nil {
		panic(paniv)
	}
	return v, finished, err
}

// errGoexit stands for an operation whose goroutine exited without returning (a test
// helper's FailNow in a fault hook, say).
var errGoexit = errors.New("snakefruit: the operation's goroutine exited without returning")
