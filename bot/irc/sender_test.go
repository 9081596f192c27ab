package irc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSenderRoundRobinAndPacing: lines for several targets are all written, each
// target's in order, targets served in turn, at no more than the configured rate.
func TestSenderRoundRobinAndPacing(t *testing.T) {
	w := &recordWriter{}
	s := newSender(w, 50, 1) // 50 lines/s, no burst: 20 ms apart
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.run(ctx)
	var wg sync.WaitGroup
	start := time.Now()
	for _, target := range []string{"#a", "bob"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lines := make([]string, 5)
			for i := range lines {
				lines[i] = fmt.Sprintf("PRIVMSG %s :%d", target, i)
			}
			if n, err := s.send(ctx, target, lines); err != nil || n != 5 {
				t.Errorf("send %s: %d, %v", target, n, err)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	got := w.written()
	if len(got) != 10 {
		t.Fatalf("wrote %d lines: %q", len(got), got)
	}
	next := map[byte]int{}
	switched := 0
	for i, l := range got {
		key := l[8]
		if want := fmt.Sprintf(":%d", next[key]); l[len(l)-2:] != want {
			t.Fatalf("line %q out of order (want %s)", l, want)
		}
		next[key]++
		if i > 0 && got[i-1][8] != key {
			switched++
		}
	}
	if switched < 4 {
		t.Errorf("targets not served in turn: %q", got)
	}
	if elapsed < 150*time.Millisecond {
		t.Errorf("10 lines at 50/s took %s: not paced", elapsed)
	}
}

type failingWriter struct{ n int }

func (f *failingWriter) Write(string) error {
	if f.n == 0 {
		return errors.New("broken pipe")
	}
	f.n--
	return nil
}

// TestSenderReportsWhatWentOut: when the connection breaks mid-batch, the caller learns
// how many lines were written, so the rest can go out on the next connection.
func TestSenderReportsWhatWentOut(t *testing.T) {
	s := newSender(&failingWriter{n: 2}, 1000, 10)
	go s.run(context.Background())
	n, err := s.send(context.Background(), "#a", []string{"1", "2", "3", "4"})
	if n != 2 || !errors.Is(err, errGone) {
		t.Fatalf("send = %d, %v; want 2, errGone", n, err)
	}
	if _, err := s.send(context.Background(), "#a", []string{"5"}); !errors.Is(err, errGone) {
		t.Fatalf("send after the break = %v", err)
	}
}

// TestSenderDirectWriteWhenIdle: with nothing queued and a token to spare, send writes on
// the caller's goroutine: it returns with the lines written though no run goroutine
// serves the queues.
func TestSenderDirectWriteWhenIdle(t *testing.T) {
	w := &recordWriter{}
	s := newSender(w, 1000, 10)
	n, err := s.send(context.Background(), "#a", []string{"PRIVMSG #a :1", "PRIVMSG #a :2"})
	if n != 2 || err != nil {
		t.Fatalf("send = %d, %v", n, err)
	}
	if got := w.written(); len(got) != 2 || got[0] != "PRIVMSG #a :1" || got[1] != "PRIVMSG #a :2" {
		t.Fatalf("written %q", got)
	}
}

// TestSenderDirectWriteKeepsOrderAndPace: a line sent while another target's line (or
// an earlier line of its own target) is queued for the rate limit does not overtake it,
// and lines written directly are paced under the same limit as queued ones.
func TestSenderDirectWriteKeepsOrderAndPace(t *testing.T) {
	w := &recordWriter{}
	s := newSender(w, 20, 1) // one line at once, then one every 50 ms
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.run(ctx)
	start := time.Now()
	// The burst token goes to the first line, directly; the next two are queued behind
	// it, and the third send (another target) must not jump the queue.
	if n, err := s.send(ctx, "#a", []string{"PRIVMSG #a :1"}); n != 1 || err != nil {
		t.Fatalf("first send = %d, %v", n, err)
	}
	if time.Since(start) > 40*time.Millisecond {
		t.Fatalf("the first line waited %s with a token to spare", time.Since(start))
	}
	errs := make(chan error, 3)
	go func() { _, err := s.send(ctx, "#a", []string{"PRIVMSG #a :2", "PRIVMSG #a :3"}); errs <- err }()
	waitQueued(t, s, 1)
	go func() { _, err := s.send(ctx, "#b", []string{"PRIVMSG #b :1"}); errs <- err }()
	waitQueued(t, s, 2)
	go func() { _, err := s.send(ctx, "#a", []string{"PRIVMSG #a :4"}); errs <- err }()
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	got := w.written()
	if len(got) != 5 {
		t.Fatalf("wrote %q", got)
	}
	var a []string
	for _, l := range got {
		if strings.HasPrefix(l, "PRIVMSG #a ") {
			a = append(a, l)
		}
	}
	if want := []string{"PRIVMSG #a :1", "PRIVMSG #a :2", "PRIVMSG #a :3", "PRIVMSG #a :4"}; fmt.Sprint(a) != fmt.Sprint(want) {
		t.Errorf("#a lines out of order: %q", got)
	}
	if got[1] != "PRIVMSG #a :2" || got[2] != "PRIVMSG #b :1" {
		t.Errorf("targets not served in turn behind the queue: %q", got)
	}
	// 5 lines at 20/s with a burst of 1: the last no earlier than 4 x 50 ms after the first.
	if elapsed < 190*time.Millisecond {
		t.Errorf("5 lines at 20/s took %s: not paced", elapsed)
	}

	// With the queues empty again, direct writes still take their token from the limiter.
	start = time.Now()
	for i := range 3 {
		if _, err := s.send(ctx, "#c", []string{fmt.Sprintf("PRIVMSG #c :%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if elapsed := time.Since(start); elapsed < 90*time.Millisecond {
		t.Errorf("3 lines one at a time at 20/s took %s: not paced", elapsed)
	}
}

// waitQueued waits until n targets have lines queued.
func waitQueued(t *testing.T, s *sender, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		s.mu.Lock()
		k := len(s.rings[0]) + len(s.rings[1])
		s.mu.Unlock()
		if k >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d targets queued, want %d", k, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestSenderDirectWriteFailure: a direct write that fails reports what went out and
// errGone (so say retries the rest on the next connection), and later sends fail too.
func TestSenderDirectWriteFailure(t *testing.T) {
	s := newSender(&failingWriter{n: 1}, 1000, 10)
	n, err := s.send(context.Background(), "#a", []string{"1", "2", "3"})
	if n != 1 || !errors.Is(err, errGone) {
		t.Fatalf("send = %d, %v; want 1, errGone", n, err)
	}
	if _, err := s.send(context.Background(), "#a", []string{"4"}); !errors.Is(err, errGone) {
		t.Fatalf("send after the break = %v", err)
	}
}

// TestSenderPartlyDirect: a batch longer than the tokens at hand goes out partly directly
// and the rest through the queue, in order, and the count covers both.
func TestSenderPartlyDirect(t *testing.T) {
	w := &recordWriter{}
	s := newSender(w, 100, 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.run(ctx)
	lines := []string{"1", "2", "3", "4", "5"}
	n, err := s.send(ctx, "#a", lines)
	if n != 5 || err != nil {
		t.Fatalf("send = %d, %v", n, err)
	}
	if got := w.written(); fmt.Sprint(got) != fmt.Sprint(lines) {
		t.Fatalf("written %q", got)
	}
}

// announcement queued behind both goes out before either's next line.
func TestSenderPeopleInTurnAnnouncementsFirst(t *testing.T) {
	w := &recordWriter{}
	s := newSender(w, 1000, 1)
	// Nothing runs the queues yet, and the limiter has no token to give until run starts
	// (however slowly this machine gets to it): every batch below is queued before any is
	// served.
	s.lim.SetLimit(0)
	s.lim.Allow()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	send := func(key string, lines ...string) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.sendQueued(ctx, key, lines); err != nil {
				t.Errorf("send %s: %v", key, err)
			}
		}()
	}
	long := make([]string, 10)
	for i := range long {
		long[i] = fmt.Sprintf("PRIVMSG #a :alice %d", i)
	}
	send(replyQueue("alice"), long...)
	waitQueued(t, s, 1)
	send(replyQueue("bob"), "PRIVMSG #a :bob")
	waitQueued(t, s, 2)
	send(announceQueue("#a"), "PRIVMSG #a :announcement")
	waitQueued(t, s, 3)
	s.lim.SetLimit(1000)
	go s.run(ctx)
	wg.Wait()
	got := w.written()
	if len(got) != 12 || got[0] != "PRIVMSG #a :announcement" {
		t.Fatalf("the announcement did not go first: %q", got)
	}
	if got[2] != "PRIVMSG #a :bob" {
		t.Fatalf("bob's reply waited behind alice's: %q", got)
	}
}
