package irc

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitText(t *testing.T) {
	long := strings.Repeat("ab ", 40)   // 120 bytes with spaces
	emoji := strings.Repeat("👍", 30)    // 120 bytes, 4-byte runes
	accents := strings.Repeat("é", 60)  // 120 bytes, 2-byte runes
	noSpace := strings.Repeat("x", 100) // hard cuts
	for _, tc := range []struct {
		name   string
		text   string
		budget int
		want   []string // nil: only check the invariants
	}{
		{"short", "hello", 50, []string{"hello"}},
		{"newlines", "a\nb\r\n\nc", 50, []string{"a", "b", "c"}},
		{"nul dropped", "a\x00b", 50, []string{"ab"}},
		{"exact", "abcd", 4, []string{"abcd"}},
		{"space cut", "hello world again", 12, []string{"hello world ", "again"}},
		{"long words", long, 50, nil},
		{"emoji", emoji, 50, nil},
		{"accents", accents, 51, nil},
		{"no space", noSpace, 30, []string{noSpace[:30], noSpace[30:60], noSpace[60:90], noSpace[90:]}},
		{"empty", "", 50, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := splitText(tc.text, tc.budget)
			if tc.want != nil && strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("splitText = %q, want %q", got, tc.want)
			}
			clean := strings.NewReplacer("\r", "", "\x00", "", "\n", "").Replace(tc.text)
			if strings.Join(got, "") != clean {
				t.Fatalf("pieces %q do not add up to %q", got, clean)
			}
			for _, p := range got {
				if len(p) > tc.budget || p == "" {
					t.Fatalf("piece %q: %d bytes, budget %d", p, len(p), tc.budget)
				}
				if utf8.ValidString(tc.text) && !utf8.ValidString(p) {
					t.Fatalf("piece %q cut inside a rune", p)
				}
			}
		})
	}
}

func TestTextBudgetFitsTheRelayedLine(t *testing.T) {
	for _, tc := range []struct{ selfMask, nick, target string }{
		{"stagebot!stagebot@127.0.0.1", "stagebot", "#ubuntu-ci-eng"},
		{"", "stagebot", "#c"},
		{"", "averyveryverylongnickname_____", "#" + strings.Repeat("c", 60)},
	} {
		budget := textBudget(tc.selfMask, tc.nick, "PRIVMSG", tc.target)
		mask := tc.selfMask
		if mask == "" {
			mask = tc.nick + "!" + strings.Repeat("u", guessUserLen) + "@" + strings.Repeat("h", guessHostLen)
		}
		relayed := ":" + mask + " PRIVMSG " + tc.target + " :" + strings.Repeat("x", budget) + "\r\n"
		if len(relayed) != maxLine {
			t.Errorf("%+v: relayed line is %d bytes, want exactly %d", tc, len(relayed), maxLine)
		}
	}
}
