package chat

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// The bot as the server sees it in the tests: a nick of 30, an ident of 10 and a host of
// 63 bytes, about the longest a server gives; the budget follows from it.
var (
	testHost     = strings.Repeat("h", 51) + ".example.net"
	testHostmask = "stagebot-thirty-byte-nick-xxxx!abcdefghij@" + testHost
	testChannel  = "#ubuntu-ci-eng"
)

func testBudget() int { return IRCBudget(testHostmask, "PRIVMSG", testChannel) }

// relayed is an IRC text as a channel member receives it.
func relayed(text string) string {
	return ":" + testHostmask + " PRIVMSG " + testChannel + " :" + text + "\r\n"
}

// The team as the networks know it in the tests: sil has a Slack ID and a Matrix ID.
const (
	silSlack  = "<@U0LANDING>"
	silMatrix = "@sil2100:example.org"
	silPill   = `<a href="https://matrix.to/#/@sil2100:example.org">`
)

func slackMentionOf(name string) string {
	if name == "sil" {
		return silSlack
	}
	return name
}

func matrixMentionOf(name string) (string, bool) {
	if name == "sil" {
		return silMatrix, true
	}
	return "", false
}

var (
	announcementStart = regexp.MustCompile(`^\[[0-9a-fA-F]{8}\]`)
	broadcastWord     = regexp.MustCompile(`(?i)@(channel|here|everyone|room)`)
)

// forbidden reports the characters no output of the guard may hold: controls (C0, DEL,
// C1), bidi marks, embeddings, overrides and isolates, line and paragraph separators,
// zero-width and invisible formatting characters.
func forbidden(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, 0x80 <= r && r <= 0x9f:
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c, 0x202a <= r && r <= 0x202e, 0x2066 <= r && r <= 0x2069:
		return true
	case r == 0x2028, r == 0x2029:
		return true
	case 0x200b <= r && r <= 0x200d, 0x2060 <= r && r <= 0x2064, r == 0xfeff, r == 0x180e:
		return true
	}
	return false
}

// badText says what is wrong with one output text, "" if nothing.
func badText(s string) string {
	if !utf8.ValidString(s) {
		return "not UTF-8"
	}
	for _, r := range s {
		if forbidden(r) {
			return fmt.Sprintf("holds %U", r)
		}
	}
	return ""
}

// guardViolations renders m for every network and lists every rule an output breaks.
// outsideMarks says the test put outside text only where the guard treats it as outside
// (not in the bot's words or commands), so Slack may hold no formatting mark of its own.
func guardViolations(m Message, prefix, addressee string, outsideMarks bool) []string {
	var bad []string
	fail := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }

	plain := PlainReply(m, prefix, addressee)
	if why := badText(plain); why != "" {
		fail("Plain %q: %s", plain, why)
	}
	if len(plain) > MaxMessage {
		fail("Plain is %d bytes, over %d", len(plain), MaxMessage)
	}
	if m.Kind != Announcement && announcementStart.MatchString(plain) {
		fail("Plain %q starts like an announcement", plain)
	}

	budget := testBudget()
	lines := IRCReply(m, prefix, addressee, budget)
	switch {
	case plain == "" && len(lines) != 0:
		fail("IRC: %d lines of an empty message", len(lines))
	case plain != "" && m.Kind != Reply && len(lines) != 1:
		fail("IRC: %d lines of a kind-%d message, want 1", len(lines), m.Kind)
	case plain != "" && (len(lines) < 1 || len(lines) > MaxLines):
		fail("IRC: %d lines of a reply", len(lines))
	}
	for i, l := range lines {
		wire := relayed(l)
		switch {
		case len(wire) > ircLine:
			fail("IRC line %d is %d bytes on the wire: %q", i, len(wire), wire)
		case len(l) > budget:
			fail("IRC line %d is %d bytes, over the budget %d", i, len(l), budget)
		case l == "" || strings.HasPrefix(l, " ") || strings.HasSuffix(l, " "):
			fail("IRC line %d is empty or has blank ends: %q", i, l)
		case strings.HasPrefix(l, "\x01"):
			fail("IRC line %d starts with \\x01", i)
		case i > 0 && !strings.HasPrefix(l, Continuation):
			fail("IRC line %d does not start with %q: %q", i, Continuation, l)
		case m.Kind != Announcement && announcementStart.MatchString(l):
			fail("IRC line %d starts like an announcement: %q", i, l)
		}
		if why := badText(l); why != "" {
			fail("IRC line %d %q: %s", i, l, why)
		}
	}

	// Only the renderer's breaks make lines, and only its Strong parts make bold, on the
	// networks that show them.
	breaks, strong := 0, 0
	for _, p := range m.Parts {
		switch p.Role {
		case Break:
			breaks++
		case Strong:
			strong++
		}
	}
	slack := Slack(m, prefix, slackMentionOf)
	if n := strings.Count(slack, "\n"); n > breaks {
		fail("Slack %q has %d line breaks, the message %d", slack, n, breaks)
	}
	for _, l := range strings.Split(slack, "\n") {
		if strings.HasPrefix(l, "&gt;") || strings.HasPrefix(l, "＞") {
			fail("Slack line %q starts a block quote", l)
		}
	}
	if why := badText(strings.ReplaceAll(slack, "\n", "")); why != "" {
		fail("Slack %q: %s", slack, why)
	}
	if rest := strings.ReplaceAll(slack, silSlack, ""); strings.ContainsAny(rest, "<>") {
		fail("Slack %q holds markup that mention() did not make", slack)
	}
	shown := strings.NewReplacer(silSlack, "sil", "&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(slack)
	if len(shown) > MaxMessage {
		fail("Slack shows %d bytes, over %d", len(shown), MaxMessage)
	}
	if broadcastWord.MatchString(slack) {
		fail("Slack %q notifies the channel", slack)
	}
	if outsideMarks {
		// The bold of the message's own Strong parts is the one formatting allowed.
		for _, p := range m.Parts {
			if p.Role == Strong {
				slack = strings.Replace(slack, "*"+slackEscape(words(p.Text))+"*", slackEscape(words(p.Text)), 1)
			}
		}
		if strings.Contains(slack, "`") {
			fail("Slack %q holds a backtick", slack)
		}
		for i, r := range slack {
			if r != '*' && r != '_' && r != '~' {
				continue
			}
			prev, _ := utf8.DecodeLastRuneInString(slack[:i])
			next, _ := utf8.DecodeRuneInString(slack[i+1:])
			if !asciiAlnum(prev) || !asciiAlnum(next) {
				fail("Slack %q: %q at %d could format", slack, r, i)
			}
		}
	}

	body, html := Matrix(m, prefix, matrixMentionOf)
	if n, h := strings.Count(body, "\n"), strings.Count(html, "<br>"); n > breaks || h != n {
		fail("Matrix has %d line breaks in its body and %d in its html, the message %d", n, h, breaks)
	}
	body, html = strings.ReplaceAll(body, "\n", ""), strings.ReplaceAll(html, "<br>", "")
	for _, s := range []string{body, html} {
		if why := badText(s); why != "" {
			fail("Matrix %q: %s", s, why)
		}
		if broadcastWord.MatchString(s) {
			fail("Matrix %q notifies the room", s)
		}
	}
	if len(body) > MaxMessage {
		fail("Matrix body is %d bytes", len(body))
	}
	if n := strings.Count(html, "<strong>"); n > strong || n != strings.Count(html, "</strong>") {
		fail("Matrix html %q has %d <strong>, the message %d Strong parts", html, n, strong)
	}
	rest := strings.NewReplacer(silPill, "", "</a>", "", "<strong>", "", "</strong>", "").Replace(html)
	if strings.ContainsAny(rest, "<>") {
		fail("Matrix html %q holds markup the guard did not make", html)
	}
	return bad
}

