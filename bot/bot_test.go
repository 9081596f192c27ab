package bot

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"stagebot"
	"stagebot/internal/wake"
	"stagebot/outbox"
	"stagebot/storage"
	"stagebot/workflow"
)

// fakeAdapter records what it was sent; it can refuse sends and pretend to be offline. Its
// Run hands the core's inbox to the test.
type fakeAdapter struct {
	name      string
	failFirst atomic.Int32
	offline   atomic.Bool
	closeRun  chan struct{}
	inbox     chan Inbox
	mu        sync.Mutex
	got       []Outgoing
	notify    chan struct{}
}

func newFake(name string) *fakeAdapter {
	return &fakeAdapter{name: name, closeRun: make(chan struct{}), inbox: make(chan Inbox, 1), notify: make(chan struct{}, 100)}
}

func (f *fakeAdapter) Name() string       { return f.name }
func (f *fakeAdapter) Channels() []string { return []string{""} }
func (f *fakeAdapter) Connected() bool    { return !f.offline.Load() }
func (f *fakeAdapter) Run(ctx context.Context, in Inbox) error {
	f.inbox <- in
	select {
	case <-ctx.Done():
	case <-f.closeRun:
	}
	return nil
}

func (f *fakeAdapter) Send(_ context.Context, _ string, m Outgoing) (string, error) {
	if f.failFirst.Add(-1) >= 0 {
		return "", errors.New("network said no")
	}
	f.mu.Lock()
	f.got = append(f.got, m)
	ref := fmt.Sprint("msg-", len(f.got))
	f.mu.Unlock()
	f.notify <- struct{}{}
	return ref, nil
}

func (f *fakeAdapter) texts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, m := range f.got {
		out = append(out, m.Text())
	}
	return out
}

// newService is a workflow on a database of its own, with the database's outbox.
func newService(t *testing.T, team stagebot.Team, policy stagebot.Policy) (*workflow.Service, *storage.DB) {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "stagebot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return workflow.New(workflow.Config{DB: db, Team: team, Policy: policy}), db
}

var everyone = stagebot.Team{Landing: []stagebot.Member{{Name: "*"}}}

// keepCursors gives the adapters' channels their outbox cursors, as the app does before the
// bot starts.
func keepCursors(t *testing.T, box *outbox.Outbox, adapters ...Adapter) {
	t.Helper()
	if _, err := box.KeepCursors(Dests(adapters)); err != nil {
		t.Fatal(err)
	}
}

// start runs b until the test ends.
func start(t *testing.T, b *Bot) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
}

func awaitCount(t *testing.T, f *fakeAdapter, n int) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for len(f.texts()) < n {
		select {
		case <-f.notify:
		case <-deadline:
			t.Fatalf("%s got %d announcements, want %d: %v", f.name, len(f.texts()), n, f.texts())
		}
	}
}

// TestDeliveryRetriesInOrderOncePerAdapter: refused sends are retried, an offline adapter
// gets everything when it comes back, and each adapter sees each announcement once, in
// order, rendered by the core.
func TestDeliveryRetriesInOrderOncePerAdapter(t *testing.T) {
	svc, db := newService(t, everyone, stagebot.Policy{})
	flaky, offline := newFake("flaky"), newFake("offline")
	flaky.failFirst.Store(3)
	offline.offline.Store(true)
	b := New(Config{Service: svc, Outbox: db.Outbox(), Adapters: []Adapter{flaky, offline}})
	keepCursors(t, db.Outbox(), flaky, offline)
	start(t, b)

	const n = 6
	for i := range n {
		if _, err := svc.Tick(stagebot.Identity{}, fmt.Sprint("test ", i), nil); err != nil {
			t.Fatal(err)
		}
	}
	awaitCount(t, flaky, n)
	if got := len(offline.texts()); got != 0 {
		t.Fatalf("an offline adapter was given %d announcements", got)
	}
	offline.offline.Store(false)
	awaitCount(t, offline, n)
	for _, f := range []*fakeAdapter{flaky, offline} {
		got := f.texts()
		if len(got) != n {
			t.Fatalf("%s: %d announcements, want %d", f.name, len(got), n)
		}
		for i, text := range got {
			if want := fmt.Sprintf("click-sync tick (test %d): no newly locked clicks", i); text != want {
				t.Errorf("%s[%d] = %q, want %q", f.name, i, text, want)
			}
		}
	}
}

