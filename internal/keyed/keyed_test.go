package keyed

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// One key's items run in the order they were queued, one at a time; an item that does
// not end holds up its own key only; Wait waits for everything queued, including what is
// queued meanwhile.
func TestSerial(t *testing.T) {
	s := NewSerial()
	var mu sync.Mutex
	var order []string
	record := func(v string) func() {
		return func() { mu.Lock(); order = append(order, v); mu.Unlock() }
	}
	release := make(chan struct{})
	s.Do("slow", func() { <-release })
	s.Do("slow", record("slow 1"))
	for i := range 50 {
		s.Do("a", record(fmt.Sprint("a ", i)))
	}
	done := make(chan struct{})
	s.Do("b", func() { close(done) })
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("key b waited on key slow")
	}
	if err := s.Await(context.Background(), "a", func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got := slices.Clone(order)
	mu.Unlock()
	want := make([]string, 50)
	for i := range want {
		want[i] = fmt.Sprint("a ", i)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("ran %q, want key a's items in order and nothing of slow's", got)
	}
	waited := make(chan struct{})
	go func() { s.Wait(); close(waited) }()
	select {
	case <-waited:
		t.Fatal("Wait returned with an item still running")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-waited
	mu.Lock()
	defer mu.Unlock()
	if order[len(order)-1] != "slow 1" {
		t.Fatalf("Wait returned before the item queued behind the slow one ran: %q", order)
	}
}

// Await gives up when its context ends, and an item whose context ended before it started
// is skipped.
func TestSerialAwaitCancelled(t *testing.T) {
	s := NewSerial()
	release := make(chan struct{})
	s.Do("k", func() { <-release })
	ctx, cancel := context.WithCancel(context.Background())
	ran := false
	errc := make(chan error, 1)
	go func() { errc <- s.Await(ctx, "k", func() error { ran = true; return nil }) }()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Await = %v, want context.Canceled", err)
	}
	close(release)
	s.Wait()
	if ran {
		t.Fatal("an item whose context had ended ran")
	}
}

// Settled waits for the posts to its key in flight at the time, never another key's;
// ending a post twice counts once.
func TestInFlight(t *testing.T) {
	f := NewInFlight()
	select {
	case <-f.Settled("c1"):
	default:
		t.Fatal("nothing in flight, yet not settled")
	}
	end1, end2 := f.Begin("c1"), f.Begin("c1")
	other := f.Begin("c2")
	settled := f.Settled("c1")
	end1()
	end1()
	select {
	case <-settled:
		t.Fatal("settled with a post still in flight (an end counted twice?)")
	default:
	}
	end2()
	select {
	case <-settled:
	case <-time.After(10 * time.Second):
		t.Fatal("not settled once its posts ended")
	}
	select {
	case <-f.Settled("c1"):
	default:
		t.Fatal("c1 waits on c2's post")
	}
	other()
}

// Recent forgets its oldest key first; putting a known key again changes its value, not its
// place; Add keeps the first value.
func TestRecent(t *testing.T) {
	r := NewRecent[int](3)
	r.Put("a", 1)
	r.Put("b", 2)
	r.Put("c", 3)
	r.Put("a", 10)
	if r.Add("b", 20) {
		t.Fatal("Add replaced a known key")
	}
	r.Put("d", 4) // forgets a, the oldest, though it was put again since
	for key, want := range map[string]int{"b": 2, "c": 3, "d": 4} {
		if v, ok := r.Get(key); !ok || v != want {
			t.Errorf("Get(%q) = %d, %v; want %d", key, v, ok, want)
		}
	}
	if _, ok := r.Get("a"); ok {
		t.Error("a, the oldest key, is still known")
	}
	if !r.Add("a", 5) {
		t.Error("Add refused a forgotten key")
	}
}
