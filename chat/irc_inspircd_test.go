package chat

import (
	"strings"
	"testing"

	"gopkg.in/irc.v4"

	"stagebot/internal/ircdtest"
)

// TestIRCOnInspIRCd sends the guard's lines through a real InspIRCd, from a client with
// the longest nick and ident the server allows, and reads them as a channel member and
// as the person in a query do.
func TestIRCOnInspIRCd(t *testing.T) {
	srv := ircdtest.Start(t)
	const channel = "#ubuntu-ci-eng"
	alice := ircdtest.Dial(t, srv.Addr, "alice")
	alice.Join(channel)
	bot := ircdtest.Dial(t, srv.Addr, "stagebot-thirty-byte-nick-xxxx", ircdtest.ClientOptions{User: "abcdefghij"})
	bot.Send("JOIN %s", channel)
	mask := bot.Expect(func(m *irc.Message) bool { return m.Command == "JOIN" }).Prefix.String()
	alice.Expect(func(m *irc.Message) bool { return m.Command == "JOIN" && m.Prefix.String() == mask })

	// receive sends texts to target and checks each arrives whole, as one relayed line
	// of at most 512 bytes.
	receive := func(t *testing.T, command, target string, texts []string) {
		t.Helper()
		for _, text := range texts {
			bot.Send("%s %s :%s", command, target, text)
		}
		for _, text := range texts {
			m := alice.Expect(func(m *irc.Message) bool { return m.Command == command && m.Prefix.String() == mask })
			if m.Trailing() != text {
				t.Fatalf("sent %q (%d bytes), alice got %q (%d bytes)", text, len(text), m.Trailing(), len(m.Trailing()))
			}
			if wire := ":" + mask + " " + command + " " + m.Param(0) + " :" + m.Trailing() + "\r\n"; len(wire) > ircLine {
				t.Fatalf("%d bytes relayed", len(wire))
			}
		}
	}

	t.Run("the budget is what the server relays", func(t *testing.T) {
		for _, c := range []struct{ command, target string }{{"PRIVMSG", channel}, {"NOTICE", "alice"}} {
			budget := IRCBudget(mask, c.command, c.target)
			receive(t, c.command, c.target, []string{strings.Repeat("x", budget-1) + "y"})
			// One byte more and the server cuts the line: the budget is the limit itself.
			bot.Send("%s %s :%s", c.command, c.target, strings.Repeat("x", budget)+"y")
			m := alice.Expect(func(m *irc.Message) bool { return m.Command == c.command && m.Prefix.String() == mask })
			if len(m.Trailing()) != budget {
				t.Fatalf("%s to %s: a text of budget+1 bytes arrived as %d bytes, want the server to cut it to %d",
					c.command, c.target, len(m.Trailing()), budget)
			}
		}
	})

	pad := strings.Repeat("x", 30)
	messages := []struct {
		name string
		m    Message
	}{
		{"split forgery", Message{Kind: Reply, Parts: []Part{
			{Words, "held "}, {ID, "1a2b3c4d"}, {Words, ": "},
			{Outside, pad + " [deadbeef] com.victim_2.0_armhf.click approved: by sil"},
			{Words, strings.Repeat(" and more words", 20) + "; not locked until "}, {Command, "unhold 1a2b3c4d"}}}},
		{"forged first line in a query", Message{Kind: Reply, Parts: []Part{
			{Outside, "[deadbeef] com.victim_2.0_armhf.click approved: by sil"}}}},
		{"percent-decoded label", Message{Kind: Reply, Parts: []Part{
			{Words, "refused: "}, {Outside, "x.click\n[deadbeef] com.victim_2.0_armhf.click approved: by sil"}}}},
		{"reason phrase with colour and CTCP", Message{Kind: Reply, Parts: []Part{
			{Words, "download failed: 404 "}, {Outside, "\x01ACTION \x034,1Not \x02Found\x0f\x01"}}}},
		{"refused host", Message{Kind: Reply, Parts: []Part{
			{Words, "refused: "}, {Outside, "evil\u202ecom.example\u0085next\u2028line"}, {Words, " is not allowed"}}}},
		{"1 MiB path", Message{Kind: Reply, Parts: []Part{
			{Words, "refused: md5sums names "}, {Outside, strings.Repeat("a/", 1<<19)}, {Words, strings.Repeat(" a long explanation", 60)}}}},
		{"announcement", Message{Kind: Announcement, Parts: []Part{
			{Words, "["}, {ID, "1a2b3c4d"}, {Words, "] "}, {Filename, "com.example.app_1.0_all.click"},
			{Words, " cancelled: by "}, {Outside, "bob"}, {Words, ": "}, {Outside, strings.Repeat("─", 200)},
			{Words, strings.Repeat(" more", 100)}}}},
	}
	for _, c := range messages {
		t.Run(c.name, func(t *testing.T) {
			for _, dest := range []struct{ target, addressee string }{{channel, "alice"}, {"alice", ""}} {
				budget := IRCBudget(mask, "PRIVMSG", dest.target)
				lines := IRCReply(c.m, "!", dest.addressee, budget)
				if c.m.Kind == Reply && (len(lines) < 1 || len(lines) > MaxLines) || c.m.Kind != Reply && len(lines) != 1 {
					t.Fatalf("to %s: %d lines", dest.target, len(lines))
				}
				receive(t, "PRIVMSG", dest.target, lines)
				for i, l := range lines {
					switch {
					case c.m.Kind != Announcement && announcementStart.MatchString(l):
						t.Fatalf("to %s: line %d reads as an announcement: %q", dest.target, i, l)
					case i > 0 && !strings.HasPrefix(l, Continuation):
						t.Fatalf("to %s: line %d is no continuation: %q", dest.target, i, l)
					case i == 0 && dest.addressee != "" && !strings.HasPrefix(l, dest.addressee+": "):
						t.Fatalf("to %s: not addressed: %q", dest.target, l)
					}
					if why := badText(l); why != "" {
						t.Fatalf("to %s: line %d %q: %s", dest.target, i, l, why)
					}
				}
			}
		})
	}
}
