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
// runs; the others waiting for the same dial get the connection, and only one is made.
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
	second := make(chan error, 1)
	go func() { _, err := run(cs, t.Context(), "second", done()); second <- err }()
	cancel()
	if err := await(t, "the first caller", first); !errors.Is(err, context.Canceled) {
		t.Fatalf("first caller: %v, want context.Canceled", err)
	}
	close(finish)
	if err := await(t, "the second caller", second); err != nil {
		t.Fatalf("second caller: %v", err)
	}
	if n := cs.dials.Load(); n != 1 {
		t.Fatalf("%d dials, want the one both waited for", n)
	}
}

// TestRetiredConnectionDrains: once an operation is abandoned, its connection takes no new
// operation, the one still answered on it finishes there, and the connection closes when
// that one leaves.
func TestRetiredConnectionDrains(t *testing.T) {
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
	if _, err := run(cs, ctx, "next", func(*opRun, *fakeConn) (int, error) { return 1, nil }); err != nil {
		t.Fatal(err)
	}
	if len(conns) != 2 || !conns[0].alive() {
		t.Fatalf("%d connections, the first alive %v: want a second, the first still carrying its operation", len(conns), conns[0].alive())
	}
	close(release)
	if err := await(t, "the answered operation", answered); err != nil {
		t.Fatalf("the operation still answered on the retired connection: %v", err)
	}
	if conns[0].alive() {
		t.Error("the retired connection stayed open after its last operation left")
	}
	if !conns[1].alive() {
		t.Error("the new connection was closed")
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
