package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"stagebot/httpapi"
	"stagebot/internal/bottest"
	"stagebot/internal/clicktest"
)

// sse is one server-sent event as a client parses it; a comment line comes as its own
// event named ":".
type sse struct {
	name, id, data string
}

// openEvents subscribes to base/api/events and parses the stream on a channel, which closes
// when the stream ends. The subscription is in place when it returns.
func openEvents(t *testing.T, base string) <-chan sse {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /api/events: %v", err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET /api/events: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := make(chan sse, 1024)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var ev sse
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev != (sse{}) {
					out <- ev
				}
				ev = sse{}
			case strings.HasPrefix(line, ":"):
				out <- sse{name: ":", data: strings.TrimSpace(line[1:])}
			case strings.HasPrefix(line, "event: "):
				ev.name = line[len("event: "):]
			case strings.HasPrefix(line, "id: "):
				ev.id = line[len("id: "):]
			case strings.HasPrefix(line, "data: "):
				ev.data += line[len("data: "):]
			}
		}
	}()
	return out
}

// nextAnnouncement waits for the next announcement on events that match says is the one.
func nextAnnouncement(t *testing.T, events <-chan sse, what string, match func(httpapi.Announcement) bool) (httpapi.Announcement, sse) {
	t.Helper()
	deadline := time.After(bottest.Wait)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("the event stream ended before %s", what)
			}
			if ev.name != "announcement" {
				continue
			}
			var a httpapi.Announcement
			if err := json.Unmarshal([]byte(ev.data), &a); err != nil {
				t.Fatalf("announcement data is not JSON: %v: %s", err, ev.data)
			}
			if match(a) {
				return a, ev
			}
		case <-deadline:
			t.Fatalf("no announcement of %s on the event stream within %s", what, bottest.Wait)
		}
	}
}

// Every announcement a real action causes comes on /api/events as it happens, as an
// "announcement" event whose data names the request, its filename, its state (or the
// tick) and the console's line.
func TestEventsStreamAnnouncements(t *testing.T) {
	b, base := startHTTPBot(t)
	events := openEvents(t, base)
	id, file := b.Stage(clicktest.Spec{Name: "com.example.streamed", Version: "1.0", Framework: "ubuntu-sdk-15.04", Arch: "all"})

	lastSeq := uint64(0)
	for _, word := range []string{"requested", "approved", "locked"} {
		a, ev := nextAnnouncement(t, events, word, func(a httpapi.Announcement) bool { return a.ID == id && a.Word == word })
		if a.Filename != file || a.UUID == "" || !strings.HasPrefix(a.UUID, id) || a.Tick {
			t.Errorf("%s: %+v", word, a)
		}
		wantState := map[string]string{"requested": "pending", "approved": "approved", "locked": "locked"}[word]
		if string(a.State) != wantState {
			t.Errorf("%s: state %q, want %q", word, a.State, wantState)
		}
		if !strings.HasPrefix(a.Text, "["+id+"] "+file+" "+word) {
			t.Errorf("%s: text %q", word, a.Text)
		}
		if ev.id != fmt.Sprint(a.Seq) || a.Seq <= lastSeq {
			t.Errorf("%s: SSE id %q, seq %d after %d", word, ev.id, a.Seq, lastSeq)
		}
		lastSeq = a.Seq
	}

	// The tick and what it stored, in whichever order they are announced.
	b.Say("sil2100> !tick")
	var tick, stored httpapi.Announcement
	for tick.Seq == 0 || stored.Seq == 0 {
		a, _ := nextAnnouncement(t, events, "the tick and the stored request", func(a httpapi.Announcement) bool {
			return a.Tick || a.ID == id && a.State == "stored"
		})
		if a.Tick {
			tick = a
		} else {
			stored = a
		}
	}
	if tick.Word != "tick" || tick.ID != "" || len(tick.Requests) != 1 || tick.Requests[0].ID != id || tick.Requests[0].Filename != file {
		t.Errorf("tick: %+v", tick)
	}
	if stored.Word != "stored" || stored.Filename != file {
		t.Errorf("stored: %+v", stored)
	}
}

// A stream is turned away when too many are open, with a JSON 503 saying so; one that
// closes makes room again.
func TestEventsStreamLimit(t *testing.T) {
	_, base := startHTTPBot(t)
	var conns []net.Conn
	for range httpapi.MaxEventStreams {
		conns = append(conns, rawSubscribe(t, base, 0))
	}
	if m := getJSON(t, base+"/api/events", http.StatusServiceUnavailable, nil); m["error"] == nil {
		t.Errorf("one stream too many: no error sentence: %v", m)
	}
	conns[0].Close()
	deadline := time.Now().Add(bottest.Wait)
	for {
		resp, err := http.Get(base + "/api/events")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no room for a stream after one closed: %d", resp.StatusCode)
		}
		time.Sleep(20 * time.Millisecond) // the server notices the close on its own
	}
}

// rawSubscribe opens /api/events on a connection of its own that reads the answer's first
// bytes (so the subscription is in place) and then nothing: a client that stalled. rcvbuf
// > 0 makes its receive buffer that small, so the server's writes back up soon.
func rawSubscribe(t *testing.T, base string, rcvbuf int) net.Conn {
	t.Helper()
	d := net.Dialer{Control: nil}
	conn, err := d.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if rcvbuf > 0 {
		if err := conn.(*net.TCPConn).SetReadBuffer(rcvbuf); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Fprintf(conn, "GET /api/events HTTP/1.1\r\nHost: stagebot\r\n\r\n")
	conn.SetReadDeadline(time.Now().Add(bottest.Wait))
	head := make([]byte, 12)
	if _, err := conn.Read(head); err != nil || string(head) != "HTTP/1.1 200" {
		t.Fatalf("subscribe: %q %v", head, err)
	}
	conn.SetReadDeadline(time.Time{})
	return conn
}

// Clients of /api/events that stopped reading do not delay the chat: the time from an
// approval to its `locked` line on the console is the same beside twenty of them as
// without. The numbers are logged.
func TestStalledStreamsDoNotDelayChat(t *testing.T) {
	b, base := startHTTPBot(t)
	dir := t.TempDir()
	lockTimes := func(round string, n int) []time.Duration {
		var out []time.Duration
		for i := range n {
			path := clicktest.Build(t, dir, clicktest.Spec{Name: fmt.Sprintf("com.example.%s%d", round, i), Version: "1.0",
				Framework: "ubuntu-sdk-15.04", Arch: "all", Files: map[string]string{"app.qml": "Item {}\n"}})
			b.Say("alice> !stage " + path)
			id := b.WaitFor(`\[([0-9a-f]{8})\] \S+ requested: .* by alice`)[1]
			start := time.Now()
			b.Say("sil2100> !approve " + id)
			b.WaitFor(`^\[` + id + `\] \S+ locked`)
			out = append(out, time.Since(start))
		}
		return out
	}
	alone := lockTimes("alone", 7)
	for range 20 {
		rawSubscribe(t, base, 1024)
	}
	beside := lockTimes("beside", 7)
	t.Logf("approval to `locked` on the console: median %s alone, %s beside 20 stalled event streams (each round %v, %v)",
		median(alone), median(beside), alone, beside)
	if median(beside) > 3*median(alone)+200*time.Millisecond {
		t.Errorf("the stalled streams delayed the chat: median %s, against %s without them", median(beside), median(alone))
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
