package chat

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestIRCBudget(t *testing.T) {
	cases := []struct {
		hostmask, command, target string
	}{
		{"stagebot!~bot@127.0.0.1", "PRIVMSG", "#c"},
		{testHostmask, "PRIVMSG", testChannel},
		{testHostmask, "NOTICE", "alice"},
	}
	for _, c := range cases {
		t.Run(c.command+" "+c.target, func(t *testing.T) {
			b := IRCBudget(c.hostmask, c.command, c.target)
			text := strings.Repeat("x", b)
			wire := ":" + c.hostmask + " " + c.command + " " + c.target + " :" + text + "\r\n"
			if len(wire) != ircLine {
				t.Fatalf("a text of the whole budget %d is %d bytes on the wire, want %d", b, len(wire), ircLine)
			}
		})
	}
}

// TestIRCShapes: an announcement or notice is one line, a reply up to MaxLines, each
// within the budget, split at spaces, never inside a character.
func TestIRCShapes(t *testing.T) {
	sentence := strings.Repeat("lorem ipsum ", 60) // 720 bytes
	boxes := strings.Repeat("─", 300)              // 900 bytes, no space
	emoji := "a" + strings.Repeat("😀", 200)        // 801 bytes, odd offsets
	cases := []struct {
		name   string
		kind   Kind
		text   string
		budget int
		want   []string
	}{
		{"short reply", Reply, "status: pending", 400, []string{"status: pending"}},
		{"reply on two lines, split at a space", Reply, "aaaa bbbb cccc dddd", 16, []string{"aaaa bbbb cccc", "… dddd"}},
		{"reply cut after three lines", Reply, "aaaa bbbb cccc dddd eeee ffff gggg hhhh", 16, []string{"aaaa bbbb cccc", "… dddd eeee", "… ffff gggg…"}},
		{"no space near: cut between characters", Reply, strings.Repeat("a", 20), 16, []string{strings.Repeat("a", 16), "… aaaa"}},
		{"announcement cut to one line", Announcement, "[1a2b3c4d] x.click approved: " + sentence, 40, []string{"[1a2b3c4d] x.click approved: lorem ip…"}},
		{"notice cut to one line", Notice, "tick " + boxes, 20, []string{"tick ────…"}},
		{"budget below the floor", Reply, "aaaa bbbb cccc dddd eeee ffff", 1, []string{"aaaa bbbb cccc", "… dddd eeee", "… ffff"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := IRC(Message{Kind: c.kind, Parts: []Part{{Words, c.text}}}, "!", c.budget)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("IRC = %q, want %q", got, c.want)
			}
		})
	}
	for _, text := range []string{sentence, boxes, emoji} {
		for budget := minIRCBudget; budget < 500; budget += 7 {
			lines := IRC(Message{Kind: Reply, Parts: []Part{{Words, text}}}, "!", budget)
			if len(lines) == 0 || len(lines) > MaxLines {
				t.Fatalf("budget %d: %d lines", budget, len(lines))
			}
			for i, l := range lines {
				if len(l) > budget || !utf8.ValidString(l) {
					t.Fatalf("budget %d: line %d is %d bytes, valid UTF-8 %v: %q", budget, i, len(l), utf8.ValidString(l), l)
				}
			}
		}
	}
}

// TestIRCSplitNeverForgesAnAnnouncement: a reason padded so that a split falls just
// before "[deadbeef] ..." yields a continuation line ("… [deadbeef] ..."), never a line of
// its own that reads as the bot announcing an approval.
func TestIRCSplitNeverForgesAnAnnouncement(t *testing.T) {
	forgery := " [deadbeef] com.victim_2.0_armhf.click approved: by sil"
	fell := 0
	for pad := 0; pad <= MaxQuote; pad++ {
		reason := strings.Repeat("x", pad) + forgery
		for _, m := range []Message{
			{Kind: Reply, Parts: []Part{{Words, "held "}, {ID, "1a2b3c4d"}, {Words, ": "}, {Outside, reason}, {Words, "; not locked until "}, {Command, "unhold 1a2b3c4d"}}},
			{Kind: Reply, Parts: []Part{{Outside, reason}, {Outside, reason}, {Outside, reason}}},
			{Kind: Reply, Parts: []Part{{Words, strings.Repeat("─", pad)}, {Words, forgery}, {Words, forgery}}},
		} {
			for budget := minIRCBudget; budget <= 120; budget++ {
				for _, to := range []string{"", "alice"} {
					lines := IRCReply(m, "!", to, budget)
					for i, l := range lines {
						if announcementStart.MatchString(l) {
							t.Fatalf("pad %d, budget %d: line %d forges an announcement: %q", pad, budget, i, lines)
						}
						if i > 0 && !strings.HasPrefix(l, Continuation) {
							t.Fatalf("pad %d, budget %d: line %d is no continuation: %q", pad, budget, i, lines)
						}
						if strings.HasPrefix(l, Continuation+"[deadbeef]") {
							fell++
						}
					}
				}
			}
		}
	}
	if fell == 0 {
		t.Fatal("no split fell just before the forged text: the test does not test the split")
	}
}

// TestIRCReplyAddressed: the address starts the first line and counts in the budget.
func TestIRCReplyAddressed(t *testing.T) {
	m := Message{Kind: Reply, Parts: []Part{{Words, strings.Repeat("word ", 200)}}}
	for _, to := range []string{"alice", strings.Repeat("n", 30), "bad\x01nick\r\n", strings.Repeat("é", 100)} {
		lines := IRCReply(m, "!", to, 100)
		if len(lines) != MaxLines {
			t.Fatalf("to %q: %d lines", to, len(lines))
		}
		if want := quote(to) + ": "; !strings.HasPrefix(lines[0], want) {
			t.Fatalf("to %q: first line %q does not start with %q", to, lines[0], want)
		}
		for i, l := range lines {
			if len(l) > 100 {
				t.Fatalf("to %q: line %d is %d bytes", to, i, len(l))
			}
		}
	}
	if got := IRCReply(Message{Kind: Reply, Parts: []Part{{Outside, "  "}}}, "!", "alice", 100); got != nil {
		t.Fatalf("an empty reply to alice = %q, want no line", got)
	}
	if got := IRC(Message{Kind: Reply, Parts: []Part{{Outside, "   "}, {Words, " \t\n"}}}, "!", 100); got != nil {
		t.Fatalf("a blank message = %q, want no line", got)
	}
}

// TestIRCNoControlAtAll: neither outside text nor the bot's own words put a control or
// formatting byte on an IRC line.
func TestIRCNoControlAtAll(t *testing.T) {
	ctl := "\x01ACTION\x02\x03\x04\x0f\x16\x1d\x1e\x1f\x7f\u0085\r\n\x00"
	for _, role := range []Role{Words, Outside, Command, ID, Filename, Mention} {
		m := Message{Kind: Reply, Parts: []Part{{role, ctl}}}
		for _, l := range IRC(m, "\x01!", testBudget()) {
			if why := badText(l); why != "" {
				t.Fatalf("role %d: %q: %s", role, l, why)
			}
		}
	}
}
