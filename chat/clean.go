package chat

import (
	"strings"
	"unicode/utf8"

	"stagebot"
)

// Ellipsis ends every text the guard cuts, so readers know there was more.
const Ellipsis = "…"

// precut bounds the raw text cleaning has to read: cleaning never makes text shorter
// (stagebot.CleanText), so whatever lies past limit plus one rune would be cut anyway, and
// a 1 MiB outside string costs no more than a short one.
func precut(s string, limit int) string {
	if len(s) > limit+utf8.UTFMax {
		return s[:limit+utf8.UTFMax]
	}
	return s
}

// quote is outside text as a message may repeat it: cleaned (control characters shown as
// their pictures, bidi, separator and zero-width characters and invalid UTF-8 as U+FFFD)
// and cut to MaxQuote bytes.
func quote(s string) string {
	return cut(stagebot.CleanText(precut(s, MaxQuote)), MaxQuote)
}

// verbatim is text the bot vouches for the meaning of but not the bytes (a filename from a
// click's manifest): cleaned like outside text, not cut short.
func verbatim(s string) string {
	return stagebot.CleanText(precut(s, MaxMessage))
}

// words is the bot's own text: a tab or line break (which only a mistake would put there)
// reads as a space, since every message is one line; any other control character is shown
// as CleanText shows it.
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
	return stagebot.CleanText(s)
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
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
