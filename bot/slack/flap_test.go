package slack_test

import (
	"testing"
	"time"

	"stagebot/internal/bottest"
	"stagebot/internal/fakeslack"
)

// TestFlappingSocketBacksOff: when every Socket Mode connection is cut right after its
// hello, the bot does not redial at once each time (slack-go alone would: its backoff starts
// afresh with each connection that opened), and once the connections hold again it is back.
func TestFlappingSocketBacksOff(t *testing.T) {
	b := startSlackBot(t, bottest.Options{Approvals: 1, NoConsole: true})
	var before int
	b.fs.Read(func(v fakeslack.View) { before = v.Connections() })
	b.fs.CutAfterHello(50 * time.Millisecond)
	start := time.Now()
	b.fs.DropSocket()
	// Four reconnects wait at least 0 + 0.5 + 1 + 2 s under the backoff; without it they
	// take a fraction of a second.
	b.fs.Await(bottest.Wait, "four reconnects", func(v fakeslack.View) bool { return v.Connections() >= before+4 })
	if took := time.Since(start); took < 3*time.Second {
		t.Errorf("four reconnects of short-lived connections took %s: no backoff between them", took.Round(time.Millisecond))
	}
	b.fs.CutAfterHello(0)
	b.fs.Await(bottest.Wait, "a connection that holds", func(v fakeslack.View) bool { return v.Connected() })
}
