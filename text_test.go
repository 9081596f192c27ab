package stagebot

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanText(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"plain text stays", "wrong version, sorry", "wrong version, sorry"},
		{"unicode stays", "zażółć ✓", "zażółć ✓"},
		{"forged line", "oops\n[1a2b3c4d] x.click approved: by sil", "oops␊[1a2b3c4d] x.click approved: by sil"},
		{"CR", "a\rb", "a␍b"},
		{"CTCP ACTION", "\x01ACTION is compromised\x01", "␁ACTION is compromised␁"},
		{"IRC formatting", "\x02bold\x03,4colour\x0f\x16\x1d\x1e\x1f", "␂bold␃,4colour␏␖␝␞␟"},
		{"NUL and tab", "a\x00b\tc", "a␀b␉c"},
		{"DEL", "a\x7fb", "a␡b"},
		{"C1 NEL", "a\u0085b", "a\ufffdb"},
		{"line separator", "a\u2028b\u2029c", "a\ufffdb\ufffdc"},
		{"bidi override", "sil\u202e0012", "sil\ufffd0012"},
		{"not UTF-8", "a\xffb\x85c", "a\ufffdb\ufffdc"},
		{"direction marks", "a\u200eb\u200fc\u061cd", "a\ufffdb\ufffdc\ufffdd"},
		{"bidi isolate", "a\u2066b\u2069c", "a\ufffdb\ufffdc"},
		{"zero-width lookalike name", "sil\u200b2100", "sil\ufffd2100"},
		{"zero-width joiner and non-joiner", "a\u200cb\u200dc", "a\ufffdb\ufffdc"},
		{"word joiner and invisible operators", "a\u2060b\u2064c", "a\ufffdb\ufffdc"},
		{"byte order mark", "\ufeff!stage", "\ufffd!stage"},
		{"Mongolian vowel separator", "a\u180eb", "a\ufffdb"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := CleanText(c.in)
			if got != c.want {
				t.Fatalf("CleanText(%q) = %q, want %q", c.in, got, c.want)
			}
			if again := CleanText(got); again != got {
				t.Fatalf("not idempotent: %q then %q", got, again)
			}
		})
	}
}

func TestCleanReason(t *testing.T) {
	long := strings.Repeat("é", 500)
	cases := []struct {
		name, in string
		want     string
	}{
		{"short kept", " fine ", "fine"},
		{"exactly the cap", strings.Repeat("x", MaxReason), strings.Repeat("x", MaxReason)},
		{"over the cap", long, strings.Repeat("é", MaxReason-1) + "…"},
		{"cleaned then capped", strings.Repeat("\x01", 300), strings.Repeat("␁", MaxReason-1) + "…"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := CleanReason(c.in)
			if got != c.want {
				t.Fatalf("CleanReason = %q (%d runes), want %q", got, utf8.RuneCountInString(got), c.want)
			}
			if utf8.RuneCountInString(got) > MaxReason {
				t.Fatalf("%d runes, over %d", utf8.RuneCountInString(got), MaxReason)
			}
			if CleanReason(got) != got {
				t.Fatalf("not idempotent")
			}
		})
	}
}

// FuzzCleanText: whatever comes in, what goes out holds no character that could end,
// forge or colour a line, and cleaning twice is cleaning once.
func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"", "ok", "a\nb", "\x01VERSION\x01", "\x02\x03\x0f", "\xff\xfe", "\u2028", "é", "\u200b\ufeff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := CleanText(s)
		if !utf8.ValidString(got) {
			t.Fatalf("not UTF-8: %q", got)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f || unsafeRune(r) {
				t.Fatalf("CleanText(%q) = %q keeps %U", s, got, r)
			}
		}
		if CleanText(got) != got {
			t.Fatalf("not idempotent on %q", s)
		}
		if len(got) < len(s) {
			t.Fatalf("CleanText(%q) = %q is shorter than its input", s, got)
		}
		if r := CleanReason(s); utf8.RuneCountInString(r) > MaxReason || CleanText(r) != r {
			t.Fatalf("CleanReason(%q) = %q", s, r)
		}
	})
}

func TestIdentityClean(t *testing.T) {
	id := Identity{Network: NetworkSlack, ID: "U1", Name: "sil\n[x] approved\x01", Account: ""}
	got := id.Clean()
	if got.Name != "sil␊[x] approved␁" || got.ID != "U1" || got.Network != NetworkSlack {
		t.Fatalf("Clean = %+v", got)
	}
}
