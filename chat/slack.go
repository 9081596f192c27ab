package chat

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// slackMention is the only markup Slack output takes from outside the guard: a user
// highlight as mention returns it. Anything else it returns is shown as the name.
var slackMention = regexp.MustCompile(`^<@[UW][A-Z0-9]+>$`)

// Slack is a message as Slack mrkdwn text. &, < and > are escaped everywhere, so no text
// can open a mention, a link or a date, and a broadcast's "@" is FullwidthAt; in
// everything but the bot's own words (and commands) the formatting marks are shown as
// look-alikes that format nothing (see slackDefuse); a message never starts as a block
// quote. A Mention becomes mention(name) when that is a user highlight (<@U…>) other
// than the name itself, else the name as text; mention may be nil.
//
// A section block or message posted with this text may be sent with verbatim off: the
// only things Slack would then parse are bare URLs and #channel names, which show what
// they are.
func Slack(m Message, prefix string, mention func(name string) string) string {
	ps := guard(m, prefix)
	var b strings.Builder
	for i, p := range ps {
		switch p.role {
		case Words, Command:
			b.WriteString(slackEscape(defuseBroadcasts(p.text)))
			continue
		case Mention:
			if mention != nil {
				if ref := mention(p.name); ref != p.name && slackMention.MatchString(ref) {
					b.WriteString(ref)
					continue
				}
			}
		}
		t := slackDefuse(defuseBroadcasts(p.text), lastRune(ps, i-1), firstRune(ps, i+1))
		b.WriteString(slackEscape(t))
	}
	return slackLead(b.String())
}

// slackEscape escapes the three characters Slack gives meaning to in any text.
func slackEscape(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Look-alikes of mrkdwn's formatting marks: they read the same and format nothing.
const (
	slackStar     = '∗' // U+2217 ASTERISK OPERATOR for *bold*
	slackUnder    = 'ˍ' // U+02CD MODIFIER LETTER LOW MACRON for _italic_
	slackTilde    = '∼' // U+223C TILDE OPERATOR for ~strike~
	slackBacktick = 'ˋ' // U+02CB MODIFIER LETTER GRAVE ACCENT for `code`
	slackQuote    = '›' // U+203A SINGLE RIGHT-POINTING ANGLE QUOTATION MARK for a leading >
)

// slackDefuse replaces the formatting marks in s that Slack could read as marks. Slack
// opens and closes *, _ and ~ only at a word's edge, so a mark between two ASCII letters or
// digits is left as it is (a filename's com.example_1.0_all, a URL's path_part stay
// exact); a backtick is always replaced. before and after are the characters around s in
// the message (0 at its ends, or next to markup).
func slackDefuse(s string, before, after rune) string {
	if !strings.ContainsAny(s, "*_~`") {
		return s
	}
	var b strings.Builder
	prev := before
	for i, r := range s {
		next := after
		if j := i + utf8.RuneLen(r); j < len(s) {
			next, _ = utf8.DecodeRuneInString(s[j:])
		}
		inWord := asciiAlnum(prev) && asciiAlnum(next)
		switch {
		case r == '`':
			b.WriteRune(slackBacktick)
		case r == '*' && !inWord:
			b.WriteRune(slackStar)
		case r == '_' && !inWord:
			b.WriteRune(slackUnder)
		case r == '~' && !inWord:
			b.WriteRune(slackTilde)
		default:
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

// slackLead keeps a message from starting as a block quote, which Slack reads from ">"
// (escaped) or its full-width form at the start of a line; a message is one line.
func slackLead(s string) string {
	for _, q := range []string{"&gt;", "＞"} {
		if rest, ok := strings.CutPrefix(s, q); ok {
			return string(slackQuote) + rest
		}
	}
	return s
}

func asciiAlnum(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
}

// lastRune and firstRune are the characters next to piece i in the message: 0 past its
// ends and next to a mention, whose text may become markup.
func lastRune(ps []piece, i int) rune {
	if i < 0 || ps[i].role == Mention {
		return 0
	}
	r, _ := utf8.DecodeLastRuneInString(ps[i].text)
	return r
}

func firstRune(ps []piece, i int) rune {
	if i >= len(ps) || ps[i].role == Mention {
		return 0
	}
	r, _ := utf8.DecodeRuneInString(ps[i].text)
	return r
}
