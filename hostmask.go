package stagebot

import (
	"fmt"
	"strings"
)

// CheckIRC says what is wrong with a team entry's irc value, or nil: it must be
// account:NAME (the services account) or a hostmask pattern nick!user@host whose host part
// pins something. Anyone can take a free nick and every client chooses its own ident, so
// only the host (a cloak such as canonical/NAME, a domain, an address) ties a pattern to a
// person: a host part without a run of two or more literal characters other than the
// separators . : / - (*, */*, *:*, *-*, *0*) would trust a nick alone.
func CheckIRC(p string) error {
	if name, ok := strings.CutPrefix(p, "account:"); ok {
		switch {
		case name == "":
			return fmt.Errorf("%q names no account: write account:NAME", p)
		case strings.ContainsAny(name, "*? !@"):
			return fmt.Errorf("%q: an account name is matched exactly and takes no wildcards, spaces, ! or @", p)
		}
		return nil
	}
	nick, userHost, ok := strings.Cut(p, "!")
	user, host, ok2 := strings.Cut(userHost, "@")
	if !ok || !ok2 || nick == "" || user == "" || host == "" || strings.ContainsAny(userHost, "!") || strings.ContainsAny(host, "@") || strings.ContainsAny(p, " \t") {
		return fmt.Errorf("%q must be a hostmask pattern nick!user@host or account:NAME", p)
	}
	if !pinsHost(host) {
		hint := nick
		if hasWildcard(hint) {
			hint = "NICK"
		}
		return fmt.Errorf("%q trusts anyone who takes the nick: its host part has no two literal characters in a row besides . : / -; use account:NAME (the services account) or a host cloak such as \"%s!*@user/cloak\"", p, hint)
	}
	return nil
}

// pinsHost reports whether a host pattern holds a run of two or more characters that are
// neither wildcards nor the separators between labels, segments and address groups.
func pinsHost(host string) bool {
	run := 0
	for i := 0; i < len(host); i++ {
		switch host[i] {
		case '*', '?', '.', ':', '/', '-':
			run = 0
		default:
			if run++; run >= 2 {
				return true
			}
		}
	}
	return false
}
