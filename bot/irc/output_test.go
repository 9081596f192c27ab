package irc_test

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"gopkg.in/irc.v4"

	"stagebot/internal/bottest"
	"stagebot/internal/ircdtest"
)

// The forged announcement of the output tests: what a line from the bot must never start
// with unless it is the real announcement of request deadbeef.
const forged = "[deadbeef] com.victim_2.0_armhf.click approved: by sil"

var announcementLike = regexp.MustCompile(`^\[[0-9a-fA-F]{8}\]`)

// wireProblem says what is wrong with one line the bot sent, as c received it: over 512
// bytes as relayed; a control (C0, C1: IRC formatting and CTCP included), bidi, separator
// or zero-width character; or, once a leading "nick: " or continuation mark is taken
// off, a start that reads as an announcement about a request other than realIDs. "" when
// the line is fine.
func wireProblem(m *irc.Message, realIDs ...string) string {
	text := m.Trailing()
	if wire := ":" + m.Prefix.String() + " " + m.Command + " " + m.Param(0) + " :" + text + "\r\n"; len(wire) > 512 {
		return fmt.Sprintf("%d bytes as relayed", len(wire))
	}
	if !utf8.ValidString(text) {
		return "not UTF-8"
	}
	for _, r := range text {
		switch {
		case r < 0x20, r == 0x7f, 0x80 <= r && r <= 0x9f,
			r == 0x200e, r == 0x200f, 0x202a <= r && r <= 0x202e, 0x2066 <= r && r <= 0x2069,
			r == 0x2028, r == 0x2029, 0x200b <= r && r <= 0x200d, r == 0x2060, r == 0xfeff:
			return fmt.Sprintf("holds %U", r)
		}
	}
	body := strings.TrimPrefix(text, "… ")
	if nick, rest, ok := strings.Cut(body, ": "); ok && !strings.ContainsAny(nick, " []") {
		body = rest
	}
	if start := announcementLike.FindString(body); start != "" && !slices.Contains(realIDs, start[1:9]) {
		return "reads as an announcement"
	}
	return ""
}

// botTo matches the bot's chat lines to the channel or to nick.
func botTo(nick string) func(*irc.Message) bool {
	return func(m *irc.Message) bool {
		return (m.Command == "PRIVMSG" || m.Command == "NOTICE") && strings.EqualFold(m.Prefix.Name, "stagebot") &&
			(m.Param(0) == channel || strings.EqualFold(m.Param(0), nick))
	}
}

// TestReasonCannotForgeAnAnnouncement: a reason padded so that the cut of a line at the
// limit falls inside the forged announcement it carries (` [deadbeef]` after 240 bytes of
// padding, then 192 more without a space) does not make any line the bot sends start
// like an announcement: not the reply to the person (its continuations start with "… "),
// not the announcement that quotes the reason (one line, the reason cut short).
func TestReasonCannotForgeAnAnnouncement(t *testing.T) {
	t.Parallel()
	reason := strings.Repeat("─", 80) + " [deadbeef]" + strings.Repeat("─", 64) + strings.TrimPrefix(forged, "[deadbeef]")
	for _, command := range []string{"hold", "cancel"} {
		t.Run(command, func(t *testing.T) {
			t.Parallel()
			srv := ircdtest.Start(t, ircdtest.Options{})
			clicks := t.TempDir()
			file := buildClick(t, clicks, "com.example.foo", "1.0")
			lander := ircdtest.Dial(t, srv.Addr, "lander")
			sil := ircdtest.Dial(t, srv.Addr, "sil")
			watch := ircdtest.Dial(t, srv.Addr, "watch")
			for _, c := range []*ircdtest.Client{lander, sil, watch} {
				c.Join(channel)
			}
			bottest.StartWith(t, bottest.Options{NoConsole: true, Team: hostmaskTeam, Extra: onIRC{addr: srv.Addr, baseURL: serveClicks(t, clicks)}.yaml()})
			awaitBotIn(t, watch, bottest.Wait)
			lander.Say(channel, "!stage "+file)
			id := requestID(t, watch.Expect(func(m *irc.Message) bool {
				return botTo("watch")(m) && strings.Contains(m.Trailing(), "] "+file+" requested")
			}))

			sil.Say(channel, "!"+command+" "+id+" "+reason)
			// The announcement that quotes the reason, then, from sil's and watch's own
			// queues, answers that come after everything the bot had to say to sil about it.
			watch.Expect(func(m *irc.Message) bool {
				return botTo("watch")(m) && strings.HasPrefix(m.Trailing(), "["+id+"] "+file+" ")
			})
			sil.Say(channel, "!status zzzz0001")
			watch.Expect(ircdtest.TextFrom("stagebot", "zzzz0001"))
			watch.Say(channel, "!status zzzz0002")
			watch.Expect(ircdtest.TextFrom("stagebot", "zzzz0002"))

			var said int
			for _, m := range watch.Seen() {
				if !botTo("watch")(m) {
					continue
				}
				said++
				if why := wireProblem(m, id); why != "" {
					t.Errorf("the bot sent %q: %s", m.Trailing(), why)
				}
			}
			if said < 4 {
				t.Fatalf("saw %d lines from the bot, want at least the requested, the %s, its reply and two answers", said, command)
			}
		})
	}
}

