package stagebot

import (
	"regexp"
	"strings"
)

// PublicName is a person's name as Display recorded it, made fit to show outside the audit
// log: an IRC hostmask says where someone connects from (on a network without cloaks,
// their address), so a person who is not a team member is shown by nick alone, marked as
// an IRC identity, which still tells them from the member shown by team name. Records
// keep the whole hostmask; only what people read drops it, old records included.
func PublicName(display string) string {
	if m := ircDisplay.FindStringSubmatch(display); m != nil {
		return m[1] + " (IRC)"
	}
	if mask, ok := strings.CutPrefix(display, "IRC "); ok {
		if nick, _, ok := strings.Cut(mask, "!"); ok && nick != "" && !strings.ContainsAny(nick, " ()") {
			return nick + " (IRC)"
		}
	}
	return display
}

// ircDisplay is Display's form for an IRC identity that is no team member.
var ircDisplay = regexp.MustCompile(`^(.*) \(IRC [^!\s()]+![^@\s()]+@[^\s()]+\)$`)
