package irc

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"stagebot/bot"
)

// fakeInbox is a bot.Inbox that records what reaches it and, as the core does, resolves
// the author of each command that is not read-only (a line starting "!" other than
// "!status"), off the read loop; wait waits for those resolutions.
type fakeInbox struct {
	mu        sync.Mutex
	messages  []bot.Inbound
	decisions []bot.Decision
	wg        sync.WaitGroup
}

func (f *fakeInbox) Message(ctx context.Context, m bot.Inbound) {
	if !strings.HasPrefix(m.Text, "!") || strings.HasPrefix(m.Text, "!status") {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.messages = append(f.messages, m)
		return
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		m.Author = m.Resolve(ctx)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.messages = append(f.messages, m)
	}()
}

func (f *fakeInbox) Decision(ctx context.Context, d bot.Decision) {
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		d.Author = d.Resolve(ctx)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.decisions = append(f.decisions, d)
	}()
}

func (f *fakeInbox) wait() { f.wg.Wait() }

func (f *fakeInbox) last() bot.Inbound {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.messages[len(f.messages)-1]
}

// recordWriter keeps the lines the session writes.
type recordWriter struct {
	mu    sync.Mutex
	lines []string
	more  chan struct{} // closed, and replaced, at every write
}

func (w *recordWriter) Write(line string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lines = append(w.lines, line)
	if w.more != nil {
		close(w.more)
	}
	w.more = make(chan struct{})
	return nil
}

// await waits until cond holds for the lines written so far, woken by each write.
func (w *recordWriter) await(t *testing.T, what string, cond func([]string) bool) {
	t.Helper()
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	for {
		w.mu.Lock()
		lines := append([]string(nil), w.lines...)
		if w.more == nil {
			w.more = make(chan struct{})
		}
		more := w.more
		w.mu.Unlock()
		if cond(lines) {
			return
		}
		select {
		case <-more:
		case <-deadline.C:
			t.Fatalf("not written within 5s: %s; written: %q", what, lines)
		}
	}
}

