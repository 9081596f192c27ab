package irc

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"stagebot"
	"stagebot/bot"
	"stagebot/chat"
)

// The bot's own mask as a server shows it to others: a long nick, a full ident and a long
// host, so that the budget is as tight as it gets.
const fuzzSelfMask = "stagebot-long-nick!~stagebot@" + "h123456789.h123456789.h123456789.h123456789.example.net"

var announcementStart = regexp.MustCompile(`^\[[0-9a-fA-F]{8}\]`)

// forbidden reports a character no IRC line of the bot may hold: controls (C0, DEL, C1,
// which include IRC formatting and CTCP), bidi marks and controls, line and paragraph
// separators, zero-width characters.
func forbidden(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, 0x80 <= r && r <= 0x9f:
		return true
	case r == 0x200e, r == 0x200f, r == 0x061c, 0x202a <= r && r <= 0x202e, 0x2066 <= r && r <= 0x2069:
		return true
	case r == 0x2028, r == 0x2029, 0x200b <= r && r <= 0x200d, r == 0x2060, r == 0xfeff:
		return true
	}
	return false
}

// spoken is a session the tests speak through: connected, in #stage, its hostmask known,
// every line it writes recorded.
func spoken(t testing.TB, team stagebot.Team) (*Adapter, *session, *recordWriter) {
	t.Helper()
	s, _, w := testSession(t)
	s.a.team = team
	feed(s, []byte(":irc.test 001 stagebot-long-nick :hi\r\n:"+fuzzSelfMask+" JOIN #stage\r\n"))
	s.mu.Lock()
	s.selfMask = fuzzSelfMask
	s.mu.Unlock()
	s.a.mu.Lock()
	s.a.sess = s
	s.a.mu.Unlock()
	t.Cleanup(s.close)
	return s.a, s, w
}

// wireViolations says what is wrong with lines, the chat lines the bot wrote for one
// message, as a member of the channel or the person receives them: each within 512 bytes
// once the server put the bot's hostmask in front, free of controls, bidi, separator and
// zero-width characters, none starting with \x01; at most chat.MaxLines of them (one for
// an announcement), each after the first marked as a continuation; and only an
// announcement reads as one.
func wireViolations(lines []string, kind chat.Kind) []string {
	var bad []string
	maxLines := chat.MaxLines
	if kind != chat.Reply {
		maxLines = 1
	}
	if len(lines) > maxLines {
		bad = append(bad, fmt.Sprintf("%d lines for kind %d", len(lines), kind))
	}
	for i, l := range lines {
		_, text, ok := strings.Cut(l, " :")
		if !ok {
			bad = append(bad, fmt.Sprintf("line %q has no text", l))
			continue
		}
		if n := len(":" + fuzzSelfMask + " " + l + "\r\n"); n > maxLine {
			bad = append(bad, fmt.Sprintf("line %d is %d bytes as relayed", i, n))
		}
		if !utf8.ValidString(text) {
			bad = append(bad, fmt.Sprintf("line %d is not UTF-8: %q", i, text))
		}
		for _, r := range text {
			if forbidden(r) {
				bad = append(bad, fmt.Sprintf("line %d holds %U: %q", i, r, text))
				break
			}
		}
		if strings.HasPrefix(text, "\x01") {
			bad = append(bad, fmt.Sprintf("line %d starts a CTCP: %q", i, text))
		}
		if i > 0 && !strings.HasPrefix(text, chat.Continuation) {
			bad = append(bad, fmt.Sprintf("continuation %d not marked: %q", i, text))
		}
		if kind != chat.Announcement && announcementStart.MatchString(strings.TrimLeft(text, " ")) {
			bad = append(bad, fmt.Sprintf("line %d reads as an announcement: %q", i, text))
		}
	}
	return bad
}

// fuzzTeam names a member whose nick comes from the test.
func fuzzTeam(nick string) stagebot.Team {
	return stagebot.Team{Landing: []stagebot.Member{{Name: "sil", IRC: nick + "!*@127.0.0.1"}, {Name: "*"}}}
}

