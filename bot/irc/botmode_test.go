package irc

import (
	"strings"
	"testing"
)

// TestBotModeFromISupport: the bot sets the user mode ISUPPORT BOT names, once, on the
// nick it registered with; a server without BOT gets no MODE line.
func TestBotModeFromISupport(t *testing.T) {
	for _, tc := range []struct {
		name, isupport, want string
	}{
		{"offered", "BOT=B CASEMAPPING=rfc1459", "MODE stagebot_ +B"},
		{"other letter", "BOT=b", "MODE stagebot_ +b"},
		{"not offered", "CASEMAPPING=rfc1459 CHANTYPES=#", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, w := testSession(t)
			feed(s, []byte(":irc.test 001 stagebot_ :hi\r\n"))
			line := ":irc.test 005 stagebot_ " + tc.isupport + " :are supported by this server\r\n"
			// Servers send several 005 lines and again on changes: one MODE is enough.
			feed(s, []byte(line+line))
			var modes []string
			for _, l := range w.written() {
				if strings.HasPrefix(l, "MODE ") {
					modes = append(modes, l)
				}
			}
			if tc.want == "" && len(modes) != 0 || tc.want != "" && (len(modes) != 1 || modes[0] != tc.want) {
				t.Errorf("MODE lines %q, want %q", modes, tc.want)
			}
			s.close()
		})
	}
}