// Messages as the renderer makes them, one of each kind, with a part of every role.
func sampleReply() Message {
	return Message{Kind: Reply, RequestID: "1a2b3c4d", Parts: []Part{
		{Role: Words, Text: "held "}, {Role: ID, Text: "1a2b3c4d"}, {Role: Words, Text: " ("},
		{Role: Filename, Text: "com.example.app_1.0_all.click"}, {Role: Words, Text: ") for "},
		{Role: Outside, Text: "waiting for the release notes"},
		{Role: Words, Text: ";"}, {Role: Break, Text: " "}, {Role: Words, Text: "not locked until "}, {Role: Command, Text: "unhold 1a2b3c4d"},
		{Role: Break, Text: " · "}, {Role: Outside, Text: "> and a quote"}, {Role: Words, Text: " is "}, {Role: Strong, Text: "pending"},
		{Role: Words, Text: ", ask "}, {Role: Mention, Text: "sil"},
	}}
}

func sampleAnnouncement() Message {
	return Message{Kind: Announcement, RequestID: "1a2b3c4d", Parts: []Part{
		{Role: Words, Text: "["}, {Role: ID, Text: "1a2b3c4d"}, {Role: Words, Text: "] "},
		{Role: Filename, Text: "com.example.app_1.0_all.click"},
		{Role: Words, Text: " approved: 1/2 by "}, {Role: Outside, Text: "bob"},
		{Role: Words, Text: "; 1 more needed from "}, {Role: Mention, Text: "sil"},
		{Role: Words, Text: " ("}, {Role: Command, Text: "approve 1a2b3c4d"}, {Role: Words, Text: ")"},
	}}
}

func sampleNotice() Message {
	return Message{Kind: Notice, ChannelWide: true, Parts: []Part{
		{Role: Words, Text: "promoted: image "}, {Role: Outside, Text: "312"},
		{Role: Words, Text: " by "}, {Role: Mention, Text: "qa-lead"},
		{Role: Words, Text: "; "}, {Role: Command, Text: "phasing PERCENT"}, {Role: Words, Text: " to follow"},
	}}
}

// withText is m with s as the text of part i, or of every part when i is len(m.Parts).
func withText(m Message, i int, s string) Message {
	parts := append([]Part(nil), m.Parts...)
	for j := range parts {
		if i == len(parts) || i == j {
			parts[j].Text = s
		}
	}
	m.Parts = parts
	return m
}

// outsideOnly reports whether putting text in part i of m puts it only where the guard
// treats text as coming from outside.
func outsideOnly(m Message, i int) bool {
	for j, p := range m.Parts {
		if (i == len(m.Parts) || i == j) && (p.Role == Words || p.Role == Command || p.Role == Strong) {
			return false
		}
	}
	return true
}