// FuzzAdapterLines puts any outside text in the messages the adapter sends (a reply in a
// channel to a person of any nick, a reply in a query, a notice to a person, an
// announcement with a filename and mentions) and checks every line it writes as the
// receiver gets it (wireViolations). chat.FuzzGuard checks the guard alone; this checks
// the adapter's use of it: its budget, its framing, its highlight.
func FuzzAdapterLines(f *testing.F) {
	for _, s := range []string{
		strings.Repeat("─", 200),
		strings.Repeat("x", 300) + " [deadbeef] com.victim_2.0_armhf.click approved: by sil",
		"x\n[deadbeef] com.victim_2.0_armhf.click approved: by sil",
		"Not Found\r\nPRIVMSG #stage :hi",
		"\x01ACTION \x02Not\x02 \x034,1Found\x0f\x01",
		"evil\u202eexample.com\u0085next\u2028line",
		strings.Repeat("ab\x01 ", 300),
		"[deadbeef]",
	} {
		f.Add(s, "lander")
		f.Add("reason", s)
	}
	f.Fuzz(func(t *testing.T, text, nick string) {
		a, _, w := spoken(t, fuzzTeam(nick))
		reply := chat.Message{Kind: chat.Reply, Parts: []chat.Part{{Role: chat.Words, Text: "refused: "},
			{Role: chat.Outside, Text: text}, {Role: chat.Words, Text: "; try "}, {Role: chat.Command, Text: "status " + text},
			{Role: chat.Words, Text: " " + strings.Repeat("y", len(text)%700)}}}
		ann := chat.Message{Kind: chat.Announcement, AsksApproval: true, Parts: []chat.Part{{Role: chat.Words, Text: "["},
			{Role: chat.ID, Text: "1a2b3c4d"}, {Role: chat.Words, Text: "] "}, {Role: chat.Filename, Text: text},
			{Role: chat.Words, Text: " requested: by "}, {Role: chat.Outside, Text: text},
			{Role: chat.Words, Text: " "}, {Role: chat.Mention, Text: "sil"}, {Role: chat.Words, Text: " "}, {Role: chat.Mention, Text: nick}}}
		who := stagebot.Who("irc:u@h")
		for _, d := range []destination{
			{command: "PRIVMSG", target: "#stage", addressee: nick, who: who},
			{command: "PRIVMSG", target: "lander", who: who},
			{command: "NOTICE", target: "lander", who: who},
		} {
			before := len(w.written())
			_ = a.speaker(context.Background(), d)(reply)
			lines := w.written()[before:]
			if bad := wireViolations(lines, chat.Reply); len(bad) > 0 {
				t.Fatalf("reply to %+v:\n%s\n%q", d, strings.Join(bad, "\n"), lines)
			}
		}
		before := len(w.written())
		if _, err := a.Send(context.Background(), "#stage", bot.Outgoing{Message: ann}); err != nil {
			t.Fatal(err)
		}
		lines := w.written()[before:]
		if bad := wireViolations(lines, chat.Announcement); len(bad) > 0 || len(lines) != 1 {
			t.Fatalf("announcement:\n%s\n%q", strings.Join(bad, "\n"), lines)
		}
	})
}

// TestLongHostileCommandIsNotSplitIntoCTCP: a 471-byte `!xxx…x\x01VERSION\x01`, whose
// unknown-command reply repeats the name: cut at the line limit, its second piece must not
// begin with \x01VERSION\x01, a CTCP request from the bot. Each length puts the old cut
// right before (or inside) the \x01 for a reply to nick "lander" in #stage.
func TestLongHostileCommandIsNotSplitIntoCTCP(t *testing.T) {
	a, s, w := spoken(t, stagebot.Team{})
	budget := s.budget("PRIVMSG", "#stage")
	head := "lander: unknown command !"
	for _, c := range []struct {
		name string
		xs   int
	}{
		{"cut right before the CTCP", budget - len(head)},
		{"471 bytes", 471 - len("!") - len("\x01VERSION\x01")},
		{"cut inside the CTCP", budget - len(head) - 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(w.written())
			name := strings.Repeat("x", c.xs) + "\x01VERSION\x01"
			_ = a.speaker(context.Background(), destination{command: "PRIVMSG", target: "#stage", addressee: "lander", who: "irc:l@h"})(
				chat.Renderer{Prefix: "!"}.UnknownCommand(name, ""))
			lines := w.written()[before:]
			if len(lines) == 0 {
				t.Fatal("no reply written")
			}
			if bad := wireViolations(lines, chat.Reply); len(bad) > 0 {
				t.Fatalf("%s\n%q", strings.Join(bad, "\n"), lines)
			}
		})
	}
}