func (w *recordWriter) written() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.lines...)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func testSession(t testing.TB) (*session, *fakeInbox, *recordWriter) {
	t.Helper()
	a, err := New(Config{Server: "irc.test:6667", Nick: "stagebot", Channels: []string{"#stage"}, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	h := &fakeInbox{}
	s := newSession(a, h, context.Background())
	w := &recordWriter{}
	s.w = w
	s.out = newSender(w, 1000, 1000)
	return s, h, w
}

// feed runs raw server bytes through the guarded reader and irc.v4's reader into the
// session, as a connection would, without recovering panics: any panic is a failure.
func feed(s *session, raw []byte) {
	sc := &safeConn{r: bufio.NewReaderSize(bytes.NewReader(raw), maxInLine), log: quiet}
	r := irc.NewReader(sc)
	for {
		m, err := r.ReadMessage()
		if err == io.EOF {
			break
		}
		if err != nil {
			continue
		}
		s.handle(m)
	}
}

// FuzzServerLines: no sequence of server lines may panic the adapter's line handling
// (the guarded reader, irc.v4's parser behind it, and the session's handling).
func FuzzServerLines(f *testing.F) {
	for _, seed := range []string{
		"@a=b \r\n",
		":srv 001\r\n",
		":irc.test CAP * LS * :sasl=PLAIN message-tags\r\n:irc.test CAP * LS :echo-message labeled-response\r\n",
		":irc.test CAP stagebot ACK :message-tags echo-message labeled-response account-tag\r\n",
		":irc.test 001 stagebot :hi\r\n:stagebot!s@h JOIN #stage\r\n",
		"@account=sil;msgid=x :sil!s@h PRIVMSG #stage :!approve abcd\r\n",
		"@+draft/react=👍;+draft/reply=m-req :sil!s@h TAGMSG #stage\r\n",
		"@label=sb1;msgid=m2 :stagebot!s@h PRIVMSG #stage :x\r\n",
		":irc.test 311 stagebot sil s h * :r\r\n:irc.test 330 stagebot sil sil :is\r\n:irc.test 318 stagebot sil :end\r\n",
		":a NICK\r\n:a QUIT\r\nAUTHENTICATE\r\n:x KICK\r\nPING\r\n",
		"@=;;=\\ :\x00 PRIVMSG :\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, h, _ := testSession(t)
		feed(s, raw)
		s.close()
		h.wait()
	})
}

// TestHostileLinesAreDropped: lines that make irc.v4 panic ("@a=b ") or that its client
// filters cannot digest are dropped by the guarded reader, and a real irc.v4 client
// behind it goes on to answer the PING that follows them.
func TestHostileLinesAreDropped(t *testing.T) {
	for _, hostile := range []string{
		"@a=b ",
		"@a=b",
		":srv 001",
		"001",
		"@",
		":",
		":only-prefix",
		strings.Repeat("x", maxInLine+100),
		"\x00\x01\x02",
	} {
		t.Run(truncate(hostile, 20), func(t *testing.T) {
			server, client := netPipe(t)
			sc := newSafeConn(client, quiet)
			c := irc.NewClient(sc, irc.ClientConfig{Nick: "stagebot", User: "s", Name: "s",
				PingFrequency: time.Minute, PingTimeout: time.Minute})
			done := make(chan error, 1)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() { done <- c.RunContext(ctx) }()
			br := bufio.NewReader(server)
			go func() { _, _ = io.WriteString(server, hostile+"\r\nPING :alive\r\n") }()
			deadline := time.After(5 * time.Second)
			got := make(chan string, 10)
			go func() {
				for {
					l, err := br.ReadString('\n')
					if err != nil {
						return
					}
					got <- l
				}
			}()
			for {
				select {
				case l := <-got:
					if strings.HasPrefix(l, "PONG") && strings.Contains(l, "alive") {
						return
					}
				case err := <-done:
					t.Fatalf("the client stopped: %v", err)
				case <-deadline:
					t.Fatal("no PONG after the hostile line")
				}
			}
		})
	}
	// The parser guard itself.
	if _, err := parseLine("@a=b "); err == nil {
		t.Fatal(`parseLine("@a=b ") accepted the line`)
	}
}

func TestSessionHandlesReactionsAndWhois(t *testing.T) {
	s, h, w := testSession(t)
	feed(s, []byte(":irc.test CAP * LS :message-tags echo-message labeled-response sasl=PLAIN\r\n"))
	if got := w.written(); len(got) != 3 || got[0] != "CAP REQ :message-tags" {
		t.Fatalf("CAP REQs: %q", got)
	}
	feed(s, []byte(":irc.test CAP stagebot ACK :message-tags\r\n:irc.test CAP stagebot ACK :echo-message\r\n:irc.test CAP stagebot NAK :labeled-response\r\n"))
	if got := w.written(); got[len(got)-1] != "CAP END" {
		t.Fatalf("no CAP END after the answers: %q", got)
	}
	feed(s, []byte(":irc.test 001 stagebot :hi\r\n:stagebot!s@h JOIN #stage\r\n"))
	if !s.ready {
		t.Fatal("not ready after 001 and JOIN")
	}
	// No account-tag: the sender's account comes from WHOIS, answered here.
	feed(s, []byte("@+draft/react=👍;+draft/reply=m-req :sil!u@host TAGMSG #stage\r\n"))
	w.await(t, "WHOIS sil", func(l []string) bool { return contains(l, "WHOIS sil") })
	feed(s, []byte(":irc.test 311 stagebot sil u host * :r\r\n:irc.test 330 stagebot sil silacct :is logged in as\r\n:irc.test 318 stagebot sil :End\r\n"))
	h.wait()
	if len(h.decisions) != 1 || h.decisions[0].Verb != bot.VerbApprove || h.decisions[0].Ref != "m-req" || h.decisions[0].Author.Account != "silacct" {
		t.Fatalf("decisions: %+v", h.decisions)
	}
	// Cached for the same hostmask: no second WHOIS.
	feed(s, []byte(":sil!u@host PRIVMSG #stage :!approve x\r\n"))
	h.wait()
	if n := count(w.written(), "WHOIS sil"); n != 1 {
		t.Fatalf("%d WHOIS, want 1 (cached)", n)
	}
	if got := h.last().Author; got.Account != "silacct" {
		t.Fatalf("cached identity %+v", got)
	}
	// Another hostmask under the same nick gets no account from the cache.
	feed(s, []byte(":sil!evil@elsewhere PRIVMSG #stage :!approve x\r\n"))
	w.await(t, "a second WHOIS sil", func(l []string) bool { return count(l, "WHOIS sil") == 2 })
	feed(s, []byte(":irc.test 311 stagebot sil evil elsewhere * :r\r\n:irc.test 318 stagebot sil :End\r\n"))
	h.wait()
	if got := h.last().Author; got.Account != "" || got.ID != "sil!evil@elsewhere" {
		t.Fatalf("impostor identity %+v", got)
	}
	s.close()
}

func contains(lines []string, s string) bool { return count(lines, s) > 0 }

func count(lines []string, s string) int {
	n := 0
	for _, l := range lines {
		if l == s {
			n++
		}
	}
	return n
}
