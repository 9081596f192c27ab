package httpapi

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"stagebot"
	"stagebot/storage"
	"stagebot/workflow"
)

// streamBot is a Server on a real listener over a real outbox, with nothing else running:
// the tests announce into the outbox themselves.
type streamBot struct {
	srv  *Server
	db   *storage.DB
	base string
}

func startStreams(t *testing.T, tune func(*Server)) *streamBot {
	t.Helper()
	db, err := storage.OpenWith(filepath.Join(t.TempDir(), "stagebot.db"), storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Outbox().KeepCursors([]stagebot.Dest{EventsDest}); err != nil {
		t.Fatal(err)
	}
	s := New(Config{Service: workflow.New(workflow.Config{DB: db}), Feed: db.Outbox()})
	if tune != nil {
		tune(s)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
		<-served
	})
	return &streamBot{srv: s, db: db, base: "http://" + l.Addr().String()}
}

// announce records n announcements about requests named filename, batch to a transaction
// as the workflow's changes come. It may run on a goroutine of its own.
func (b *streamBot) announce(t *testing.T, n, batch int, filename string) {
	for i := 0; i < n; i += batch {
		err := b.db.Update(func(tx *storage.Tx) error {
			for j := i; j < min(i+batch, n); j++ {
				id := fmt.Sprintf("%08x-0000-4000-8000-000000000000", j)
				e := stagebot.Event{Kind: stagebot.EventState, State: stagebot.StatePending, At: time.Now(),
					Request: &stagebot.RequestRef{ID: id, Filename: filename, State: stagebot.StatePending}}
				if _, err := tx.Announce(e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Errorf("announce: %v", err)
			return
		}
	}
}

// subscribe opens /api/events and returns a reader of its lines, the subscription in place.
func (b *streamBot) subscribe(t *testing.T) *bufio.Reader {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.base+"/api/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("subscribe: %v %v", resp, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return bufio.NewReader(resp.Body)
}

// stalled opens /api/events on a connection with a tiny receive buffer that reads the
// answer's status line and then nothing more: a client that stopped reading.
func (b *streamBot) stalled(t *testing.T) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(b.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.(*net.TCPConn).SetReadBuffer(1024); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "GET /api/events HTTP/1.1\r\nHost: stagebot\r\n\r\n")
	head := make([]byte, 12)
	if _, err := io.ReadFull(conn, head); err != nil || string(head) != "HTTP/1.1 200" {
		t.Fatalf("subscribe: %q %v", head, err)
	}
	return conn
}

// awaitLine reads lines from r until one has prefix, within d.
func awaitLine(t *testing.T, r *bufio.Reader, prefix string, d time.Duration) string {
	t.Helper()
	got := make(chan string, 1)
	go func() {
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				close(got)
				return
			}
			if strings.HasPrefix(l, prefix) {
				got <- l
				return
			}
		}
	}()
	select {
	case l, ok := <-got:
		if !ok {
			t.Fatalf("the stream ended before a line starting %q", prefix)
		}
		return l
	case <-time.After(d):
		t.Fatalf("no line starting %q within %s", prefix, d)
	}
	return ""
}

// A stream lives past the server's read and write timeouts (it ends only when its client
// goes or the server stops), heartbeats while nothing happens, and still carries the
// next announcement.
func TestEventStreamOutlivesServerTimeouts(t *testing.T) {
	b := startStreams(t, func(s *Server) {
		s.srv.ReadTimeout, s.srv.WriteTimeout = 300*time.Millisecond, 300*time.Millisecond
		s.heartbeat = 100 * time.Millisecond
	})
	r := b.subscribe(t)
	start := time.Now()
	for time.Since(start) < time.Second {
		awaitLine(t, r, ": keepalive", 2*time.Second)
	}
	b.announce(t, 1, 1, "late_1.0_all.click")
	if l := awaitLine(t, r, "data: ", 5*time.Second); !strings.Contains(l, `"filename":"late_1.0_all.click"`) {
		t.Fatalf("announcement after the timeouts: %s", l)
	}
}

