package chat

import (
	"strings"
	"unicode/utf8"

	"stagebot"
)

// Ellipsis ends every text the guard cuts, so readers know there was more.
const Ellipsis = "…"

// precut bounds the raw text cleaning has to read: cleaning never makes text shorter, so
// whatever lies past limit plus one character would be cut anyway, and a 1 MiB outside
// string costs no more than a short one.
func precut(s string, limit int) string {
	if len(s) > limit+utf8.UTFMax {
		return s[:limit+utf8.UTFMax]
	}
	return s
}

// clean is text as every network may show it: control characters as their pictures,
// bidi, separator and zero-width characters and invalid UTF-8 as U+FFFD
// (stagebot.CleanText), and no word that notifies a whole room (defuseBroadcasts). It
// never makes text shorter.
func clean(s string) string {
	return defuseBroadcasts(stagebot.CleanText(s))
}

// quote is outside text as a message may repeat it: cleaned and cut to MaxQuote bytes.
func quote(s string) string {
	return cut(clean(precut(s, MaxQuote)), MaxQuote)
}

// verbatim is text the bot vouches for the meaning of but not the bytes (a filename from a
// click's manifest): cleaned like outside text, not cut short.
func verbatim(s string) string {
	return clean(precut(s, MaxMessage))
}

// words is the bot's own text: a tab or line break (which only a mistake would put there)
// reads as a space, since every message is one line; otherwise cleaned as any text.
func words(s string) string {
	s = precut(s, MaxMessage)
	if strings.ContainsAny(s, "\t\n\r") {
		s = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' {
				return ' '
			}
			return r
		}, s)
	}
	return clean(s)
}

// cut shortens s to at most limit bytes, ending in Ellipsis, never inside a UTF-8
// character; s within the limit comes back unchanged.
func cut(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	if limit < len(Ellipsis) {
		return ""
	}
	return clip(s, limit-len(Ellipsis)) + Ellipsis
}

// clip is the longest start of s of at most n bytes that ends between two characters.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	n = max(n, 0)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
