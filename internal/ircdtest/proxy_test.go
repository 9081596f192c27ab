package ircdtest

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"
)

// upstream is a stand-in server for the proxy: it hands over the lines it receives and
// sends what the test tells it to, on its first connection.
type upstream struct {
	ln    net.Listener
	lines chan string
	conn  chan net.Conn
}

func startUpstream(t *testing.T) *upstream {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	u := &upstream{ln: ln, lines: make(chan string, 100), conn: make(chan net.Conn, 1)}
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		t.Cleanup(func() { c.Close() })
		u.conn <- c
		sc := bufio.NewScanner(c)
		for sc.Scan() {
			u.lines <- strings.TrimRight(sc.Text(), "\r")
		}
		close(u.lines)
	}()
	return u
}

// next is the next line the server received.
func (u *upstream) next(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-u.lines:
		if !ok {
			t.Fatal("the proxy closed the server connection")
		}
		return l
	case <-time.After(DefaultWait):
		t.Fatal("the server received nothing")
	}
	return ""
}

// client dials the proxy and returns a line writer and a line reader.
func dialProxy(t *testing.T, p *Proxy) (send func(string), recv func() string) {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := bufio.NewReader(c)
	send = func(l string) {
		if _, err := c.Write([]byte(l + "\r\n")); err != nil {
			t.Fatalf("client write: %v", err)
		}
	}
	recv = func() string {
		t.Helper()
		_ = c.SetReadDeadline(time.Now().Add(DefaultWait))
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("client read: %v", err)
		}
		return strings.TrimRight(l, "\r\n")
	}
	return send, recv
}

func isWhois(l string) bool { return strings.HasPrefix(l, "WHOIS ") }

// TestProxyFaults: a fault takes the client lines it matches, for as many lines as it
// says, answering them itself or not at all; the proxy records every line either way,
// and the server sees the others in order.
func TestProxyFaults(t *testing.T) {
	tests := []struct {
		name      string
		fault     Fault
		wantReply string // what the client gets back for each line taken
	}{
		{name: "swallowed", fault: Fault{Match: isWhois, Times: 2}},
		{name: "refused with 263", fault: Fault{Match: isWhois, Times: 2, Reply: TryAgain("bot")},
			wantReply: ":irc.test 263 bot WHOIS :Please wait a while and try again."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := startUpstream(t)
			p := StartProxy(t, u.ln.Addr().String())
			p.Inject(tt.fault)
			send, recv := dialProxy(t, p)
			for range 2 {
				send("WHOIS sil")
				if tt.wantReply != "" {
					if got := recv(); got != tt.wantReply {
						t.Fatalf("reply %q, want %q", got, tt.wantReply)
					}
				}
			}
			// Both taken: the server's first line is the one after them, and the fault
			// has lapsed for the third WHOIS.
			send("PING one")
			send("WHOIS sil")
			for _, want := range []string{"PING one", "WHOIS sil"} {
				if got := u.next(t); got != want {
					t.Fatalf("the server got %q, want %q", got, want)
				}
			}
			p.Expect(3, isWhois)
			if n := p.Count(isWhois); n != 3 {
				t.Fatalf("%d WHOIS recorded, want 3", n)
			}
			if at := p.Times(isWhois); len(at) != 3 || at[2].Before(at[0]) {
				t.Fatalf("WHOIS times %v, want 3 in order", at)
			}
		})
	}
}

// TestProxyRemoveFault: a fault without a limit holds until removed.
func TestProxyRemoveFault(t *testing.T) {
	u := startUpstream(t)
	p := StartProxy(t, u.ln.Addr().String())
	remove := p.Inject(Fault{Match: isWhois})
	send, _ := dialProxy(t, p)
	for range 3 {
		send("WHOIS sil")
	}
	p.Expect(3, isWhois)
	remove()
	send("WHOIS ana")
	if got := u.next(t); got != "WHOIS ana" {
		t.Fatalf("the server got %q, want WHOIS ana", got)
	}
}

// TestProxyHideCaps: hidden capabilities vanish from CAP LS and CAP NEW (a NEW left
// empty is dropped); other lines pass as they are.
func TestProxyHideCaps(t *testing.T) {
	u := startUpstream(t)
	p := StartProxy(t, u.ln.Addr().String())
	p.HideCaps("account-tag", "extended-join")
	send, recv := dialProxy(t, p)
	send("CAP LS 302")
	u.next(t)
	srv := <-u.conn
	for _, l := range []string{
		":irc.test CAP * LS * :account-tag batch=x",
		":irc.test CAP * LS :extended-join echo-message sasl=PLAIN",
		":irc.test CAP * NEW :account-tag",
		":irc.test CAP * NEW :extended-join cap-notify",
		":irc.test 001 bot :Welcome CAP LS account-tag",
	} {
		if _, err := srv.Write([]byte(l + "\r\n")); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"LS batch=x", "LS echo-message sasl=PLAIN", "NEW cap-notify", "001 Welcome CAP LS account-tag"} {
		got := recv()
		m, err := irc.ParseMessage(got)
		if err != nil {
			t.Fatalf("%q: %v", got, err)
		}
		sub := m.Param(1)
		if m.Command == "001" {
			sub = "001"
		}
		if s := sub + " " + m.Trailing(); s != want {
			t.Fatalf("the client got %q (%s), want %s", got, s, want)
		}
	}
}

// TestProxyClose ends the connections through it.
func TestProxyClose(t *testing.T) {
	u := startUpstream(t)
	p := StartProxy(t, u.ln.Addr().String())
	send, _ := dialProxy(t, p)
	send("PING x")
	u.next(t)
	p.Close()
	select {
	case _, ok := <-u.lines:
		if ok {
			t.Fatal("the server got a line after Close")
		}
	case <-time.After(DefaultWait):
		t.Fatal("the server connection stayed open after Close")
	}
}