// reply collects the bot's reply to `from` (a command just sent in the channel): its
// first line, addressed "nick: ", and the continuations that follow it. A read-only
// command sent after the first line is answered after all of them (one person's replies
// keep their order), so its answer ends the reply; more than MaxLines lines fail at once.
func reply(t *testing.T, from *ircdtest.Client, sentinel string) []*irc.Message {
	t.Helper()
	first := from.Expect(func(m *irc.Message) bool {
		return botTo(from.Nick)(m) && m.Param(0) == channel && strings.HasPrefix(m.Trailing(), from.Nick+": ")
	})
	lines := []*irc.Message{first}
	from.Say(channel, "!status "+sentinel)
	for {
		m := from.Expect(botTo(from.Nick))
		if strings.Contains(m.Trailing(), sentinel) {
			return lines
		}
		lines = append(lines, m)
		if len(lines) > 3 {
			t.Fatalf("a reply of more than 3 lines:\n%s", quoteLines(lines))
		}
	}
}

func quoteLines(lines []*irc.Message) string {
	var b strings.Builder
	for _, m := range lines {
		fmt.Fprintf(&b, "  %d bytes: %.300q\n", len(m.Trailing()), m.Trailing())
	}
	return b.String()
}

// checkReply fails unless lines are one reply as IRC may carry it: each line fine by
// wireProblem, the first addressed to nick, every other one a continuation.
func checkReply(t *testing.T, nick string, lines []*irc.Message) {
	t.Helper()
	for i, m := range lines {
		why := wireProblem(m)
		switch {
		case why != "":
		case i > 0 && !strings.HasPrefix(m.Trailing(), "… "):
			why = "a line of its own, not a continuation"
		case i == 0 && !strings.HasPrefix(m.Trailing(), nick+": "):
			why = "not addressed to " + nick
		}
		if why != "" {
			t.Errorf("line %d of the reply: %s\n%s", i, why, quoteLines(lines))
		}
	}
}

// TestDownloadTextReachesNoWireRaw: what a download brings (the label of a URL, its last
// segment percent-decoded, in the refusal of a click over downloads.max_bytes; a server's
// HTTP reason phrase; the host a redirect leads to, refused) is cleaned before it reaches
// the channel: a %0A in the label forges no line, IRC colours and CTCP in a reason
// phrase and U+202E, NEL and U+2028 in a host arrive as visible stand-ins, each reply
// one message of continuations.
func TestDownloadTextReachesNoWireRaw(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{})
	huge := rawHTTP(t, "200 OK", "Content-Length: 3221225472")
	reason := rawHTTP(t, "404 \x01ACTION \x034,1Not \x02Found\x0f\x01", "Content-Length: 0")
	redirect := rawHTTP(t, "302 Found", "Location: http://evil\u202eexample.com\u0085next\u2028line/x.click", "Content-Length: 0")

	lander := ircdtest.Dial(t, srv.Addr, "lander")
	lander.Join(channel)
	bottest.StartWith(t, bottest.Options{NoConsole: true, Team: hostmaskTeam, Extra: onIRC{addr: srv.Addr, baseURL: huge + "/"}.yaml()})
	awaitBotIn(t, lander, bottest.Wait)

	for i, c := range []struct{ name, url string }{
		{"percent-decoded label", huge + "/x%0A" + url.PathEscape(forged) + ".click"},
		{"reason phrase", reason + "/com.example.foo_1.0_all.click"},
		{"redirect to a refused host", redirect + "/com.example.foo_1.0_all.click"},
	} {
		t.Run(c.name, func(t *testing.T) {
			lander.Say(channel, "!stage "+c.url)
			lines := reply(t, lander, "zzzz000"+strconv.Itoa(i))
			t.Logf("reply:\n%s", quoteLines(lines))
			checkReply(t, "lander", lines)
		})
	}
}

