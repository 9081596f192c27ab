package irc

import (
	"fmt"
	"testing"
)

// TestCaseMappingFold: the three ASCII mappings differ exactly in []\~ against {}|^.
func TestCaseMappingFold(t *testing.T) {
	for _, tc := range []struct {
		a, b                           string
		ascii, rfc1459, strict, precis bool // same name under each mapping
	}{
		{"StageBot", "stagebot", true, true, true, true},
		{"sb[1]", "SB{1}", false, true, true, false},
		{`a\b`, "A|B", false, true, true, false},
		{"a~", "A^", false, true, false, false},
		{"a[]\\~", "a{}|^", false, true, false, false},
		{"ÉMILE", "émile", false, false, false, true},
		{"#Stage", "#stage", true, true, true, true},
		{"#a[b]", "#a{b}", false, true, true, false},
		{"alice", "alicf", false, false, false, false},
	} {
		for _, m := range []struct {
			cm   caseMapping
			want bool
		}{{mapASCII, tc.ascii}, {mapRFC1459, tc.rfc1459}, {mapStrictRFC1459, tc.strict}, {mapRFC7613, tc.precis}} {
			if got := m.cm.fold(tc.a) == m.cm.fold(tc.b); got != m.want {
				t.Errorf("%s: %q and %q the same: %v, want %v", m.cm, tc.a, tc.b, got, m.want)
			}
		}
	}
	for _, v := range []string{"rfc1459", "ascii", "strict-rfc1459", "rfc7613"} {
		if cm, ok := parseCaseMapping(v); !ok || cm.String() != v {
			t.Errorf("parseCaseMapping(%q) = %v, %v", v, cm, ok)
		}
	}
}

// TestISupportCaseMapping: the casemapping a 005 line names decides who the bot is and
// which channel it is in; until one comes (or with none), rfc1459.
func TestISupportCaseMapping(t *testing.T) {
	for _, tc := range []struct {
		isupport string // CASEMAPPING token, "" for no 005 at all
		// Whether sb{1}'s command is someone else's (not the bot's own line), and
		// whether the bot, joined to #A^ while #a~ is configured, counts as in #a~.
		otherPerson, inChannel bool
	}{
		{"", false, true},
		{"CASEMAPPING=rfc1459", false, true},
		{"CASEMAPPING=ascii", true, false},
		{"CASEMAPPING=strict-rfc1459", false, false},
		{"CASEMAPPING=rfc1459 -CASEMAPPING", false, true},
	} {
		t.Run(tc.isupport, func(t *testing.T) {
			s, h, _ := testSession(t)
			s.a.cfg.Nick, s.a.cfg.Channels = "sb[1]", []string{"#a~"}
			s.caps["account-tag"] = true
			feed(s, []byte(":irc.test 001 sb[1] :hi\r\n"))
			if tc.isupport != "" {
				feed(s, []byte(fmt.Sprintf(":irc.test 005 sb[1] CHANTYPES=# %s :are supported by this server\r\n", tc.isupport)))
			}
			feed(s, []byte(":sb[1]!u@h JOIN #A^\r\n:sb{1}!u@h PRIVMSG #a~ :!status\r\n"))
			h.wait()
			h.mu.Lock()
			got := len(h.messages)
			h.mu.Unlock()
			if (got == 1) != tc.otherPerson {
				t.Errorf("sb{1}'s command reached the inbox %d times; as another person's: %v", got, tc.otherPerson)
			}
			if in := s.inChannel("#a~"); in != tc.inChannel {
				t.Errorf("in #a~ after joining #A^: %v, want %v", in, tc.inChannel)
			}
			s.close()
		})
	}
}

// TestAddressedFollowsCaseMapping: a line addressing the bot by name is read by the server's
// casemapping: the name the server takes for the bot's nick is written as the nick for the
// parser, and a name the parser alone would take for it (case folded as Unicode does) is
// offered no nick.
func TestAddressedFollowsCaseMapping(t *testing.T) {
	for _, tc := range []struct {
		mapping, nick, text string
		wantText, wantNick  string
	}{
		{"rfc1459", "sb[1]", "SB{1}: status x", "sb[1]: status x", "sb[1]"},
		{"rfc1459", "sb[1]", "  Sb{1}, !queue", "sb[1], !queue", "sb[1]"},
		{"strict-rfc1459", "sb[1]", "SB{1}: status x", "sb[1]: status x", "sb[1]"},
		{"ascii", "sb[1]", "SB{1}: status x", "SB{1}: status x", "sb[1]"},
		{"ascii", "sb[1]", "SB[1]: status x", "sb[1]: status x", "sb[1]"},
		{"ascii", "k1", "\u212a1: status x", "\u212a1: status x", ""}, // KELVIN SIGN: k to Unicode, not to ascii
		{"rfc1459", "sb[1]", "sb[1]: status x", "sb[1]: status x", "sb[1]"},
		{"rfc1459", "sb[1]", "!status a,b", "!status a,b", "sb[1]"},
		{"rfc1459", "sb[1]", "someone: hi", "someone: hi", "sb[1]"},
	} {
		t.Run(tc.mapping+" "+tc.text, func(t *testing.T) {
			s, _, _ := testSession(t)
			cm, ok := parseCaseMapping(tc.mapping)
			if !ok {
				t.Fatalf("no casemapping %s", tc.mapping)
			}
			s.setCaseMapping(cm)
			if text, nick := s.addressed(tc.text, tc.nick); text != tc.wantText || nick != tc.wantNick {
				t.Errorf("addressed(%q, %q) = %q, %q; want %q, %q", tc.text, tc.nick, text, nick, tc.wantText, tc.wantNick)
			}
			s.close()
		})
	}
}
