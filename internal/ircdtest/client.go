package ircdtest

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"stagebot/internal/testenv"
)

// Client is a raw IRC client for tests: it sends lines as written and lets the test wait
// for the lines it expects. It asks for message-tags (so it sees msgids and can react),
// server-time, batch and account-tag.
type Client struct {
	Nick string

	t     testing.TB
	conn  net.Conn
	lines chan *irc.Message
	mu    sync.Mutex
	seen  []*irc.Message
}

// ClientOptions shape a connection.
type ClientOptions struct {
	User string // ident; default the nick
	// Account and Password log in with SASL PLAIN before registration.
	Account, Password string
	// TLS connects over TLS with this configuration (see Server.ClientTLS); addr must
	// then be the server's TLSAddr.
	TLS *tls.Config
	// External logs in with SASL EXTERNAL: the client certificate in TLS is the
	// credential, mapped to an account by NickServ CERT ADD.
	External bool
}

// DefaultWait is how long Expect waits: every harness's one bound, testenv.Wait.
const DefaultWait = testenv.Wait

// Dial connects and registers as nick; the client is closed when the test ends.
func Dial(t testing.TB, addr, nick string, opts ...ClientOptions) *Client {
	t.Helper()
	var o ClientOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.User == "" {
		o.User = nick
	}
	var conn net.Conn
	var err error
	if o.TLS != nil {
		conn, err = tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, o.TLS)
	} else {
		conn, err = net.DialTimeout("tcp", addr, 5*time.Second)
	}
	if err != nil {
		t.Fatalf("ircdtest: dial %s: %v", addr, err)
	}
	c := &Client{Nick: nick, t: t, conn: conn, lines: make(chan *irc.Message, 4096)}
	t.Cleanup(c.Close)
	go c.read()
	caps := "message-tags server-time batch account-tag echo-message"
	if o.Account != "" || o.External {
		caps += " sasl"
	}
	c.Send("CAP LS 302")
	c.Send("NICK %s", nick)
	c.Send("USER %s 0 * :test client %s", o.User, nick)
	c.Send("CAP REQ :%s", caps)
	c.Expect(func(m *irc.Message) bool { return m.Command == "CAP" && (m.Param(1) == "ACK" || m.Param(1) == "NAK") })
	if o.Account != "" {
		c.Send("AUTHENTICATE PLAIN")
		c.Expect(func(m *irc.Message) bool { return m.Command == "AUTHENTICATE" })
		c.Send("AUTHENTICATE %s", base64.StdEncoding.EncodeToString([]byte(o.Account+"\x00"+o.Account+"\x00"+o.Password)))
		if m := c.Expect(func(m *irc.Message) bool { return m.Command == "903" || m.Command == "904" }); m.Command != "903" {
			t.Fatalf("ircdtest: %s: SASL login as %s failed: %s", nick, o.Account, m)
		}
	}
	if o.External {
		c.Send("AUTHENTICATE EXTERNAL")
		if m := c.Expect(func(m *irc.Message) bool { return m.Command == "AUTHENTICATE" || m.Command == "904" }); m.Command == "904" {
			t.Fatalf("ircdtest: %s: SASL EXTERNAL refused: %s", nick, m)
		}
		c.Send("AUTHENTICATE +")
		if m := c.Expect(func(m *irc.Message) bool { return m.Command == "903" || m.Command == "904" }); m.Command != "903" {
			t.Fatalf("ircdtest: %s: SASL EXTERNAL login failed: %s", nick, m)
		}
	}
	c.Send("CAP END")
	c.Expect(func(m *irc.Message) bool { return m.Command == "001" })
	return c
}

func (c *Client) read() {
	defer close(c.lines)
	r := bufio.NewReader(c.conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		m, err := irc.ParseMessage(line)
		if err != nil {
			continue
		}
		if m.Command == "PING" {
			c.Send("PONG :%s", m.Trailing())
			continue
		}
		c.lines <- m
	}
}

// Send writes one line.
func (c *Client) Send(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	_ = c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.conn.Write([]byte(line + "\r\n")); err != nil {
		c.t.Errorf("ircdtest: %s: send %q: %v", c.Nick, line, err)
	}
}

