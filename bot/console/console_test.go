package console

import (
	"strings"
	"testing"

	"stagebot"
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

func TestDeliverRendersMentions(t *testing.T) {
	var out strings.Builder
	team := stagebot.Team{Landing: []stagebot.Member{{Name: "sil2100", IRC: "sil2100!*@*"}}}
	a, err := New(Config{In: strings.NewReader(""), Out: &out, Nick: "stagebot", Team: team})
	if err != nil {
		t.Fatal(err)
	}
	err = a.Deliver(t.Context(), "", stagebot.Event{Text: "[1a2b3c4d] foo_1_all.click requested", Mention: []string{"sil2100"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "sil2100: [1a2b3c4d] foo_1_all.click requested\n" {
		t.Fatalf("got %q", got)
	}
}
