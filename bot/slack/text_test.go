package slack

import (
	"slices"
	"strings"
	"testing"

	"stagebot"
	"stagebot/bot"
	"stagebot/chat"
)

func TestCommandText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"!status 1234", "!status 1234"},
		{"<@UBOT> status 1234", "<@UBOT>: status 1234"},
		{"<@UBOT>: !status 1234", "<@UBOT>: !status 1234"},
		{"<@UBOT|stagebot> queue", "<@UBOT>: queue"},
		{"!stage <https://example.com/a_1_all.click>", "!stage https://example.com/a_1_all.click"},
		{"!stage <https://example.com/x?a=1&amp;b=2|example.com/x>", "!stage https://example.com/x?a=1&b=2"},
		{"!reject 1234 a &lt;b&gt; &amp; c", "!reject 1234 a <b> & c"},
		{"<@UOTHER> hi", "<@UOTHER> hi"},
	} {
		if got := commandText(tc.in, "UBOT"); got != tc.want {
			t.Errorf("commandText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestReactionVerb(t *testing.T) {
	for _, tc := range []struct {
		name  string
		added bool
		verb  bot.Verb
		ok    bool
	}{
		{"+1", true, bot.VerbApprove, true},
		{"+1::skin-tone-4", true, bot.VerbApprove, true},
		{"thumbsup", true, bot.VerbApprove, true},
		{"white_check_mark", true, bot.VerbApprove, true},
		{"heavy_check_mark", true, bot.VerbApprove, true},
		{"heavy_check_mark", false, bot.VerbWithdraw, true},
		{"x", true, bot.VerbReject, true},
		{"x", false, "", false},
		{"tada", true, "", false},
	} {
		verb, ok := reactionVerb(tc.name, tc.added)
		if verb != tc.verb || ok != tc.ok {
			t.Errorf("reactionVerb(%q, %v) = %q %v, want %q %v", tc.name, tc.added, verb, ok, tc.verb, tc.ok)
		}
	}
}

// TestMentionsAreSlackUsers: a mention of a team member with a Slack ID highlights that
// user; one without (an IRC-only member, a name no entry has) stays a name.
func TestMentionsAreSlackUsers(t *testing.T) {
	a := &Adapter{cfg: Config{CommandPrefix: "!", Team: stagebot.Team{
		Landing: []stagebot.Member{{Name: "sil", Slack: "U1"}, {Name: "irconly", IRC: "x!*@*"}}}}}
	m := chat.Message{Kind: chat.Announcement, Parts: []chat.Part{{Role: chat.Words, Text: "[abcd1234] "},
		{Role: chat.Filename, Text: "a_1_all.click"}, {Role: chat.Words, Text: " requested: by "}, {Role: chat.Outside, Text: "<b> & c"},
		{Role: chat.Words, Text: "; "}, {Role: chat.Command, Text: "approve abcd1234"},
		{Role: chat.Words, Text: " "}, {Role: chat.Mention, Text: "sil"}, {Role: chat.Words, Text: " "}, {Role: chat.Mention, Text: "irconly"},
		{Role: chat.Words, Text: " "}, {Role: chat.Mention, Text: "nobody"}}}
	want := "[abcd1234] a_1_all.click requested: by &lt;b&gt; &amp; c; !approve abcd1234 <@U1> irconly nobody"
	if got := a.text(m); got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
}

// TestPiecesKeepMarkupWhole: a text longer than a block takes is cut into pieces that
// never split an escape, a mention or a character, and together are the text.
func TestPiecesKeepMarkupWhole(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		n          int
		want       []string
	}{
		{"short", "abc", 5, []string{"abc"}},
		{"plain", "abcdefg", 3, []string{"abc", "def", "g"}},
		{"escape", "ab&amp;cd", 5, []string{"ab", "&amp;", "cd"}},
		{"mention", "a<@U123>b", 5, []string{"a", "<@U12", "3>b"}},
		{"mention fits", "a<@U1>bcdef", 6, []string{"a<@U1>", "bcdef"}},
		{"character", "aé", 2, []string{"a", "é"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := pieces(tc.text, tc.n)
			if !slices.Equal(got, tc.want) {
				t.Errorf("pieces(%q, %d) = %q, want %q", tc.text, tc.n, got, tc.want)
			}
			if strings.Join(got, "") != tc.text {
				t.Errorf("pieces lose text: %q", got)
			}
		})
	}
}

func TestSeenForgetsOldest(t *testing.T) {
	s := newSeen(2)
	for _, step := range []struct {
		key   string
		first bool
	}{{"a", true}, {"a", false}, {"b", true}, {"c", true}, {"b", false}, {"a", true}, {"", true}, {"", true}} {
		if got := s.first(step.key); got != step.first {
			t.Fatalf("first(%q) = %v, want %v", step.key, got, step.first)
		}
	}
}