// TestDrainAtClose: when every adapter closes by itself, the bot delivers what is queued
// and returns.
func TestDrainAtClose(t *testing.T) {
	svc, db := newService(t, everyone, stagebot.Policy{})
	f := newFake("console")
	f.failFirst.Store(1)
	b := New(Config{Service: svc, Outbox: db.Outbox(), Adapters: []Adapter{f}})
	keepCursors(t, db.Outbox(), f)
	if _, err := svc.Tick(stagebot.Identity{}, "queued before start", nil); err != nil {
		t.Fatal(err)
	}
	close(f.closeRun)
	if err := b.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.texts(); len(got) != 1 {
		t.Fatalf("after drain: %v", got)
	}
}

// channelsAdapter has several channels; each refuses while its entry in refuse is set.
type channelsAdapter struct {
	channels []string
	mu       sync.Mutex
	refuse   map[string]error
	got      map[string][]uint64
	changed  chan struct{}
}

func newChannels(channels ...string) *channelsAdapter {
	return &channelsAdapter{channels: channels, refuse: map[string]error{}, got: map[string][]uint64{},
		changed: make(chan struct{}, 1)}
}

func (c *channelsAdapter) Name() string                           { return "net" }
func (c *channelsAdapter) Channels() []string                     { return c.channels }
func (c *channelsAdapter) Connected() bool                        { return true }
func (c *channelsAdapter) Run(ctx context.Context, _ Inbox) error { <-ctx.Done(); return nil }
func (c *channelsAdapter) Send(_ context.Context, ch string, m Outgoing) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer wake.Signal(c.changed)
	if err := c.refuse[ch]; err != nil {
		return "", err
	}
	c.got[ch] = append(c.got[ch], m.Event.Seq)
	return "", nil
}

func (c *channelsAdapter) setRefuse(ch string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refuse[ch] = err
}

// await waits until cond holds of what each channel got.
func (c *channelsAdapter) await(t *testing.T, what string, cond func(got map[string][]uint64) bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		c.mu.Lock()
		ok := cond(c.got)
		snap := fmt.Sprint(c.got)
		c.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-c.changed:
		case <-deadline:
			t.Fatalf("timed out waiting for %s; got %s", what, snap)
		}
	}
}

// TestRefusingChannelHoldsOnlyItself: while one channel of an adapter refuses, the other gets
// every announcement; the refusing one is reported with its backlog and why; once it accepts
// it gets its backlog in order, each once, and the outbox is pruned behind it.
func TestRefusingChannelHoldsOnlyItself(t *testing.T) {
	svc, db := newService(t, everyone, stagebot.Policy{})
	net := newChannels("#stage", "#quiet")
	refused := errors.New("404 cannot send to channel")
	net.setRefuse("#quiet", refused)
	b := New(Config{Service: svc, Outbox: db.Outbox(), Adapters: []Adapter{net}})
	keepCursors(t, db.Outbox(), net)
	start(t, b)

	tick := func(i int) {
		t.Helper()
		if _, err := svc.Tick(stagebot.Identity{}, fmt.Sprint("test ", i), nil); err != nil {
			t.Fatal(err)
		}
	}
	const n = 5
	for i := range n {
		tick(i)
		net.await(t, fmt.Sprintf("#stage to get tick %d", i), func(got map[string][]uint64) bool { return len(got["#stage"]) == i+1 })
	}
	awaitStatus(t, b, func(st []ChannelStatus) bool {
		q := st[1]
		return q.Channel == "#quiet" && q.Refusing() && errors.Is(q.Err, refused) && q.Backlog == n &&
			!st[0].Refusing() && st[0].Backlog == 0
	})
	net.setRefuse("#quiet", nil)
	net.await(t, "#quiet to catch up", func(got map[string][]uint64) bool { return len(got["#quiet"]) >= n })
	tick(n)
	net.await(t, "both to get the last tick", func(got map[string][]uint64) bool {
		return len(got["#quiet"]) >= n+1 && len(got["#stage"]) >= n+1
	})
	net.mu.Lock()
	got := fmt.Sprint(net.got)
	net.mu.Unlock()
	if want := fmt.Sprint(map[string][]uint64{"#stage": {1, 2, 3, 4, 5, 6}, "#quiet": {1, 2, 3, 4, 5, 6}}); got != want {
		t.Errorf("delivered %s, want %s", got, want)
	}
	awaitStatus(t, b, func(st []ChannelStatus) bool {
		return !st[1].Refusing() && st[1].Backlog == 0 && st[0].Backlog == 0
	})
}

func awaitStatus(t *testing.T, b *Bot, cond func([]ChannelStatus) bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st := b.Delivery()
		if cond(st) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery status never as wanted: %+v", st)
		}
		select {
		case <-b.progress:
		case <-time.After(50 * time.Millisecond):
		}
	}
}
