package irc

import (
	"context"
	"errors"
	"fmt"
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
