package chat

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSlack(t *testing.T) {
	cases := []struct {
		name  string
		parts []Part
		want  string
	}{
		{"broadcast markup escaped", []Part{{Words, "rejected: "}, {Outside, "<!channel> please"}}, "rejected: &lt;!channel&gt; please"},
		{"mention markup escaped", []Part{{Outside, "<@U0LANDING>"}}, "&lt;@U0LANDING&gt;"},
		{"link markup escaped", []Part{{Outside, "<https://evil.example|docs>"}}, "&lt;https://evil.example|docs&gt;"},
		{"bold injected in a reason", []Part{{Words, "rejected: "}, {Outside, "*bold*"}}, "rejected: ∗bold∗"},
		{"italic, strike and code", []Part{{Words, "x "}, {Outside, "_it_ ~strike~ `code` ```block```"}}, "x ˍitˍ ∼strike∼ ˋcodeˋ ˋˋˋblockˋˋˋ"},
		{"marks inside a word stay", []Part{{Outside, "foo_bar a*b x~y"}}, "foo_bar a*b x~y"},
		{"a backtick inside a word goes", []Part{{Outside, "a`b"}}, "aˋb"},
		{"filename exact", []Part{{Words, "["}, {ID, "1a2b3c4d"}, {Words, "] "}, {Filename, "com.victim_2.0_armhf.click"}, {Words, " locked"}}, "[1a2b3c4d] com.victim_2.0_armhf.click locked"},
		{"marks at part edges look across parts", []Part{{Words, "a"}, {Outside, "_"}, {Words, "b "}, {Outside, "_x"}}, "a_b ˍx"},
		{"marks next to a mention", []Part{{Mention, "sil"}, {Outside, "_x_"}, {Mention, "sil"}}, "<@U0LANDING>ˍxˍ<@U0LANDING>"},
		{"leading quote", []Part{{Outside, "> quoted"}}, "› quoted"},
		{"leading full-width quote", []Part{{Outside, "＞ quoted"}}, "› quoted"},
		{"leading quote after blanks", []Part{{Outside, "   > quoted"}}, "› quoted"},
		{"a quote mark later stays", []Part{{Words, "a "}, {Outside, "> b"}}, "a &gt; b"},
		{"broadcast words", []Part{{Outside, "@here @channel @Everyone @room sil@example.org"}}, "＠here ＠channel ＠Everyone ＠room sil@example.org"},
		{"broadcast across parts", []Part{{Outside, "@her"}, {Words, "e"}}, "＠here"},
		{"broadcast in the bot's words too", []Part{{Words, "@channel"}}, "＠channel"},
		{"ampersands", []Part{{Outside, "a & b &lt;"}}, "a &amp; b &amp;lt;"},
		{"bot words keep their formatting", []Part{{Words, "*locked* "}, {Command, "status 1a2b3c4d"}}, "*locked* !status 1a2b3c4d"},
		{"known mention", []Part{{Words, "ask "}, {Mention, "sil"}}, "ask <@U0LANDING>"},
		{"unknown mention is a name", []Part{{Words, "ask "}, {Mention, "qa_lead"}}, "ask qa_lead"},
		{"a name that is markup is a name", []Part{{Mention, "<@U0EVIL>"}}, "&lt;@U0EVIL&gt;"},
		{"controls shown", []Part{{Outside, "a\nb\x01"}}, "a␊b␁"},
		{"strong words bold", []Part{{Words, "State: "}, {Strong, "pending"}}, "State: *pending*"},
		{"strong words escaped", []Part{{Strong, "*a<b*"}}, "*a&lt;b*"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Slack(Message{Kind: Reply, Parts: c.parts}, "!", slackMentionOf); got != c.want {
				t.Fatalf("Slack = %q, want %q", got, c.want)
			}
		})
	}
}

// TestSlackMentionIsChecked: whatever mention answers, only a user highlight passes as
// markup.
func TestSlackMentionIsChecked(t *testing.T) {
	cases := []struct {
		ref, want string
	}{
		{"<@U0LANDING>", "<@U0LANDING>"},
		{"<@W0ENTERPRISE>", "<@W0ENTERPRISE>"},
		{"<!channel>", "sil"},
		{"<@U0LANDING|sil>", "sil"},
		{"<@U0LANDING> <!here>", "sil"},
		{"<https://evil.example|sil>", "sil"},
		{"", "sil"},
	}
	for _, c := range cases {
		t.Run(c.ref, func(t *testing.T) {
			got := Slack(Message{Kind: Reply, Parts: []Part{{Mention, "sil"}}}, "!", func(string) string { return c.ref })
			if got != c.want {
				t.Fatalf("Slack with mention %q = %q, want %q", c.ref, got, c.want)
			}
		})
	}
	if got := Slack(Message{Kind: Reply, Parts: []Part{{Mention, "sil"}}}, "!", nil); got != "sil" {
		t.Fatalf("Slack without mention = %q", got)
	}
}

// TestSlackCapsWhatItShows: look-alikes are longer than the marks they stand for, so a
// message of marks is cut shorter to stay within MaxMessage bytes as Slack shows it.
func TestSlackCapsWhatItShows(t *testing.T) {
	cases := []struct {
		name  string
		parts []Part
	}{
		{"quotes of stars", func() (ps []Part) {
			for range 20 {
				ps = append(ps, Part{Outside, strings.Repeat("*", MaxQuote)}, Part{Words, " "})
			}
			return ps
		}()},
		{"a filename of tildes", []Part{{Filename, strings.Repeat("~", 2000)}}},
		{"a leading quote at the cap", []Part{{Outside, ">"}, {Words, strings.Repeat("w", MaxMessage)}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Slack(Message{Kind: Reply, Parts: c.parts}, "!", nil)
			shown := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(got)
			if len(shown) > MaxMessage || len(shown) < MaxMessage-utf8.UTFMax || !strings.HasSuffix(got, Ellipsis) {
				t.Fatalf("Slack shows %d bytes, want %d less at most a character, ending in %q: %q", len(shown), MaxMessage, Ellipsis, got)
			}
			if strings.ContainsAny(got, "*~>") {
				t.Fatalf("a mark is left: %q", got)
			}
		})
	}
}
