package snakefruit

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// fakeConn is a connection whose operations block until the test says.
type fakeConn struct {
	once   sync.Once
	closed chan struct{}
}

func newFakeConn() *fakeConn { return &fakeConn{closed: make(chan struct{})} }

func (c *fakeConn) alive() bool {
	select {
	case <-c.closed:
		return false
	default:
		return true
	}
}
func (c *fakeConn) lost(err error) bool { return errors.Is(err, errFakeLost) }
func (c *fakeConn) close()              { c.once.Do(func() { close(c.closed) }) }

var errFakeLost = errors.New("fake connection closed")

// block is an operation that waits for release, or fails when its connection closes.
func block(release <-chan struct{}) func(*opRun, *fakeConn) (int, error) {
	return func(o *opRun, c *fakeConn) (int, error) {
		select {
		case <-release:
			return 1, nil
		case <-c.closed:
			return 0, errFakeLost
		}
	}
}

// TestDialOutlivesTheCallerWhoStartedIt: the caller that starts a dial gives up while it
// runs; the next caller takes the dial over instead of dialling again.
func TestDialOutlivesTheCallerWhoStartedIt(t *testing.T) {
	dialing, finish := make(chan struct{}, 4), make(chan struct{})
	clk := newManualClock()
	cs := newConnections(func(ctx context.Context, heard func()) (*fakeConn, error) {
		dialing <- struct{}{}
		<-finish
		return newFakeConn(), ctx.Err()
	}, time.Minute, clk, "")
	defer cs.Close()
	done := func() func(*opRun, *fakeConn) (int, error) {
		return func(*opRun, *fakeConn) (int, error) { return 1, nil }
	}
	ctx, cancel := context.WithCancel(t.Context())
	first := make(chan error, 1)
	go func() { _, err := run(cs, ctx, "first", done()); first <- err }()
	<-dialing
	cancel()
	if err := await(t, "the first caller", first); !errors.Is(err, context.Canceled) {
		t.Fatalf("first caller: %v, want context.Canceled", err)
	}
	second := make(chan error, 1)
	go func() { _, err := run(cs, t.Context(), "second", done()); second <- err }()
	close(finish)
	if err := await(t, "the second caller", second); err != nil {
		t.Fatalf("second caller: %v", err)
	}
	if n := cs.dials.Load(); n != 1 {
		t.Fatalf("%d dials, want the first caller's, taken over", n)
	}
}

// TestEachOperationHasItsConnection: operations under way at once never share a
// connection below maxLinks, so one the server stops answering holds up nobody; an
// operation that ended leaves its connection to the next; past maxLinks they share the
// least busy; no more than maxIdle stay open idle.
func TestEachOperationHasItsConnection(t *testing.T) {
	clk := newManualClock()
	var mu sync.Mutex
	var conns []*fakeConn
	cs := newConnections(func(context.Context, func()) (*fakeConn, error) {
		c := newFakeConn()
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
		return c, nil
	}, time.Minute, clk, "")
	defer cs.Close()
	ctx := t.Context()
	release := make(chan struct{})
	on := make(chan *fakeConn, maxLinks+2)
	op := func(o *opRun, c *fakeConn) (int, error) {
		on <- c
		return block(release)(o, c)
	}
	errs := make(chan error, maxLinks+2)
	seen := map[*fakeConn]int{}
	for i := range maxLinks + 2 {
		go func() { _, err := run(cs, ctx, "op", op); errs <- err }()
		c := <-on
		seen[c]++
		if i < maxLinks && seen[c] != 1 {
			t.Fatalf("operation %d shares a connection while fewer than %d are open", i, maxLinks)
		}
	}
	if len(seen) != maxLinks {
		t.Fatalf("%d connections for %d operations, want %d", len(seen), maxLinks+2, maxLinks)
	}
	close(release)
	for range maxLinks + 2 {
		if err := await(t, "an operation", errs); err != nil {
			t.Fatal(err)
		}
	}
	open := 0
	for _, c := range conns {
		if c.alive() {
			open++
		}
	}
	if open != maxIdle {
		t.Errorf("%d connections stay open with nothing to do, want %d", open, maxIdle)
	}
	if _, err := run(cs, ctx, "next", func(*opRun, *fakeConn) (int, error) { return 1, nil }); err != nil {
		t.Fatal(err)
	}
	if n := cs.dials.Load(); n != maxLinks {
		t.Errorf("%d dials, want the next operation on an idle connection", n)
	}
}

