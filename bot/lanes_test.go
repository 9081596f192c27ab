package bot

import (
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// Two people's lanes.
var laneA, laneB laneKey = "irc:a@h", "irc:b@h"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func laneAlive(l *lanes, key laneKey) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, ok := l.m[key]
	return ok
}

// TestLanesKeepOrderAndIdle: a lane's work runs in order; its goroutine stays for more
// after running dry (a second message reuses it), ends after the idle time, and wait does
// not wait the idle time out.
func TestLanesKeepOrderAndIdle(t *testing.T) {
	l := newLanes(quiet)
	l.idle = 200 * time.Millisecond
	var mu sync.Mutex
	var got []int
	record := func(i int) func() {
		return func() {
			time.Sleep(time.Millisecond)
			mu.Lock()
			got = append(got, i)
			mu.Unlock()
		}
	}
	for i := range 5 {
		l.do(laneA, record(i))
	}
	done := make(chan struct{})
	l.do(laneA, func() { close(done) })
	<-done
	time.Sleep(20 * time.Millisecond)
	if !laneAlive(l, laneA) {
		t.Fatal("the lane ended as soon as it ran dry")
	}
	l.do(laneA, record(5))
	done2 := make(chan struct{})
	l.do(laneA, func() { close(done2) })
	<-done2
	mu.Lock()
	if len(got) != 6 {
		t.Fatalf("ran %v", got)
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("out of order: %v", got)
		}
	}
	mu.Unlock()
	deadline := time.Now().Add(2 * time.Second)
	for laneAlive(l, laneA) {
		if time.Now().After(deadline) {
			t.Fatal("an idle lane did not end")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// wait ends idle lanes at once, and the lanes work again afterwards.
	l.idle = time.Hour
	ran := make(chan struct{})
	l.do(laneB, func() { close(ran) })
	<-ran
	start := time.Now()
	l.wait()
	if d := time.Since(start); d > time.Second {
		t.Fatalf("wait took %s with an idle lane", d)
	}
	if laneAlive(l, laneB) {
		t.Fatal("a lane outlived wait")
	}
	ran = make(chan struct{})
	l.do(laneB, func() { close(ran) })
	select {
	case <-ran:
	case <-time.After(2 * time.Second):
		t.Fatal("no lane ran after wait")
	}
	l.wait()
}

// TestLanesRunIdle: work runs on the caller's goroutine only while its lane has nothing
// queued or running; otherwise the caller is told to queue it, behind what is there.
func TestLanesRunIdle(t *testing.T) {
	l := newLanes(quiet)
	ran := false
	if !l.runIdle(laneA, func() { ran = true }) || !ran {
		t.Fatal("an idle lane did not run the work at once")
	}
	release, running := make(chan struct{}), make(chan struct{})
	l.do(laneA, func() { close(running); <-release })
	<-running
	if l.runIdle(laneA, func() { t.Error("ran beside work still running") }) {
		t.Fatal("runIdle ran while the lane was busy")
	}
	if !l.runIdle(laneB, func() {}) {
		t.Fatal("another conversation's idle lane did not run at once")
	}
	l.do(laneA, func() {})
	close(release)
	l.wait()
	if !l.runIdle(laneA, func() {}) {
		t.Fatal("a lane that ran dry did not run at once")
	}
}