// Shutdown ends the open streams at once: they never end by themselves, and Shutdown would
// otherwise wait for them until its deadline.
func TestShutdownEndsEventStreams(t *testing.T) {
	b := startStreams(t, nil)
	r := b.subscribe(t)
	b.stalled(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := b.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v after %s", err, time.Since(start))
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Shutdown took %s with streams open", d)
	}
	if _, err := io.ReadAll(r); err != nil {
		t.Fatalf("the stream did not end cleanly: %v", err)
	}
}

// Clients that stop reading hold up nothing: a stream that keeps reading gets every
// announcement as soon as without them, and the stalled ones are dropped once their
// buffer is full. The numbers are logged.
func TestStalledStreamsHoldNothing(t *testing.T) {
	const batches, batch = 60, 50
	// A long filename makes each event about 1.5 KiB: the stalled connections' socket
	// buffers fill within the first few hundred.
	filename := strings.Repeat("x", 600) + "_1.0_all.click"
	// run announces batches of announcements, each in one transaction as a tick storing
	// many requests would, and returns how long each took to reach a client that reads.
	run := func(stalled int) ([]time.Duration, *streamBot, []net.Conn) {
		b := startStreams(t, func(s *Server) { s.streamWriteTimeout = 2 * time.Second })
		var conns []net.Conn
		for range stalled {
			conns = append(conns, b.stalled(t))
		}
		r := b.subscribe(t)
		for deadline := time.Now().Add(30 * time.Second); b.srv.hub.size() != stalled+1; {
			if time.Now().After(deadline) {
				t.Fatalf("%d streams open, want %d", b.srv.hub.size(), stalled+1)
			}
			time.Sleep(time.Millisecond) // the server registers each stream as it answers it
		}
		data := make(chan string, batches*batch)
		go func() {
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					close(data)
					return
				}
				if strings.HasPrefix(l, "data: ") {
					data <- l
				}
			}
		}()
		var took []time.Duration
		for k := range batches {
			start := time.Now()
			b.announce(t, batch, batch, filename)
			for i := range batch {
				select {
				case _, ok := <-data:
					if !ok {
						t.Fatalf("batch %d: the reading client's stream ended after %d announcements", k, i)
					}
				case <-time.After(30 * time.Second):
					t.Fatalf("batch %d: announcement %d did not reach the reading client", k, i)
				}
			}
			took = append(took, time.Since(start))
		}
		return took, b, conns
	}
	alone, _, _ := run(0)
	beside, b, conns := run(3)
	t.Logf("%d batches of %d announcements (over %d B each) to a reading client: median %s, worst %s alone; median %s, worst %s beside 3 stalled clients",
		batches, batch, 2*len(filename), median(alone), slices.Max(alone), median(beside), slices.Max(beside))
	if median(beside) > 3*median(alone)+50*time.Millisecond {
		t.Errorf("the stalled clients slowed the reading one: median %s, against %s alone", median(beside), median(alone))
	}
	deadline := time.Now().Add(10 * time.Second)
	for b.srv.hub.size() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d streams open, want the reading one alone: the stalled ones were not dropped", b.srv.hub.size())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// What a stalled client finds when it reads again: the events queued before it was
	// dropped, then the end of the stream.
	for i, c := range conns {
		// A receive buffer that small drains slowly: a reading client's size first.
		c.(*net.TCPConn).SetReadBuffer(4 << 20)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		data, err := io.ReadAll(c)
		if err != nil {
			t.Fatalf("stalled client %d: the server did not close its stream: %v", i, err)
		}
		got := strings.Count(string(data), "\ndata: ")
		t.Logf("stalled client %d got %d of %d announcements before it was dropped", i, got, batches*batch)
		if got >= batches*batch {
			t.Errorf("stalled client %d got every announcement: it never stalled", i)
		}
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