// rawHTTP answers every request with status (the status line's code and reason phrase,
// as written) and headers, and no body, as no net/http server would; it returns the
// server's URL.
func rawHTTP(t *testing.T, status string, headers ...string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	head := "HTTP/1.1 " + status + "\r\n" + strings.Join(append(headers, "Connection: close"), "\r\n") + "\r\n\r\n"
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(bottest.Wait))
				r := bufio.NewReader(conn)
				for {
					l, err := r.ReadString('\n')
					if err != nil || l == "\r\n" {
						break
					}
				}
				_, _ = io.WriteString(conn, head)
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// TestHugeQuoteIsOneShortReply: a small click (under 2 KiB) whose md5sums names a path of
// 1 MiB is refused in at most three lines of at most 512 bytes as relayed, not in the
// thousands of lines quoting the whole path would take.
func TestHugeQuoteIsOneShortReply(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{})
	clicks := t.TempDir()
	file := buildClick(t, clicks, "com.example.huge", "1.0")
	path := filepath.Join(clicks, file)
	withMD5Sum(t, path, strings.Repeat("a/", 1<<19))
	if st, err := os.Stat(path); err != nil || st.Size() > 4096 {
		t.Fatalf("the click is not small: %v, %v", st.Size(), err)
	}
	lander := ircdtest.Dial(t, srv.Addr, "lander")
	lander.Join(channel)
	bottest.StartWith(t, bottest.Options{NoConsole: true, Team: hostmaskTeam, Extra: onIRC{addr: srv.Addr, baseURL: serveClicks(t, clicks)}.yaml()})
	awaitBotIn(t, lander, bottest.Wait)

	lander.Say(channel, "!stage "+file)
	lines := reply(t, lander, "zzzz0001")
	t.Logf("reply:\n%s", quoteLines(lines))
	checkReply(t, "lander", lines)
	if !strings.Contains(lines[0].Trailing(), "md5sums") && !strings.Contains(lines[len(lines)-1].Trailing(), "md5sums") {
		t.Errorf("the reply does not say what is wrong:\n%s", quoteLines(lines))
	}
}

// withMD5Sum rewrites the click at path with one more line in its md5sums, naming p.
func withMD5Sum(t *testing.T, path, p string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	members := readAr(t, raw)
	for i, m := range members {
		if m.name == "control.tar.gz" {
			members[i].body = rewriteTarGz(t, m.body, "./md5sums", func(b []byte) []byte {
				return append(b, []byte("d41d8cd98f00b204e9800998ecf8427e  "+p+"\n")...)
			})
		}
	}
	if err := os.WriteFile(path, writeAr(members), 0o644); err != nil {
		t.Fatal(err)
	}
}

type arMember struct {
	name string
	body []byte
}

// readAr reads the members of an ar archive as click build writes it.
func readAr(t *testing.T, b []byte) []arMember {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("!<arch>\n")) {
		t.Fatal("not an ar archive")
	}
	b = b[8:]
	var out []arMember
	for len(b) >= 60 {
		name := strings.TrimSuffix(strings.TrimSpace(string(b[:16])), "/")
		size, err := strconv.Atoi(strings.TrimSpace(string(b[48:58])))
		if err != nil || 60+size > len(b) {
			t.Fatalf("bad ar header %q", b[:60])
		}
		out = append(out, arMember{name, b[60 : 60+size]})
		b = b[60+size+size%2:]
	}
	return out
}

func writeAr(members []arMember) []byte {
	var b bytes.Buffer
	b.WriteString("!<arch>\n")
	for _, m := range members {
		fmt.Fprintf(&b, "%-16s%-12d%-6d%-6d%-8s%-10d`\n", m.name, 1700000000, 0, 0, "100644", len(m.body))
		b.Write(m.body)
		if len(m.body)%2 == 1 {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// rewriteTarGz rewrites the entry name of a tar.gz with edit.
func rewriteTarGz(t *testing.T, gz []byte, name string, edit func([]byte) []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
	tw := tar.NewWriter(zw)
	found := false
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == name {
			body, found = edit(body), true
			h.Size = int64(len(body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if !found {
		t.Fatalf("no %s in the tarball", name)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
