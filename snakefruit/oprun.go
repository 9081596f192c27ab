package snakefruit

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// opRun is one operation under way on a connection (see connections): what its
// transport tells the watchdog, and what it reads to know it should stop.
type opRun struct {
	// ctx ends when the caller leaves or the operation is abandoned: whatever the
	// transport does on its own account (reading the source, a remote command) stops then.
	ctx    context.Context
	cancel context.CancelFunc

	timeout   time.Duration
	clock     clock
	heard     *atomic.Int64 // the connection's last answer from the server
	onAbandon func()        // retires the connection
	atomic    bool          // see connections.atomic

	mu      sync.Mutex
	changed chan struct{} // a token whenever the fields below change
	since   int64         // clock UnixNano: the start, or the end of the last time aside
	aside   int           // > 0: waiting on something other than the server
	waiting int           // > 0: at a wait the caller of an atomic operation may leave
	stop    func()        // the watchdog's timer
	done    bool          // fn returned
	silent  bool          // abandoned
	gone    bool          // the caller left
}

func newOpRun(ctx context.Context, timeout time.Duration, clk clock, atomicOps bool, heard *atomic.Int64, onAbandon func()) *opRun {
	o := &opRun{timeout: timeout, clock: clk, heard: heard, onAbandon: onAbandon, atomic: atomicOps,
		changed: make(chan struct{}, 1), since: clk.now().UnixNano()}
	o.ctx, o.cancel = context.WithCancel(ctx)
	o.mu.Lock()
	o.armLocked(timeout)
	o.mu.Unlock()
	return o
}

func (o *opRun) armLocked(d time.Duration) { o.stop = o.clock.afterFunc(d, o.expire) }

func (o *opRun) notify() {
	select {
	case o.changed <- struct{}{}:
	default:
	}
}

// expire is the watchdog: it abandons the operation once neither it nor anything else on
// its connection has heard from the server for the timeout, time aside not counted.
func (o *opRun) expire() {
	o.mu.Lock()
	if o.done || o.silent || o.gone {
		o.mu.Unlock()
		return
	}
	if o.aside > 0 {
		// Looked at again later; the time aside ends by moving since.
		o.armLocked(o.timeout)
		o.mu.Unlock()
		return
	}
	last := max(o.since, o.heard.Load())
	if wait := time.Duration(last + int64(o.timeout) - o.clock.now().UnixNano()); wait > 0 {
		o.armLocked(wait)
		o.mu.Unlock()
		return
	}
	o.silent = true
	o.mu.Unlock()
	o.cancel()
	o.onAbandon()
	o.notify()
}

// await waits for the caller's way out of the operation. Abandonment wins over a result
// that came at the same moment: the connection is retired either way.
func (o *opRun) await(ctx context.Context) outcome {
	ctxDone := ctx.Done()
	for {
		o.mu.Lock()
		free := !o.atomic || o.waiting > 0
		switch {
		case o.silent && (free || o.done):
			o.leaveLocked()
			o.mu.Unlock()
			return abandoned
		case o.done:
			o.mu.Unlock()
			return finished
		case free && ctx.Err() != nil:
			o.leaveLocked()
			o.mu.Unlock()
			o.cancel()
			return left
		}
		if ctx.Err() != nil {
			ctxDone = nil // noticed; only a change of the operation can let the caller out now
		}
		o.mu.Unlock()
		select {
		case <-o.changed:
		case <-ctxDone:
		}
	}
}

func (o *opRun) leaveLocked() {
	o.gone = true
	o.stop()
}

// finish records that fn returned; set hands its results over, unless it already did.
func (o *opRun) finish(set func()) {
	o.mu.Lock()
	if !o.done {
		o.done = true
		set()
		o.stop()
	}
	o.mu.Unlock()
	o.cancel()
	o.notify()
}

// offServer runs f, which waits on something other than the server (the operation's own
// source, a remote command with its own deadline): that time is not silence.
func (o *opRun) offServer(f func()) {
	o.mu.Lock()
	o.aside++
	o.mu.Unlock()
	defer func() {
		o.mu.Lock()
		if o.aside--; o.aside == 0 {
			o.since = o.clock.now().UnixNano()
		}
		o.mu.Unlock()
	}()
	f()
}

// source is r read on the operation's account: reading it is not waiting on the server,
// and it ends with the operation's context. A Read of r already under way when the caller
// leaves may still complete afterwards; r is not read again.
func (o *opRun) source(r io.Reader) io.Reader { return &sourceReader{o, r} }

type sourceReader struct {
	o *opRun
	r io.Reader
}

func (s *sourceReader) Read(p []byte) (n int, err error) {
	if err := s.o.ctx.Err(); err != nil {
		return 0, err
	}
	s.o.offServer(func() { n, err = s.r.Read(p) })
	return n, err
}

// wait runs f, during which the caller of an atomic operation may leave it (it is
// abandoned, or its context ends): f is where the operation waits on the server.
func (o *opRun) wait(f func()) {
	o.mu.Lock()
	o.waiting++
	o.mu.Unlock()
	o.notify()
	defer func() {
		o.mu.Lock()
		o.waiting--
		o.mu.Unlock()
	}()
	f()
}
