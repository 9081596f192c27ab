package app

import (
	"context"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestGroupStopsInReverseOrder: parts stop last started first, each after the one before
// has returned, and each is closed once stopped; a group stopped before it started closes
// its parts without running them.
func TestGroupStopsInReverseOrder(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, c := range []struct {
		name  string
		start bool
		want  []string
	}{
		{"started", true, []string{"http returned", "http closed", "bot returned", "worker returned"}},
		{"never started", false, []string{"http closed"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			var events []string
			record := func(e string) {
				mu.Lock()
				events = append(events, e)
				mu.Unlock()
			}
			waitThenRecord := func(name string) func(context.Context) error {
				return func(ctx context.Context) error {
					<-ctx.Done()
					record(name + " returned")
					return nil
				}
			}
			g := newGroup(time.Minute, quiet)
			g.add(part{name: "worker", run: waitThenRecord("worker")})
			g.add(part{name: "bot", run: waitThenRecord("bot")})
			g.add(part{name: "http", run: waitThenRecord("http"), close: func() { record("http closed") }})
			if c.start {
				g.start()
			}
			g.stop()
			g.stop() // a second stop does nothing
			if !slices.Equal(events, c.want) {
				t.Errorf("events %q, want %q", events, c.want)
			}
		})
	}
}

// TestGroupHasOneGracePeriod: the grace period starts when the stop does and is shared: a
// part stopped after another used it up finds it over, rather than getting one of its own.
func TestGroupHasOneGracePeriod(t *testing.T) {
	g := newGroup(50*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
	graceLeft := make(chan bool, 1)
	g.add(part{name: "worker", run: func(ctx context.Context) error {
		<-ctx.Done()
		graceLeft <- g.cutoff.Err() == nil
		return nil
	}})
	// An HTTP server whose request in flight never ends: its shutdown takes the whole grace.
	g.add(part{name: "http", run: func(ctx context.Context) error { <-ctx.Done(); return nil },
		halt: func(cutoff context.Context) error { <-cutoff.Done(); return cutoff.Err() }})
	g.start()
	g.stop()
	if <-graceLeft {
		t.Error("the worker was stopped with grace left, after the HTTP server's shutdown used it all")
	}
}

// TestTakenPortStopsTheStart: an HTTP port already taken fails Run before any part started.
func TestTakenPortStopsTheStart(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cfg := consoleConfig(t, t.TempDir(), "http: {listen: \""+l.Addr().String()+"\"}\n")
	var logBuf strings.Builder
	err = Run(t.Context(), cfg, strings.NewReader(""), io.Discard, slog.New(slog.NewTextHandler(&logBuf, nil)))
	if err == nil || !strings.Contains(err.Error(), "http.listen") {
		t.Fatalf("Run: %v, want the http.listen error", err)
	}
	if log := logBuf.String(); strings.Contains(log, "stagebot running") {
		t.Errorf("the bot started:\n%s", log)
	}
}
