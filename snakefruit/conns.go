package snakefruit

import (
	"context"
	"errors"
	"fmt"
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
//   - One connection at a time takes new operations. It is dialled on first use, and again
//     once it has ended or been retired. A dial is shared by every operation waiting for
//     it and is not cut short by any one of them giving up.
//   - An operation that hears nothing from the server for timeout is abandoned: its caller
//     gets a ConnError at once and its connection is retired. A retired connection takes no
//     new operation; those still on it go on while they are answered, and it is closed
//     when the last of them has left. Time an operation spends on something other than the
//     server (reading its own source, see opRun.source) does not count.
//   - A caller whose context ends leaves its operation at once, and touches nothing else:
//     the connection and every other operation on it go on.
//   - An operation that finds the connection lost runs again, once, on a new one, unless the
//     connection was fresh: a restarted server costs no failed operation.
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
	cur     *link[C]
	dialing *dialCall[C]
	links   map[*link[C]]bool // cur and the retired links not closed yet
	closed  bool

	dials atomic.Int64 // connections made, for tests
}

// link is one connection with what connections keeps about it.
type link[C conn] struct {
	c       C
	heard   atomic.Int64 // clock time (UnixNano) of the last answer from the server
	ops     int          // operations whose callers are still on it; under connections.mu
	retired bool         // takes no new operations; under connections.mu
}

type dialCall[C conn] struct {
	done chan struct{}
	err  error
}

func newConnections[C conn](dial func(context.Context, func()) (C, error), timeout time.Duration, clk clock, addr string) *connections[C] {
	if timeout <= 0 {
		timeout = DefaultOpTimeout
	}
	return &connections[C]{dial: dial, timeout: timeout, clock: clk, addr: addr, links: map[*link[C]]bool{}}
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

// acquire returns the connection taking operations, dialling one if needed, with the
// caller counted on it; fresh says it was dialled while the caller waited.
func (cs *connections[C]) acquire(ctx context.Context) (l *link[C], fresh bool, err error) {
	for {
		cs.mu.Lock()
		if cs.closed {
			cs.mu.Unlock()
			return nil, false, errClosed
		}
		var dead *link[C]
		if l := cs.cur; l != nil {
			if l.c.alive() {
				l.ops++
				cs.mu.Unlock()
				return l, fresh, nil
			}
			if cs.retireLocked(l) {
				dead = l
			}
		}
		d := cs.dialing
		if d == nil {
			d = &dialCall[C]{done: make(chan struct{})}
			cs.dialing = d
			// Detached: the caller that happens to start a dial must not end it for the
			// others waiting (the dial has its own timeout).
			go cs.runDial(context.WithoutCancel(ctx), d)
		}
		cs.mu.Unlock()
		if dead != nil {
			dead.c.close()
		}
		select {
		case <-d.done:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
		if d.err != nil {
			return nil, false, d.err
		}
		fresh = true
	}
}

func (cs *connections[C]) runDial(ctx context.Context, d *dialCall[C]) {
	l := &link[C]{}
	c, err := cs.dial(ctx, func() { l.heard.Store(cs.clock.now().UnixNano()) })
	cs.mu.Lock()
	cs.dialing = nil
	switch {
	case err != nil:
		d.err = err
	case cs.closed:
		d.err = errClosed
		defer c.close()
	default:
		l.c = c
		l.heard.Store(cs.clock.now().UnixNano())
		cs.dials.Add(1)
		cs.cur = l
		cs.links[l] = true
	}
	cs.mu.Unlock()
	close(d.done)
}

// release takes a caller off l, closing l if it was retired and this was its last.
func (cs *connections[C]) release(l *link[C]) {
	cs.mu.Lock()
	l.ops--
	last := l.retired && l.ops == 0 && cs.links[l]
	if last {
		delete(cs.links, l)
	}
	cs.mu.Unlock()
	if last {
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
	if cs.cur == l {
		cs.cur = nil
	}
	l.retired = true
	if l.ops == 0 && cs.links[l] {
		delete(cs.links, l)
		return true
	}
	return false
}

// discard retires l and closes it at once: it was found lost.
func (cs *connections[C]) discard(l *link[C]) {
	cs.mu.Lock()
	cs.retireLocked(l)
	delete(cs.links, l)
	cs.mu.Unlock()
	l.c.close()
}

// Close closes every connection; operations still running fail, later ones get errClosed.
func (cs *connections[C]) Close() {
	cs.mu.Lock()
	cs.closed = true
	links := cs.links
	cs.links, cs.cur = map[*link[C]]bool{}, nil
	cs.mu.Unlock()
	for l := range links {
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