// Expect waits up to DefaultWait for a line that match accepts, consuming the lines
// before it, and fails the test without one.
func (c *Client) Expect(match func(*irc.Message) bool) *irc.Message {
	c.t.Helper()
	m, ok := c.Await(DefaultWait, match)
	if !ok {
		c.t.Fatalf("ircdtest: %s: no expected line within %s; last lines:\n%s", c.Nick, DefaultWait, c.recent())
	}
	return m
}

// Await is Expect that reports a time-out instead of failing.
func (c *Client) Await(wait time.Duration, match func(*irc.Message) bool) (*irc.Message, bool) {
	timeout := time.NewTimer(wait)
	defer timeout.Stop()
	for {
		select {
		case m, ok := <-c.lines:
			if !ok {
				return nil, false
			}
			c.mu.Lock()
			c.seen = append(c.seen, m)
			c.mu.Unlock()
			if match(m) {
				return m, true
			}
		case <-timeout.C:
			return nil, false
		}
	}
}

// ExpectText waits for a PRIVMSG or NOTICE from `from` (any sender if "") whose text
// contains every one of parts.
func (c *Client) ExpectText(from string, parts ...string) *irc.Message {
	c.t.Helper()
	return c.Expect(TextFrom(from, parts...))
}

// TextFrom matches a PRIVMSG or NOTICE from `from` ("" = anyone) containing every part.
func TextFrom(from string, parts ...string) func(*irc.Message) bool {
	return func(m *irc.Message) bool {
		if m.Command != "PRIVMSG" && m.Command != "NOTICE" {
			return false
		}
		if from != "" && !strings.EqualFold(m.Prefix.Name, from) {
			return false
		}
		for _, p := range parts {
			if !strings.Contains(m.Trailing(), p) {
				return false
			}
		}
		return true
	}
}

// Join joins channel and waits for the end of its names list.
func (c *Client) Join(channel string) {
	c.t.Helper()
	c.Send("JOIN %s", channel)
	c.Expect(func(m *irc.Message) bool { return m.Command == "366" && strings.EqualFold(m.Param(1), channel) })
}

// Say sends a PRIVMSG to target.
func (c *Client) Say(target, text string) { c.Send("PRIVMSG %s :%s", target, text) }

// React sends a +draft/react TAGMSG to target about the message msgid.
func (c *Client) React(target, msgid, reaction string) {
	c.Send("@+draft/react=%s;+draft/reply=%s TAGMSG %s", irc.EncodeTagValue(reaction), irc.EncodeTagValue(msgid), target)
}

// Register creates a services account named nick with password (Atheme's NickServ).
func (c *Client) Register(password string) {
	c.t.Helper()
	c.Send("PRIVMSG NickServ :REGISTER %s %s@example.invalid", password, c.Nick)
	c.Expect(TextFrom("NickServ", "registered"))
}

// AddCert lets the client certificate with fingerprint fp log in to this client's
// account (Atheme's NickServ CERT ADD); the client must be logged in.
func (c *Client) AddCert(fp string) {
	c.t.Helper()
	c.Send("PRIVMSG NickServ :CERT ADD %s", fp)
	if m := c.Expect(TextFrom("NickServ", fp)); !strings.Contains(m.Trailing(), "Added") {
		c.t.Fatalf("ircdtest: %s: CERT ADD: %s", c.Nick, m.Trailing())
	}
}

// Oper makes the client an IRC operator (see OperName).
func (c *Client) Oper() {
	c.t.Helper()
	c.Send("OPER %s %s", OperName, OperPassword)
	if m := c.Expect(func(m *irc.Message) bool { return m.Command == "381" || m.Command == "491" || m.Command == "464" }); m.Command != "381" {
		c.t.Fatalf("ircdtest: %s: OPER refused: %s", c.Nick, m)
	}
}

// Seen returns every line Expect and Await have consumed so far.
func (c *Client) Seen() []*irc.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*irc.Message(nil), c.seen...)
}

func (c *Client) recent() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	from := max(0, len(c.seen)-30)
	for _, m := range c.seen[from:] {
		b.WriteString(m.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Close quits.
func (c *Client) Close() {
	_ = c.conn.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = c.conn.Write([]byte("QUIT :bye\r\n"))
	c.conn.Close()
}
