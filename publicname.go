package stagebot

import (
	"regexp"
	"strings"
)

// PublicName is text naming people as Display recorded them (one name, or a sentence or
// note that quotes names), made fit to show outside the audit log: an IRC hostmask says
// where someone connects from (on a network without cloaks, their address), so a person
// who is not a team member is shown by nick alone, marked as an IRC identity, which still
// tells them from the member shown by team name. Records keep the whole hostmask; only
// what people read drops it, old records included.
func PublicName(s string) string {
	if !strings.Contains(s, "IRC ") { // both forms below name the network so; most text does not
		return s
	}
	s = ircHandle.ReplaceAllLiteralString(s, "(IRC)")
	return ircBareHandle.ReplaceAllString(s, "$1 (IRC)")
}

var (
	// "nick (IRC nick!user@host)", Display's form for an IRC identity that is no team
	// member: the name stays, the hostmask goes.
	ircHandle = regexp.MustCompile(`\(IRC [^\s()!]*![^\s()@]*@[^\s()]*\)`)
	// "IRC nick!user@host" (a display without a separate name, or one cut short before its
	// closing parenthesis): the nick stays.
	ircBareHandle = regexp.MustCompile(`\bIRC ([^\s()!]+)![^\s()@]*@[^\s();,]*`)
)
