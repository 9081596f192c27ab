package stagebot

import (
	"strings"
	"unicode/utf8"
)

// MaxReason caps a reason (reject, cancel, hold): a chat line is not a letter, and an
// unbounded reason would be split over several IRC lines.
const MaxReason = 200

// CleanText makes text a user typed safe to repeat on one chat line. The bot repeats user
// text (command names, arguments, reasons, file names, display names) in replies and
// announcements; a control character in it would let the user forge a second line (CR, LF),
// speak as the bot in CTCP (\x01) or colour the bot's lines (IRC formatting). So, visibly
// and losslessly enough to show what was sent:
//
//   - C0 controls (NUL to US, including CR, LF, TAB, \x01 and the IRC formatting codes
//     \x02 \x03 \x0f \x16 \x1d \x1e \x1f) become their Unicode control pictures U+2400+c
//     (␀ ␁ ... ␊ ... ␟), and DEL becomes ␡ (U+2421);
//   - C1 controls (U+0080 to U+009F), the Unicode line and paragraph separators
//     (U+2028, U+2029), bidirectional marks, embeddings, overrides and isolates (which
//     reorder how a name reads), zero-width and invisible formatting characters (which
//     make two different names look alike) and bytes that are not UTF-8 become U+FFFD
//     (�): they have no picture, a client reading Latin-1 would take a raw 0x85 for a
//     line break, and showing them rather than dropping them keeps "sil\u200b2100" from
//     reading as "sil2100".
//
// The result holds none of those, so no split of it can start a line with \x01. CleanText
// is idempotent: cleaning cleaned text changes nothing, so a layer that cleans again does
// no harm. It never makes text shorter in bytes (each replacement is at least as long as
// what it replaces), so cutting raw text before cleaning it loses nothing a cut after
// cleaning would have kept.
func CleanText(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r < 0x20:
			b.WriteRune(0x2400 + r)
		case r == 0x7f:
			b.WriteRune(0x2421)
		case unsafeRune(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// CleanReason is CleanText capped at MaxReason characters; a cut reason ends in "…" so
// readers know there was more.
func CleanReason(s string) string {
	s = CleanText(strings.TrimSpace(s))
	if utf8.RuneCountInString(s) <= MaxReason {
		return s
	}
	n := 0
	for i := range s {
		if n == MaxReason-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// Clean is the identity with every text field cleaned (CleanText). Adapters fill Identity
// from what the network says: a Slack display name is whatever its owner typed, a console
// name whatever came before "> ". Keys stay stable: the same raw value always cleans to the
// same text.
func (i Identity) Clean() Identity {
	i.Network = CleanText(i.Network)
	i.ID = CleanText(i.ID)
	i.Account = CleanText(i.Account)
	i.Name = CleanText(i.Name)
	return i
}

func isClean(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || unsafeRune(r) {
			return false
		}
		i += size
	}
	return true
}

// unsafeRune reports the non-ASCII runes that break, reorder or hide part of a line.
func unsafeRune(r rune) bool {
	switch {
	case 0x80 <= r && r <= 0x9f: // C1
		return true
	case r == 0x2028 || r == 0x2029: // line and paragraph separators
		return true
	case r == 0x200e || r == 0x200f || r == 0x061c: // direction marks
		return true
	case 0x202a <= r && r <= 0x202e: // embeddings and overrides
		return true
	case 0x2066 <= r && r <= 0x2069: // isolates
		return true
	case 0x200b <= r && r <= 0x200d: // zero-width space, non-joiner, joiner
		return true
	case 0x2060 <= r && r <= 0x2064: // word joiner, invisible operators
		return true
	case r == 0xfeff || r == 0x180e: // zero-width no-break space (BOM), Mongolian vowel separator
		return true
	}
	return false
}
