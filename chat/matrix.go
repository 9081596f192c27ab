package chat

import (
	"html"
	"regexp"
	"strings"
)

// matrixUserID is the user ID a pill may link to: a localpart of the characters the spec
// allows today and a server name (a host name or a bracketed IPv6 address, and a port), so
// nothing in it needs escaping beyond HTML's.
var matrixUserID = regexp.MustCompile(`^@[a-z0-9._=/+\-]+:([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$`)

// Matrix is a message as an m.notice's body (plain text) and formatted_body (HTML, format
// org.matrix.custom.html). All text is HTML-escaped (and the guard has made the "@" of
// @room a full-width ＠). A Mention whose mention(name) answers ok with a valid user ID is a
// matrix.to pill in the HTML and the name in the body; otherwise the name as text.
// mention may be nil. The sender still lists the mentioned IDs in m.mentions, which also
// keeps clients from notifying on names written in the body.
func Matrix(m Message, prefix string, mention func(name string) (userID string, ok bool)) (body, html string) {
	ps := guard(m, prefix)
	var pb, hb strings.Builder
	for _, p := range ps {
		t := p.text
		if p.role == Break {
			pb.WriteString("\n")
			hb.WriteString("<br>")
			continue
		}
		if p.role == Strong {
			pb.WriteString(t)
			hb.WriteString("<strong>" + escapeHTML(t) + "</strong>")
			continue
		}
		pb.WriteString(t)
		if p.role == Mention && mention != nil {
			if id, ok := mention(p.name); ok && matrixUserID.MatchString(id) {
				hb.WriteString(`<a href="https://matrix.to/#/` + escapeHTML(id) + `">` + escapeHTML(t) + `</a>`)
				continue
			}
		}
		hb.WriteString(escapeHTML(t))
	}
	return pb.String(), hb.String()
}

// escapeHTML is html.EscapeString for Matrix, whose result named html hides the package.
func escapeHTML(s string) string { return html.EscapeString(s) }

// EncryptedRoom tells a Matrix room with end-to-end encryption, once, that the bot takes no
// part in it: it has no keys, and answering in the clear where people expect encryption
// would leak what they said.
func (r Renderer) EncryptedRoom() Message {
	m := r.start().w("This room is encrypted, and stagebot does not take part in encrypted rooms: it reads nothing here and " +
		"will not answer or announce here. Ask it in a room without encryption, or in a direct chat without encryption (")
	m.cmd("help").w(" lists the commands).")
	return Message{Kind: Notice, Parts: m.parts}
}
