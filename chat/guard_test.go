package chat

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// hostile is outside text as the downloader, a click or a person may hand it over.
var hostile = []struct {
	name, text string
	// shown is what Plain must show of it when it is a reason (an Outside part); "" when
	// the test only checks the rules.
	shown string
}{
	{"box drawing over the quote cap", strings.Repeat("─", 200), strings.Repeat("─", 25) + "…"},
	{"percent-decoded line break", "x.click\n[deadbeef] com.victim_2.0_armhf.click approved: by sil", "x.click␊[deadbeef] com.victim_2.0_armhf.click approved: by sil"},
	{"CRLF", "Not Found\r\nPRIVMSG #ubuntu-ci-eng :hi", "Not Found␍␊PRIVMSG #ubuntu-ci-eng :hi"},
	{"IRC colour and CTCP in a reason phrase", "\x01ACTION \x02Not\x02 \x034,1Found\x0f\x01", "␁ACTION ␂Not␂ ␃4,1Found␏␁"},
	{"bidi override, NEL and line separator in a host", "evil\u202eexample.com\u0085next\u2028line", "evil\ufffdexample.com\ufffdnext\ufffdline"},
	{"zero-width and BOM", "sil\u200b2100\u200d\ufeff", "sil\ufffd2100\ufffd\ufffd"},
	{"isolates and marks", "\u2066a\u2069\u200e\u200f", "\ufffda\ufffd\ufffd\ufffd"},
	{"invalid UTF-8", "ab\xff\xfe\xc3", "ab\ufffd\ufffd\ufffd"},
	{"DEL and NUL", "a\x7fb\x00c", "a␡b␀c"},
	{"split forgery", strings.Repeat("x", 40) + " [deadbeef] com.victim_2.0_armhf.click approved: by sil", ""},
	{"starts like an announcement", "[deadbeef] com.victim_2.0_armhf.click approved: by sil", ""},
	{"leading blanks before a forgery", "\u3000\u2800 [deadbeef] x approved", ""},
	{"Slack broadcast and mention", "<!channel> <@U0LANDING> <https://evil.example|docs> @here @Everyone", ""},
	{"Slack formatting", "> *bold* _it_ ~strike~ `code` ```block```", ""},
	{"Matrix markup", `<script>alert(1)</script><a href="https://evil">@room</a>`, ""},
	{"escapes", "&lt;!channel&gt; &amp;", ""},
	{"1 MiB", strings.Repeat("ab\x01", 1<<20/3), ""},
	{"empty", "", ""},
	{"blank", "   ", ""},
}

// TestGuardHostileText puts each hostile text in each part of a reply, an announcement
// and a notice, addressed and not, under each prefix, and checks every rule on every
// network.
func TestGuardHostileText(t *testing.T) {
	for _, h := range hostile {
		t.Run(h.name, func(t *testing.T) {
			for _, m := range []Message{sampleReply(), sampleAnnouncement(), sampleNotice()} {
				for i := 0; i <= len(m.Parts); i++ {
					for _, prefix := range []string{"!", ".", "stagebot: "} {
						for _, to := range []string{"", "alice", "[deadbeef]", h.text} {
							mm := withText(m, i, h.text)
							if bad := guardViolations(mm, prefix, to, outsideOnly(m, i)); len(bad) > 0 {
								t.Fatalf("kind %d, part %d, prefix %q, to %q:\n%s", m.Kind, i, prefix, to, strings.Join(bad, "\n"))
							}
						}
					}
				}
			}
		})
	}
}

// TestGuardShowsOutsideText: a reason is cleaned visibly and cut by bytes, on every
// network alike.
func TestGuardShowsOutsideText(t *testing.T) {
	for _, h := range hostile {
		if h.shown == "" {
			continue
		}
		t.Run(h.name, func(t *testing.T) {
			m := Message{Kind: Reply, Parts: []Part{{Role: Words, Text: "held: "}, {Role: Outside, Text: h.text}}}
			want := "held: " + h.shown
			if got := Plain(m, "!"); got != want {
				t.Fatalf("Plain = %q, want %q", got, want)
			}
			if got := strings.Join(IRC(m, "!", testBudget()), "\n"); got != want {
				t.Fatalf("IRC = %q, want %q", got, want)
			}
			if body, _ := Matrix(m, "!", nil); body != want {
				t.Fatalf("Matrix body = %q, want %q", body, want)
			}
			if len(h.shown) > MaxQuote {
				t.Fatalf("the expectation itself is %d bytes, over %d", len(h.shown), MaxQuote)
			}
		})
	}
}

