package irc

import (
	"slices"
	"strings"

	"gopkg.in/irc.v4"
)

// wantedCaps are the IRCv3 capabilities the bot uses when the server offers them.
// account-tag and extended-join/account-notify carry services accounts for identity
// matching; echo-message with labeled-response and message-tags is how the bot learns the
// msgid of its own request lines, which reactions refer to.
var wantedCaps = []string{
	"message-tags", "echo-message", "server-time", "account-tag", "extended-join",
	"account-notify", "labeled-response", "batch", "cap-notify",
}

// parseCapList reads a CAP LS/NEW list ("a b=c d") into name -> value.
func parseCapList(s string) map[string]string {
	out := map[string]string{}
	for _, f := range strings.Fields(s) {
		name, value, _ := strings.Cut(f, "=")
		out[name] = value
	}
	return out
}

// capLS reads one CAP LS reply line: its caps and whether more lines follow (302's "*").
func capLS(m *irc.Message) (caps map[string]string, more bool) {
	more = len(m.Params) >= 4 && m.Params[2] == "*"
	return parseCapList(m.Trailing()), more
}

// chooseCaps picks the capabilities to request from those offered. sasl is requested only
// when a mechanism is configured and the server lists it (or lists no mechanisms).
func chooseCaps(offered map[string]string, saslMech string) []string {
	var out []string
	for _, c := range wantedCaps {
		if _, ok := offered[c]; ok {
			out = append(out, c)
		}
	}
	if v, ok := offered["sasl"]; ok && saslMech != "" {
		if v == "" || slices.Contains(strings.Split(strings.ToUpper(v), ","), strings.ToUpper(saslMech)) {
			out = append(out, "sasl")
		}
	}
	return out
}

// ackedCaps reads a CAP ACK list; a "-name" entry means the capability was disabled.
func ackedCaps(s string) (on, off []string) {
	for _, f := range strings.Fields(s) {
		if name, ok := strings.CutPrefix(f, "-"); ok {
			off = append(off, name)
			continue
		}
		on = append(on, f)
	}
	return on, off
}
