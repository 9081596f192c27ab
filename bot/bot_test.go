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
	"stagebot/commands"
	"stagebot/storage"
	"stagebot/workflow"
)

// fakeAdapter records what it was given; it can refuse deliveries and pretend to be offline.
type fakeAdapter struct {
	name      string
	failFirst atomic.Int32
	offline   atomic.Bool
	closeRun  chan struct{}
	mu        sync.Mutex
	got       []stagebot.Announcement
	notify    chan struct{}
}

func newFake(name string) *fakeAdapter {
	return &fakeAdapter{name: name, closeRun: make(chan struct{}), notify: make(chan struct{}, 100)}
}

func (f *fakeAdapter) Name() string    { return f.name }
func (f *fakeAdapter) Connected() bool { return !f.offline.Load() }
func (f *fakeAdapter) Run(ctx context.Context, h Handler) error {
	select {
	case <-ctx.Done():
	case <-f.closeRun:
	}
	return nil
}
func (f *fakeAdapter) Deliver(ctx context.Context, a stagebot.Announcement) error {
	if f.failFirst.Add(-1) >= 0 {
		return errors.New("network said no")
	}
	f.mu.Lock()
	f.got = append(f.got, a)
	f.mu.Unlock()
	f.notify <- struct{}{}
	return nil
}

func (f *fakeAdapter) texts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, a := range f.got {
		out = append(out, a.Text)
	}
	return out
}

func newService(t *testing.T) *workflow.Service {
	t.Helper()
	db, err := storage.Open(filepath.Join(t.TempDir(), "stagebot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return workflow.New(workflow.Config{DB: db, Team: stagebot.Team{Landing: []stagebot.Member{{Name: "*"}}}})
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

// TestDeliveryRetriesInOrderOncePerAdapter: refused deliveries are retried, an offline
// adapter gets everything when it comes back, and each adapter sees each announcement once,
// in order.
func TestDeliveryRetriesInOrderOncePerAdapter(t *testing.T) {
	svc := newService(t)
	flaky, offline := newFake("flaky"), newFake("offline")
	flaky.failFirst.Store(3)
	offline.offline.Store(true)
	b := New(Config{Service: svc, Commands: commands.NewRegistry("!", svc), Adapters: []Adapter{flaky, offline}})
	svc.DB().Update(func(tx *storage.Tx) error { tx.RegisterAdapter("offline"); return tx.RegisterAdapter("flaky") })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- b.Run(ctx) }()
	defer func() { cancel(); <-done }()

	const n = 6
	for i := 0; i < n; i++ {
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
	svc := newService(t)
	f := newFake("console")
	f.failFirst.Store(1)
	b := New(Config{Service: svc, Commands: commands.NewRegistry("!", svc), Adapters: []Adapter{f}})
	svc.DB().Update(func(tx *storage.Tx) error { return tx.RegisterAdapter("console") })
	svc.Tick(stagebot.Identity{}, "queued before start", nil)
	close(f.closeRun)
	if err := b.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.texts(); len(got) != 1 {
		t.Fatalf("after drain: %v", got)
	}
}
