package irc

import (
	"strings"
	"unicode/utf8"
)

// maxLine is the IRC line limit in bytes, CRLF included (RFC 1459). Message tags have a
// budget of their own, so they are not counted against it.
const maxLine = 512

// Guesses for the parts of our own prefix we have not seen yet; InspIRCd's defaults
// (USERLEN=10, HOSTLEN=64) are the largest common ones.
const (
	guessUserLen = 10
	guessHostLen = 64
)

// textBudget is how many bytes of text fit in one `COMMAND target :text` line once the
// server has put our prefix (":nick!user@host ") in front of it when relaying.
func textBudget(selfMask, nick, command, target string) int {
	prefix := len(selfMask)
	if selfMask == "" {
		prefix = len(nick) + 1 + guessUserLen + 1 + guessHostLen
	}
	n := maxLine - len("\r\n") - (1 + prefix + 1) - len(command) - 1 - len(target) - len(" :")
	// A rune is at most 4 bytes: below that no progress could be made.
	return max(n, 16)
}

// splitText turns a reply into line-sized pieces: every newline starts a new line, long
// lines are cut at a UTF-8 boundary (at a space when one is near), and nothing is lost
// except the CR and NUL bytes that would end or corrupt the line. Pieces joined back
// (with the newlines) give the original text.
func splitText(text string, budget int) []string {
	if strings.ContainsAny(text, "\r\x00") {
		text = strings.NewReplacer("\r", "", "\x00", "").Replace(text)
	}
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if line == "" {
			continue // an empty PRIVMSG is an error (412), and carries nothing
		}
		out = append(out, splitLine(line, budget)...)
	}
	return out
}

// splitLine cuts one line into pieces of at most budget bytes.
func splitLine(s string, budget int) []string {
	var out []string
	for len(s) > budget {
		cut := budget
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		if cut == 0 {
			cut = budget // not UTF-8 at all: any cut is as good as another
		}
		// A cut at a space reads better; the space stays at the end of the first piece so
		// that joining the pieces gives the text back.
		if sp := strings.LastIndexByte(s[:cut], ' '); sp >= cut/2 {
			cut = sp + 1
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// chatLines makes one PRIVMSG or NOTICE line to target of each piece of splitText.
func chatLines(command, target string, pieces []string) []string {
	lines := make([]string, len(pieces))
	for i, p := range pieces {
		lines[i] = command + " " + target + " :" + p
	}
	return lines
}
