package slack

import (
	"testing"

	"stagebot"
	"stagebot/bot"
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

func TestLineEscapesTextButNotMentions(t *testing.T) {
	team := stagebot.Team{Landing: []stagebot.Member{{Name: "sil", Slack: "U1"}, {Name: "irconly", IRC: "x!*@*"}}}
	a := stagebot.Event{Text: "[abcd1234] a_1_all.click requested: <b> & c", Mention: []string{"sil", "irconly"}}
	want := "<@U1> irconly: [abcd1234] a_1_all.click requested: &lt;b&gt; &amp; c"
	if got := line(team, a); got != want {
		t.Errorf("line = %q, want %q", got, want)
	}
}

func TestIsStage(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"!stage", true}, {"!stage foo_1_all.click", true}, {"<@UBOT>: stage", true},
		{"!status", false}, {"stage", false}, {"! stage", false},
	} {
		if got := isStage("!", "<@UBOT>", tc.text); got != tc.want {
			t.Errorf("isStage(%q) = %v, want %v", tc.text, got, tc.want)
		}
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
