package commands

import (
	"context"
	"strings"
	"testing"

	"stagebot"
	"stagebot/chat"
)

// TestWhoamiAndTeam: whoami says how the bot knows the asker and what their roles let
// them do, from the one permission table; team lists the members by name (never a
// hostmask) and what a request needs.
func TestWhoamiAndTeam(t *testing.T) {
	r := NewRegistry(".", &readService{})
	run := func(who stagebot.Identity, line string) string {
		t.Helper()
		return chat.Plain(r.Exec(context.Background(), &Env{Actor: who}, line).Reply, ".")
	}
	for _, c := range []struct {
		name, line string
		who        stagebot.Identity
		want, not  []string
	}{
		{"landing member on the console", "whoami", stagebot.Identity{Network: stagebot.NetworkConsole, ID: "sil", Name: "sil"},
			[]string{"you are sil;", "on the landing team and a lander", "approve (not your own requests)", "reject", "promote"}, []string{"qa ("}},
		{"stranger on IRC", "whoami", stagebot.Identity{Network: stagebot.NetworkIRC, ID: "eve!~e@10.1.2.3", Name: "eve"},
			[]string{"you are eve (IRC),", "known by your host", "a lander, so you may stage", "cancel, hold or unhold your own requests"}, []string{"10.1.2.3", "approve"}},
		{"account on IRC", "whoami", stagebot.Identity{Network: stagebot.NetworkIRC, ID: "eve!~e@10.1.2.3", Name: "eve", Account: "eve"},
			[]string{"known by your services account eve;"}, []string{"10.1.2.3"}},
		{"team", "team", stagebot.Identity{Network: stagebot.NetworkConsole, ID: "x", Name: "x"},
			[]string{"landing team: robru and sil;", "QA: qa-lead;", "landers: anyone", "2 landing-team approvals and a QA sign-off, never from its requester"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := run(c.who, c.line)
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("%s said %q, want %q in it", c.line, got, w)
				}
			}
			for _, n := range c.not {
				if strings.Contains(got, n) {
					t.Errorf("%s said %q, which should not hold %q", c.line, got, n)
				}
			}
		})
	}
}
