package irc_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"stagebot/internal/bottest"
	"stagebot/internal/ircdtest"
)

// flood has flooder send 40 `!status` lines, then other one, at the bot's real pace
// (2 lines a second after a burst of 5), and returns how many answers to the flood the
// channel saw before other's answer, and how long other waited.
func flood(t *testing.T, limit string) (before int, waited time.Duration, flooder *ircdtest.Client) {
	t.Helper()
	srv := ircdtest.Start(t, ircdtest.Options{})
	flooder = ircdtest.Dial(t, srv.Addr, "flooder")
	other := ircdtest.Dial(t, srv.Addr, "other")
	flooder.Join(channel)
	other.Join(channel)
	bottest.StartWith(t, bottest.Options{NoConsole: true, Team: hostmaskTeam,
		Extra: onIRC{addr: srv.Addr, sendRate: 2, sendBurst: 5, commands: limit, baseURL: "http://127.0.0.1:1/"}.yaml()})
	awaitBotIn(t, other, bottest.Wait)

	for i := range 40 {
		flooder.Say(channel, fmt.Sprintf("!status aaaa%04d", i))
	}
	// The flood reached the server before other speaks: flooder sees the first answer.
	flooder.Expect(ircdtest.TextFrom("stagebot", "aaaa0000"))
	asked := time.Now()
	other.Say(channel, "!status bbbb0001")
	for {
		m := other.Expect(func(m *irc.Message) bool { return ircdtest.TextFrom("stagebot")(m) && m.Param(0) == channel })
		if strings.Contains(m.Trailing(), "bbbb0001") {
			return before, time.Since(asked), flooder
		}
		if strings.Contains(m.Trailing(), "aaaa") {
			before++
		}
	}
}

// TestFloodIsServedInTurn: with no command limit, one person's 40 commands queue 40
// replies; another person's answer is served in turn with them (round robin between
// people) instead of after all of them (~18 s at 2 lines a second).
func TestFloodIsServedInTurn(t *testing.T) {
	t.Parallel()
	before, waited, _ := flood(t, "0")
	t.Logf("%d flood answers before the other person's, who waited %s", before, waited.Round(time.Millisecond))
	if before > 8 || waited > 5*time.Second {
		t.Fatalf("the other person's answer came after %d flood answers and %s; want it served in turn", before, waited.Round(time.Millisecond))
	}
}

// TestFloodIsLimited: at limits.commands 5/10s the flooder gets five answers and one
// "slow down", and the rest of the burst is dropped unanswered; the other person's answer
// comes at once.
func TestFloodIsLimited(t *testing.T) {
	t.Parallel()
	before, waited, flooder := flood(t, "5/10s")
	t.Logf("%d flood answers before the other person's, who waited %s", before, waited.Round(time.Millisecond))
	if waited > 2*time.Second {
		t.Fatalf("the other person waited %s", waited.Round(time.Millisecond))
	}
	answers, warnings := 1, 0 // aaaa0000 was consumed by flood
	for {
		m, ok := flooder.Await(1500*time.Millisecond, ircdtest.TextFrom("stagebot"))
		if !ok {
			break
		}
		switch {
		case strings.Contains(m.Trailing(), "slow down"):
			warnings++
		case strings.Contains(m.Trailing(), "aaaa"):
			answers++
		}
	}
	if answers != 5 || warnings != 1 {
		t.Fatalf("the flooder got %d answers and %d warnings; want 5 and 1", answers, warnings)
	}
}