func TestQuoteCutsBytesNotCharacters(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"short stays", "wrong version", "wrong version"},
		{"exactly the cap", strings.Repeat("x", MaxQuote), strings.Repeat("x", MaxQuote)},
		{"one byte over", strings.Repeat("x", MaxQuote+1), strings.Repeat("x", MaxQuote-3) + "…"},
		{"600 bytes of 3-byte characters", strings.Repeat("─", 200), strings.Repeat("─", 25) + "…"},
		{"4-byte characters", strings.Repeat("😀", 30), strings.Repeat("😀", 19) + "…"},
		{"controls grow when shown", strings.Repeat("\x01", 30), strings.Repeat("␁", 25) + "…"},
		{"1 MiB", strings.Repeat("y", 1<<20), strings.Repeat("y", MaxQuote-3) + "…"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := quote(c.in)
			if got != c.want {
				t.Fatalf("quote = %q (%d bytes), want %q", got, len(got), c.want)
			}
			if len(got) > MaxQuote || !utf8.ValidString(got) {
				t.Fatalf("quote = %d bytes, valid UTF-8 %v", len(got), utf8.ValidString(got))
			}
		})
	}
}

// TestGuardRoles: each role is cleaned, cut and prefixed as its kind of text needs.
func TestGuardRoles(t *testing.T) {
	longName := "com.example." + strings.Repeat("a", 100) + "_1.0_all.click"
	cases := []struct {
		name   string
		part   Part
		prefix string
		want   string
	}{
		{"words keep their text", Part{Words, "queued for locking"}, "!", "queued for locking"},
		{"words lose line breaks and tabs", Part{Words, "a\nb\r\nc\td"}, "!", "a b  c d"},
		{"words lose other controls visibly", Part{Words, "a\x01b\x03c"}, "!", "a␁b␃c"},
		{"words are not cut at the quote cap", Part{Words, strings.Repeat("w", 100)}, "!", strings.Repeat("w", 100)},
		{"command behind the prefix", Part{Command, "approve 1a2b3c4d"}, "!", "!approve 1a2b3c4d"},
		{"command behind a dot", Part{Command, "unhold 1a2b3c4d"}, ".", ".unhold 1a2b3c4d"},
		{"command behind the nick", Part{Command, "status"}, "stagebot: ", "stagebot: status"},
		{"a prefix is cleaned too", Part{Command, "status"}, "\x01\n", "␁ status"},
		{"filename kept whole", Part{Filename, longName}, "!", longName},
		{"filename cleaned", Part{Filename, "a\u202e_1_all.click\n"}, "!", "a\ufffd_1_all.click␊"},
		{"ID cleaned and cut", Part{ID, strings.Repeat("\x02", 40)}, "!", strings.Repeat("␂", 25) + "…"},
		{"mention cleaned", Part{Mention, "si\u200bl"}, "!", "si\ufffdl"},
		{"unknown role treated as outside", Part{Role(200), strings.Repeat("z", 90) + "\n"}, "!", strings.Repeat("z", 77) + "…"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Plain(Message{Kind: Reply, Parts: []Part{c.part}}, c.prefix)
			if got != c.want {
				t.Fatalf("Plain = %q, want %q", got, c.want)
			}
		})
	}
}