// TestAbandonedConnectionIsClosedAlone: an operation the server leaves silent is
// abandoned at its deadline and its connection closed; an operation that started later
// on another connection is not touched, and the next operation does not use the closed one.
func TestAbandonedConnectionIsClosedAlone(t *testing.T) {
	clk := newManualClock()
	var conns []*fakeConn
	cs := newConnections(func(context.Context, func()) (*fakeConn, error) {
		c := newFakeConn()
		conns = append(conns, c)
		return c, nil
	}, time.Minute, clk, "")
	defer cs.Close()
	ctx := t.Context()
	stuck, answered := make(chan error, 1), make(chan error, 1)
	release := make(chan struct{})
	started := make(chan struct{}, 2)
	op := func(o *opRun, c *fakeConn) (int, error) {
		started <- struct{}{}
		return block(release)(o, c)
	}
	go func() { _, err := run(cs, ctx, "stuck", op); stuck <- err }()
	<-started
	// The second starts later, so the clock reaches only the first one's deadline.
	clk.advance(time.Minute / 2)
	go func() { _, err := run(cs, ctx, "answered", op); answered <- err }()
	<-started
	clk.advance(time.Minute / 2)
	var silent *silenceError
	if err := await(t, "the stuck operation", stuck); !errors.As(err, &silent) {
		t.Fatalf("stuck operation: %v, want abandoned", err)
	}
	if len(conns) != 2 || conns[0].alive() || !conns[1].alive() {
		t.Fatalf("%d connections, want the stuck one's closed and the other's open", len(conns))
	}
	close(release)
	if err := await(t, "the answered operation", answered); err != nil {
		t.Fatalf("the operation on the other connection: %v", err)
	}
	if _, err := run(cs, ctx, "next", func(o *opRun, c *fakeConn) (int, error) {
		if c == conns[0] {
			return 0, errors.New("ran on the abandoned connection")
		}
		return 1, nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestOperationPanicReachesItsCaller: a panic in an operation (a simulation's crash) is
// raised in the caller's goroutine, where it can be recovered.
func TestOperationPanicReachesItsCaller(t *testing.T) {
	tg, m := memTarget(t)
	type crash struct{}
	m.Fault = func(Op) error { panic(crash{}) }
	defer func() {
		if _, ok := recover().(crash); !ok {
			t.Fatal("the operation's panic did not reach its caller")
		}
	}()
	_, _ = tg.ReadList(t.Context())
}

// TestDialsPastTheBoundWait: with every connection allowed still being dialled (a server
// slow to accept), one more operation waits for one of those dials rather than failing or
// dialling past the bound, and runs once a dial completes.
func TestDialsPastTheBoundWait(t *testing.T) {
	clk := newManualClock()
	finish := make(chan struct{})
	dialing := make(chan struct{}, maxLinks+1)
	cs := newConnections(func(context.Context, func()) (*fakeConn, error) {
		dialing <- struct{}{}
		<-finish
		return newFakeConn(), nil
	}, time.Minute, clk, "")
	defer cs.Close()
	release := make(chan struct{})
	errs := make(chan error, maxLinks+1)
	for range maxLinks + 1 {
		go func() { _, err := run(cs, t.Context(), "op", block(release)); errs <- err }()
	}
	for range maxLinks {
		<-dialing
	}
	select {
	case <-dialing:
		t.Fatalf("more than %d dials at once", maxLinks)
	default:
	}
	close(finish)
	close(release)
	for range maxLinks + 1 {
		if err := await(t, "an operation", errs); err != nil {
			t.Fatal(err)
		}
	}
	if n := cs.dials.Load(); n != maxLinks {
		t.Errorf("%d dials, want %d", n, maxLinks)
	}
}
