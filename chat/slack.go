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
// can open a mention, a link or a date (and the guard has made the "@" of @channel, @here
// and @everyone a full-width ＠); in everything but the bot's own words (and commands) the
// formatting marks are shown as look-alikes that format nothing (see slackDefuse); a
// message never starts as a block quote. A Mention becomes mention(name) when that is a
// user highlight (<@U…>) other than the name itself, else the name as text; mention may
// be nil.
//
// A section block or message posted with this text may be sent with verbatim off: the
// only things Slack would then parse are bare URLs and #channel names, which show what
// they are.
func Slack(m Message, prefix string, mention func(name string) string) string {
	var b strings.Builder
	for _, p := range slackShown(guard(m, prefix)) {
		if p.role == Break {
			b.WriteString("\n")
			continue
		}
		if p.role == Strong {
			b.WriteString("*" + slackEscape(strings.Trim(p.text, "*")) + "*")
			continue
		}
		if p.role == Mention && mention != nil {
			if ref := mention(p.name); ref != p.name && slackMention.MatchString(ref) {
				b.WriteString(ref)
				continue
			}
		}
		b.WriteString(slackEscape(p.text))
	}
	return b.String()
}

// slackShown is the pieces with their formatting marks defused, within MaxMessage bytes as
// Slack shows them: a look-alike is longer than the mark it stands for, so a message full
// of marks is cut shorter, and the marks are judged against the neighbours they end up
// with.
func slackShown(ps []piece) []piece {
	for limit := MaxMessage; ; {
		qs := capped(append([]piece(nil), ps...), limit)
		for i, p := range qs {
			if p.role != Words && p.role != Command && p.role != Break && p.role != Strong {
				qs[i].text = slackDefuse(p.text, lastRune(qs, i-1), firstRune(qs, i+1))
			}
		}
		for i := range qs {
			if i == 0 || qs[i-1].role == Break { // a line's start
				qs[i].text = slackLead(qs[i].text)
			}
		}
		over := len(text(qs)) - MaxMessage
		if over <= 0 {
			return qs
		}
		// A look-alike is at most three bytes for one mark: a third of the excess is
		// the least that must go, and at worst the loop ends at a lone ellipsis.
		limit -= (over + 2) / 3
	}
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
// or its full-width form at the start of a line; a message is one line.
func slackLead(s string) string {
	for _, q := range []string{">", "＞"} {
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
