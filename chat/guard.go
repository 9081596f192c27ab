package chat

import (
	"strings"
	"unicode"
)

// piece is a part of a message past the guard: text is what a reader sees, cleaned and
// cut; name is a Mention's name as the renderer gave it, for the network to look up.
type piece struct {
	role Role
	text string
	name string
}

// guard is the door every message goes through before a network writes it, the same for
// every network: each part cleaned by its role (outside text, IDs and mentions also cut to
// MaxQuote bytes; a command behind the configured prefix), blank ends trimmed, and the
// whole cut to MaxMessage bytes. lead parts go before the message's own (a reply's
// addressee), so they count in its size like any other part.
func guard(m Message, prefix string, lead ...Part) []piece {
	parts := make([]Part, 0, len(lead)+len(m.Parts))
	parts = append(append(parts, lead...), m.Parts...)
	out := make([]piece, 0, len(parts)+1)
	for _, p := range parts {
		pc := piece{role: p.Role}
		switch p.Role {
		case Words, Strong:
			pc.text = words(p.Text)
		case Command:
			pc.text = words(prefix) + words(p.Text)
		case Filename:
			pc.text = verbatim(p.Text)
		case Mention:
			pc.text, pc.name = quote(p.Text), p.Text
		case Break:
			if pc.text = words(p.Text); pc.text == "" {
				pc.text = " "
			}
		default: // Outside, ID, and any role added later: the strictest treatment
			pc.text = quote(p.Text)
		}
		if pc.text != "" {
			out = append(out, pc)
		}
	}
	return capped(trimEnds(out), MaxMessage)
}

// trimEnds drops the spaces and breaks a message starts or ends with: they carry nothing,
// and a leading space would hide what a line starts with from a reader who looks for "[".
func trimEnds(ps []piece) []piece {
	for len(ps) > 0 {
		ps[0].text = strings.TrimLeftFunc(ps[0].text, blank)
		if ps[0].text != "" && ps[0].role != Break {
			break
		}
		ps = ps[1:]
	}
	for len(ps) > 0 {
		last := &ps[len(ps)-1]
		last.text = strings.TrimRightFunc(last.text, blank)
		if last.text != "" && last.role != Break {
			break
		}
		ps = ps[:len(ps)-1]
	}
	return ps
}

// capped cuts pieces to limit bytes in all, the last one kept ending in Ellipsis. A
// mention is whole or gone: half a name would highlight nobody, or somebody else; so is a
// break, which is one thing however it is shown.
func capped(ps []piece, limit int) []piece {
	total := 0
	for _, p := range ps {
		total += len(p.text)
	}
	if total <= limit {
		return ps
	}
	room := limit - len(Ellipsis)
	out := ps[:0]
	for _, p := range ps {
		if len(p.text) <= room {
			out = append(out, p)
			room -= len(p.text)
			continue
		}
		if head := clip(p.text, room); head != "" && p.role != Mention && p.role != Break {
			p.text = head + Ellipsis
			return append(out, p)
		}
		return append(out, piece{role: Words, text: Ellipsis})
	}
	return out
}

// text is the pieces as one plain string, a mention as its name.
func text(ps []piece) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.text)
	}
	return b.String()
}

// Marker goes in front of a reply or notice line that would otherwise start like an
// announcement ("[" + 8 hex digits + "]"): only announcements start that way, so a
// reader, or a script watching the channel, can trust a line that does. It reads as what
// it is, an answer.
const Marker = "↳ "

// line is a message as one line of plain text (the console, IRC before its split), the
// addressee first when there is one, and never starting like an announcement unless it
// is one.
func line(m Message, prefix, addressee string) string {
	var lead []Part
	if addressee != "" {
		if len(guard(m, prefix)) == 0 {
			return "" // nothing to say is not worth a line that only names the person
		}
		lead = []Part{{Role: Outside, Text: addressee}, {Role: Words, Text: ": "}}
	}
	s := text(guard(m, prefix, lead...))
	if m.Kind != Announcement && announcementLike(s) {
		s = cut(Marker+s, MaxMessage)
	}
	return s
}

// announcementLike reports whether s starts as an announcement does, "[" + 8 hex digits
// + "]", looking past anything a reader would not see in front of it.
func announcementLike(s string) bool {
	s = strings.TrimLeftFunc(s, blank)
	if len(s) < 10 || s[0] != '[' || s[9] != ']' {
		return false
	}
	for i := 1; i < 9; i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// blank reports a character that shows as nothing or as space: spaces, invisible
// formatting characters, and the "letters" that render empty (Hangul fillers, the braille
// blank).
func blank(r rune) bool {
	switch r {
	case 0x115f, 0x1160, 0x3164, 0xffa0, 0x2800:
		return true
	}
	return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r)
}
