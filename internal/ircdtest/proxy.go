package ircdtest

import (
	"bufio"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/irc.v4"
)

// Proxy relays IRC lines between clients (the bot) and a server, so a test can see every
// line a client sends and play a server that lags, refuses a command or offers less than
// it has. Each client connection gets its own connection to the server.
type Proxy struct {
	Addr string // 127.0.0.1:port for clients

	t        testing.TB
	upstream string
	ln       net.Listener
	wg       sync.WaitGroup

	mu       sync.Mutex
	sent     []string      // client lines (without CRLF), every connection, in order
	sentAt   []time.Time   // when the proxy read each of sent
	more     chan struct{} // closed and replaced at each client line
	faults   []*fault
	rewrites []func(line string) (string, bool)
	conns    map[net.Conn]bool
	closed   bool
}

// Fault keeps client lines from reaching the server.
type Fault struct {
	// Match picks the client lines (without CRLF) the fault takes.
	Match func(line string) bool
	// Reply plays the server's answer to a line taken (lines without CRLF). Without it
	// nothing comes back: the server seems never to answer (lag).
	Reply func(line string) []string
	// Times is how many lines the fault takes before it lapses; 0 = until removed.
	Times int
}

type fault struct {
	Fault
	left int // lines still to take; <0 = no limit
}

// StartProxy listens on 127.0.0.1 and relays to upstream (host:port); it closes, with
// every connection through it, when the test ends.
func StartProxy(t testing.TB, upstream string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("ircdtest: proxy: %v", err)
	}
	p := &Proxy{Addr: ln.Addr().String(), t: t, upstream: upstream, ln: ln,
		more: make(chan struct{}), conns: map[net.Conn]bool{}}
	t.Cleanup(p.Close)
	p.wg.Add(1)
	go p.accept()
	return p
}

// Inject adds a fault; remove takes it out before it lapses by itself.
func (p *Proxy) Inject(f Fault) (remove func()) {
	ff := &fault{Fault: f, left: f.Times}
	if f.Times <= 0 {
		ff.left = -1
	}
	p.mu.Lock()
	p.faults = append(p.faults, ff)
	p.mu.Unlock()
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		for i, x := range p.faults {
			if x == ff {
				p.faults = append(p.faults[:i], p.faults[i+1:]...)
				return
			}
		}
	}
}

// FromServer rewrites server lines (without CRLF) before clients see them; keep false
// drops the line. Rewrites apply in the order added.
func (p *Proxy) FromServer(rewrite func(line string) (out string, keep bool)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rewrites = append(p.rewrites, rewrite)
}

// HideCaps takes capabilities out of the server's CAP LS and CAP NEW, so a client
// connecting through the proxy meets a server without them (one without account-tag, say).
func (p *Proxy) HideCaps(names ...string) {
	hide := map[string]bool{}
	for _, n := range names {
		hide[n] = true
	}
	p.FromServer(func(line string) (string, bool) {
		if !strings.Contains(line, " CAP ") {
			return line, true
		}
		m, err := irc.ParseMessage(line)
		if err != nil || m.Command != "CAP" || len(m.Params) < 3 {
			return line, true
		}
		sub := strings.ToUpper(m.Param(1))
		if sub != "LS" && sub != "NEW" {
			return line, true
		}
		var kept []string
		for _, c := range strings.Fields(m.Trailing()) {
			if name, _, _ := strings.Cut(c, "="); !hide[name] {
				kept = append(kept, c)
			}
		}
		if sub == "NEW" && len(kept) == 0 {
			return "", false
		}
		m.Params[len(m.Params)-1] = strings.Join(kept, " ")
		return m.String(), true
	})
}

// TryAgain is a Fault.Reply that refuses the line as a busy server does: 263
// RPL_TRYAGAIN to nick, naming the line's command.
func TryAgain(nick string) func(line string) []string {
	return func(line string) []string {
		cmd, _, _ := strings.Cut(line, " ")
		return []string{":" + ServerName + " 263 " + nick + " " + strings.ToUpper(cmd) + " :Please wait a while and try again."}
	}
}

// Sent is every line clients sent so far, taken by a fault or not.
func (p *Proxy) Sent() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.sent...)
}

