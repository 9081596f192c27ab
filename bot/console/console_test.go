package console

import (
	"context"
	"strings"
	"testing"

	"stagebot/bot"
	"stagebot/chat"
)

func TestParseLine(t *testing.T) {
	cases := []struct{ line, user, text string }{
		{"alice> !stage x.click", "alice", "!stage x.click"},
		{"alice>!queue", "alice", "!queue"},
		{"!queue", "console", "!queue"},
		{"a b> !queue", "console", "a b> !queue"},
		{"> !queue", "console", "> !queue"},
		{"qa-lead.2> !promote 3", "qa-lead.2", "!promote 3"},
	}
	for _, c := range cases {
		u, txt := ParseLine(c.line, "console")
		if u != c.user || txt != c.text {
			t.Errorf("ParseLine(%q) = %q, %q", c.line, u, txt)
		}
	}
}

// TestSendWritesOneLine: an announcement is one plain line, its mentions as names; the
// console has no handle for it.
func TestSendWritesOneLine(t *testing.T) {
	var out strings.Builder
	a, err := New(Config{In: strings.NewReader(""), Out: &out, Nick: "stagebot", Prefix: "!"})
	if err != nil {
		t.Fatal(err)
	}
	m := chat.Message{Kind: chat.Announcement, Parts: []chat.Part{{Role: chat.Words, Text: "[1a2b3c4d] "},
		{Role: chat.Filename, Text: "foo_1_all.click"}, {Role: chat.Words, Text: " requested\nby "}, {Role: chat.Mention, Text: "sil2100"}}}
	ref, err := a.Send(t.Context(), "", bot.Outgoing{Message: m})
	if err != nil || ref != "" {
		t.Fatalf("Send = %q, %v", ref, err)
	}
	if got := out.String(); got != "[1a2b3c4d] foo_1_all.click requested by sil2100\n" {
		t.Fatalf("got %q", got)
	}
}

// TestRunSpeaksAsTheNamedUser: `NAME> text` reaches the core as NAME's message, answered
// on one line addressed to NAME.
func TestRunSpeaksAsTheNamedUser(t *testing.T) {
	var out strings.Builder
	a, err := New(Config{In: strings.NewReader("alice> !queue\n\n!status\n"), Out: &out, Nick: "stagebot", Prefix: "!"})
	if err != nil {
		t.Fatal(err)
	}
	var got []bot.Inbound
	in := inboxFunc(func(m bot.Inbound) {
		got = append(got, m)
		m.Reply(chat.Message{Parts: []chat.Part{{Role: chat.Words, Text: "answer to "}, {Role: chat.Outside, Text: m.Text}}})
	})
	if err := a.Run(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Author.Name != "alice" || got[0].Text != "!queue" || got[1].Author.Name != "console" ||
		!got[0].LocalPaths || !got[0].AnnouncedHere || got[0].BotNick != "stagebot" {
		t.Fatalf("the core got %+v", got)
	}
	if want := "alice: answer to !queue\nconsole: answer to !status\n"; out.String() != want {
		t.Fatalf("printed %q, want %q", out.String(), want)
	}
}

type inboxFunc func(bot.Inbound)

func (f inboxFunc) Message(_ context.Context, m bot.Inbound) { f(m) }
func (f inboxFunc) Decision(context.Context, bot.Decision)   {}
