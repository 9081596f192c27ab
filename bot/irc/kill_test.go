package irc_test

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"stagebot/internal/bottest"
	"stagebot/internal/ircdtest"
)

// TestKilledOnJoinBacksOff: an operator KILLs the bot each time it joins. A join proves
// nothing about the server's mood, so the bot must keep doubling its waits instead of
// starting over at each join: by the fifth attempt the gap before it is at least 2 s
// (the fourth step's lower bound), where a bot that resets on join returns in well under
// a second every time.
func TestKilledOnJoinBacksOff(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{HistoryChannels: []string{channel}})
	oper := ircdtest.Dial(t, srv.Addr, "oper")
	oper.Oper()
	oper.Join(channel)
	bottest.StartWith(t, bottest.Options{NoConsole: true, Team: hostmaskTeam,
		Extra: onIRC{addr: srv.Addr, more: "  reconnect_max: 30s\n", baseURL: "http://127.0.0.1:1/"}.yaml()})

	const attempts = 5
	var joins []time.Time
	for len(joins) < attempts {
		if _, ok := oper.Await(bottest.Wait, func(m *irc.Message) bool {
			return m.Command == "JOIN" && strings.EqualFold(m.Prefix.Name, "stagebot")
		}); !ok {
			t.Fatalf("join %d did not come within %s", len(joins)+1, bottest.Wait)
		}
		joins = append(joins, time.Now())
		oper.Send("KILL stagebot :go away")
	}
	for i := 1; i < len(joins); i++ {
		t.Logf("gap before join %d: %s", i+1, joins[i].Sub(joins[i-1]).Round(time.Millisecond))
	}
	if gap := joins[attempts-1].Sub(joins[attempts-2]); gap < 2*time.Second {
		t.Fatalf("the bot came back %s after its 4th kill; want the backoff (at least 2s) to keep growing", gap.Round(time.Millisecond))
	}
}