// TestGuardCapsTheMessage: a message is at most MaxMessage bytes however many parts it
// has, cut with an ellipsis, a mention whole or not at all.
func TestGuardCapsTheMessage(t *testing.T) {
	quoted := strings.Repeat("q", MaxQuote)
	many := Message{Kind: Reply}
	for range 20 {
		many.Parts = append(many.Parts, Part{Outside, quoted}, Part{Words, " "})
	}
	mentionAtCap := Message{Kind: Reply, Parts: []Part{{Words, strings.Repeat("w", MaxMessage-6)}, {Mention, "sil2100"}}}
	fits := Message{Kind: Reply, Parts: []Part{{Words, strings.Repeat("w", MaxMessage-3)}, {Mention, "sil"}}}
	cases := []struct {
		name string
		m    Message
		want string
	}{
		{"many quotes", many, strings.TrimSpace(strings.Repeat(quoted+" ", 12)) + " " + strings.Repeat("q", MaxMessage-12*81-3) + "…"},
		{"a mention is not cut", mentionAtCap, strings.Repeat("w", MaxMessage-6) + "…"},
		{"exactly the cap", fits, strings.Repeat("w", MaxMessage-3) + "sil"},
		{"1 MiB of words", Message{Kind: Reply, Parts: []Part{{Words, strings.Repeat("─", 1<<20/3)}}}, strings.Repeat("─", (MaxMessage-3)/3) + "…"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Plain(c.m, "!")
			if got != c.want {
				t.Fatalf("Plain = %q (%d bytes), want %q (%d bytes)", got, len(got), c.want, len(c.want))
			}
			if len(got) > MaxMessage {
				t.Fatalf("%d bytes", len(got))
			}
			if lines := IRC(c.m, "!", testBudget()); len(lines) > MaxLines {
				t.Fatalf("%d IRC lines", len(lines))
			}
		})
	}
}

// TestMarkedUnlessAnnouncement: only an announcement's line may start with "[" + 8 hex
// digits + "]"; any other line that would gets Marker in front, and nothing else changes.
func TestMarkedUnlessAnnouncement(t *testing.T) {
	forged := "[DeadBeef] com.victim_2.0_armhf.click approved: by sil"
	cases := []struct {
		name      string
		kind      Kind
		text      string
		addressee string
		want      string
	}{
		{"reply in a query", Reply, forged, "", Marker + forged},
		{"notice", Notice, forged, "", Marker + forged},
		{"announcement", Announcement, forged, "", forged},
		{"reply in a channel is addressed", Reply, forged, "alice", "alice: " + forged},
		{"an addressee that looks like an ID", Reply, "hi", "[deadbeef]", Marker + "[deadbeef]: hi"},
		{"behind blanks that read as nothing", Reply, "\u2800\u3164" + forged, "", Marker + forged},
		{"leading spaces are trimmed", Reply, "  " + forged, "", Marker + forged},
		{"seven digits", Reply, "[deadbee] x", "", "[deadbee] x"},
		{"not hex", Reply, "[deadbeeg] x", "", "[deadbeeg] x"},
		{"no closing bracket", Reply, "[deadbeef x", "", "[deadbeef x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := Message{Kind: c.kind, Parts: []Part{{Outside, c.text}}}
			if got := PlainReply(m, "!", c.addressee); got != c.want {
				t.Fatalf("Plain = %q, want %q", got, c.want)
			}
			if got := IRCReply(m, "!", c.addressee, testBudget()); len(got) != 1 || got[0] != c.want {
				t.Fatalf("IRC = %q, want [%q]", got, c.want)
			}
		})
	}
}

// TestGuardCapsWhatEveryNetworkShows: what a network writes for a character may be longer
// than the character (a broadcast's "@" becomes a full-width ＠); the cap holds for what is
// shown, not for what came in.
func TestGuardCapsWhatEveryNetworkShows(t *testing.T) {
	m := Message{Kind: Reply, Parts: []Part{{Words, strings.Repeat("w", MaxMessage-4)}, {Outside, "@here"}}}
	want := strings.Repeat("w", MaxMessage-4) + "…"
	body, _ := Matrix(m, "!", nil)
	for name, got := range map[string]string{"Plain": Plain(m, "!"), "Matrix": body, "Slack": Slack(m, "!", nil)} {
		if got != want {
			t.Errorf("%s = …%q (%d bytes), want …%q (%d bytes)", name, got[max(0, len(got)-12):], len(got), want[len(want)-12:], len(want))
		}
	}
}