// Count is how many lines clients sent so far that match accepts.
func (p *Proxy) Count(match func(line string) bool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, l := range p.sent {
		if match(l) {
			n++
		}
	}
	return n
}

// Times is when the proxy read each client line so far that match accepts: how a
// client paces its lines.
func (p *Proxy) Times(match func(line string) bool) []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []time.Time
	for i, l := range p.sent {
		if match(l) {
			out = append(out, p.sentAt[i])
		}
	}
	return out
}

// Await waits up to wait for the n-th client line that match accepts.
func (p *Proxy) Await(wait time.Duration, n int, match func(line string) bool) (string, bool) {
	timeout := time.NewTimer(wait)
	defer timeout.Stop()
	for {
		p.mu.Lock()
		seen := 0
		for _, l := range p.sent {
			if match(l) {
				if seen++; seen == n {
					p.mu.Unlock()
					return l, true
				}
			}
		}
		more := p.more
		p.mu.Unlock()
		select {
		case <-more:
		case <-timeout.C:
			return "", false
		}
	}
}

// Expect is Await for DefaultWait that fails the test without the line.
func (p *Proxy) Expect(n int, match func(line string) bool) string {
	p.t.Helper()
	l, ok := p.Await(DefaultWait, n, match)
	if !ok {
		p.t.Fatalf("ircdtest: proxy: no client line #%d as expected within %s; %d lines sent", n, DefaultWait, len(p.Sent()))
	}
	return l
}

// Close stops listening and ends every connection through the proxy.
func (p *Proxy) Close() {
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.ln.Close()
	p.wg.Wait()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go p.relay(c)
	}
}

// track adds c to the connections Close ends; false once the proxy is closed.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[c] = true
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}

func (p *Proxy) relay(client net.Conn) {
	defer p.wg.Done()
	defer client.Close()
	if !p.track(client) {
		return
	}
	defer p.untrack(client)
	server, err := net.DialTimeout("tcp", p.upstream, 5*time.Second)
	if err != nil {
		// The client sees its connection close: a server that is down.
		return
	}
	defer server.Close()
	if !p.track(server) {
		return
	}
	defer p.untrack(server)
	// Both directions write to the client (server lines and fault replies): one line at
	// a time.
	toClient := &lineWriter{w: client}
	done := make(chan struct{}, 2)
	go func() { p.fromClient(client, server, toClient); done <- struct{}{} }()
	go func() { p.fromServer(server, toClient); done <- struct{}{} }()
	// Either side gone ends both.
	<-done
	client.Close()
	server.Close()
	<-done
}

func (p *Proxy) fromClient(client io.Reader, server io.Writer, toClient *lineWriter) {
	r := bufio.NewReader(client)
	for {
		raw, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line := strings.TrimRight(raw, "\r\n")
		f := p.record(line)
		switch {
		case f == nil:
			if _, err := io.WriteString(server, raw); err != nil {
				return
			}
		case f.Reply != nil:
			for _, l := range f.Reply(line) {
				if err := toClient.write(l); err != nil {
					return
				}
			}
		}
	}
}

// record notes a client line and returns the fault that takes it, if any.
func (p *Proxy) record(line string) *fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, line)
	p.sentAt = append(p.sentAt, time.Now())
	close(p.more)
	p.more = make(chan struct{})
	for i, f := range p.faults {
		if !f.Match(line) {
			continue
		}
		if f.left > 0 {
			if f.left--; f.left == 0 {
				p.faults = append(p.faults[:i], p.faults[i+1:]...)
			}
		}
		return f
	}
	return nil
}

func (p *Proxy) fromServer(server io.Reader, toClient *lineWriter) {
	r := bufio.NewReader(server)
	for {
		raw, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line, keep := strings.TrimRight(raw, "\r\n"), true
		p.mu.Lock()
		rewrites := p.rewrites
		p.mu.Unlock()
		for _, rw := range rewrites {
			if line, keep = rw(line); !keep {
				break
			}
		}
		if !keep {
			continue
		}
		if err := toClient.write(line); err != nil {
			return
		}
	}
}

type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineWriter) write(line string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err := io.WriteString(l.w, line+"\r\n")
	return err
}
