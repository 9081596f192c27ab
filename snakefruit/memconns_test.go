package snakefruit

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// memTarget is a memory target over a fresh MemFS with a person's click already there.
func memTarget(t *testing.T) (Target, *MemFS) {
	t.Helper()
	m := NewMemFS()
	m.OpTimeout = time.Minute
	m.WriteFile("keep_1_all.click", []byte("a person's click"))
	tg, err := NewMemoryTarget(m, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close() })
	return tg, m
}

// stallOn has m stall the calls before, not after, that match, and records the connection
// every call ran on. stalled delivers each stalled call's file once it stalls.
func stallOn(m *MemFS, match func(Op) bool) (stalled <-chan string, conns func() []int) {
	ch := make(chan string, 16)
	var mu sync.Mutex
	var seen []int
	m.Fault = func(op Op) error {
		mu.Lock()
		seen = append(seen, op.Conn)
		mu.Unlock()
		if !op.After && match(op) {
			ch <- op.File
			return ErrStall
		}
		return nil
	}
	return ch, func() []int {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen)
	}
}

func isRemoveOf(names ...string) func(Op) bool {
	return func(op Op) bool { return op.Name == "remove" && slices.Contains(names, op.File) }
}

// TestMemoryStallBlocksOnlyItself: through the connection layer the memory transport
// shares with sftp, a call the server stops answering holds its own caller alone: the
// others run meanwhile, on another connection, never behind it. Once op_timeout passes it
// is abandoned as a connection error, its connection is closed, and the stalled call never
// takes effect, even when the server answers it later.
func TestMemoryStallBlocksOnlyItself(t *testing.T) {
	tg, m := memTarget(t)
	ctx := testContext(t)
	stalled, conns := stallOn(m, isRemoveOf("keep_1_all.click"))
	removed := make(chan error, 1)
	go func() { removed <- tg.Remove(ctx, "keep_1_all.click") }()
	<-stalled

	foo := click(t, "foo_1_all.click", "foo")
	if err := Lock(ctx, tg, foo); err != nil {
		t.Fatalf("Lock beside a stalled call: %v", err)
	}
	if lines, err := tg.ReadList(ctx); err != nil || !slices.Equal(lines, []string{foo.Filename}) {
		t.Fatalf("ReadList beside a stalled call = %q, %v", lines, err)
	}
	if c := slices.Compact(conns()); !slices.Equal(c, []int{1, 2}) {
		t.Errorf("calls ran on connections %v, want the stalled one alone on the first, the others on a second", c)
	}
	select {
	case err := <-removed:
		t.Fatalf("the stalled Remove returned before its deadline: %v", err)
	default:
	}

	m.Advance(m.OpTimeout)
	err := await(t, "the stalled Remove", removed)
	var ce *ConnError
	var silent *silenceError
	if !errors.As(err, &ce) || !errors.As(err, &silent) || IsPermanent(err) {
		t.Fatalf("stalled Remove: %v, want a retryable ConnError for the silence", err)
	}
	if _, err := tg.Files(ctx); err != nil {
		t.Fatalf("Files after the abandoned call: %v", err)
	}
	if n := m.Dials(); n != 2 {
		t.Errorf("%d connections dialled, want the abandoned one replaced by a second", n)
	}
	if last := conns(); last[len(last)-1] != 2 {
		t.Errorf("the call after the abandoned one ran on connection %d", last[len(last)-1])
	}
	m.Release()
	if _, ok := m.Snapshot()["keep_1_all.click"]; !ok {
		t.Error("the abandoned Remove took effect")
	}
}

// TestMemoryCancelLeavesOthersAlone: two calls stall, each on its connection; the first
// one's caller gives up. It leaves at once, the other caller goes on waiting, and once the
// server answers, the other call succeeds; neither connection was dropped, and the next
// call reuses the one the cancelled call left.
func TestMemoryCancelLeavesOthersAlone(t *testing.T) {
	tg, m := memTarget(t)
	m.WriteFile("other_1_all.click", []byte("another"))
	ctx := testContext(t)
	stalled, _ := stallOn(m, isRemoveOf("keep_1_all.click", "other_1_all.click"))
	cctx, cancel := context.WithCancel(ctx)
	first, second := make(chan error, 1), make(chan error, 1)
	go func() { first <- tg.Remove(cctx, "keep_1_all.click") }()
	<-stalled
	go func() { second <- tg.Remove(ctx, "other_1_all.click") }()
	<-stalled

	cancel()
	if err := await(t, "the cancelled Remove", first); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Remove: %v, want context.Canceled", err)
	}
	select {
	case err := <-second:
		t.Fatalf("the other Remove ended when the first was cancelled: %v", err)
	default:
	}
	m.Release()
	if err := await(t, "the other Remove", second); err != nil {
		t.Fatalf("the other Remove: %v", err)
	}
	if _, ok := m.Snapshot()["other_1_all.click"]; ok {
		t.Error("the other Remove did not take effect")
	}
	if _, err := tg.Files(ctx); err != nil {
		t.Fatal(err)
	}
	if n := m.Dials(); n != 2 {
		t.Errorf("%d connections dialled, want 2: the cancellation dropped a connection", n)
	}
}

// TestMemoryStallUntilDeadline: the one-goroutine way a simulation stalls a call until its
// deadline (Fault moves the clock, then stalls) ends the same way every time: a
// connection error, nothing done, and a new connection for what follows.
func TestMemoryStallUntilDeadline(t *testing.T) {
	for i := range 50 {
		tg, m := memTarget(t)
		ctx := testContext(t)
		foo := click(t, "foo_1_all.click", "foo")
		m.Fault = func(op Op) error {
			if op.Name == "rename" && !op.After && op.Conn == 1 {
				m.Advance(m.OpTimeout)
				return ErrStall
			}
			return nil
		}
		err := Lock(ctx, tg, foo)
		var silent *silenceError
		if !errors.As(err, &silent) || IsPermanent(err) {
			t.Fatalf("run %d: Lock = %v, want the silence's ConnError", i, err)
		}
		if _, ok := m.Snapshot()[foo.Filename]; ok {
			t.Fatalf("run %d: the abandoned rename took effect", i)
		}
		if err := Lock(ctx, tg, foo); err != nil {
			t.Fatalf("run %d: Lock again: %v", i, err)
		}
		if n := m.Dials(); n != 2 {
			t.Fatalf("run %d: %d connections, want 2", i, n)
		}
	}
}
