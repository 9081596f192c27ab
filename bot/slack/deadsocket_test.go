package slack_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"stagebot/internal/bottest"
	"stagebot/internal/fakeslack"
)

// TestSlackDeadSocket: the socket goes silent (no pings, no frames, left open). With
// slack.ping_interval set, the bot notices within about that long and reconnects; what
// was said on Slack meanwhile is handled after the reconnect, and the announcements made
// meanwhile (an approval, the lock and a tick, from the console) arrive once each, in order.
func TestSlackDeadSocket(t *testing.T) {
	const ping = 500 * time.Millisecond
	fs := newSlack(t)
	fs.PingInterval = 100 * time.Millisecond
	b := startSlackBotOn(t, fs, bottest.Options{Approvals: 1, Extra: onSlack{fs: fs, more: "  ping_interval: 500ms\n"}.yaml()})
	file := b.upload("F1", "com.example.dead", "1.0")
	id, head := b.stage(alice, "F1", file)

	stalled := time.Now()
	b.fs.StallSocket()
	b.fs.Say(channel, ken, "!status "+id) // waits in the fake for the next connection
	b.Say("sil2100> !approve " + id)
	b.WaitFor(`^\[` + id + `\] \S+ locked`)
	b.Say("sil2100> !tick")
	b.fs.Await(bottest.Wait, "a new connection", func(v fakeslack.View) bool { return v.Connections() >= 2 && v.Connected() })
	if took := time.Since(stalled); took > 2*ping+2*time.Second {
		t.Errorf("the dead socket was replaced after %s, with ping_interval %s", took, ping)
	}

	b.awaitReply(head, `^\[`+id+`\] \S+ stored`)
	b.awaitPost(`^click-sync tick`)
	b.fs.Await(bottest.Wait, "the status asked during the stall", func(v fakeslack.View) bool {
		for _, e := range v.Ephemerals() {
			if e.User == ken && strings.HasPrefix(e.Text, id+" ") {
				return true
			}
		}
		return false
	})
	var got []string
	ticks := 0
	b.fs.Read(func(v fakeslack.View) {
		got = words(v, head, id)
		for _, p := range v.Posts() {
			if strings.HasPrefix(p.Text, "click-sync tick") {
				ticks++
			}
		}
	})
	if want := []string{"approved", "locked", "stored"}; !slices.Equal(got, want) {
		t.Errorf("thread words = %v, want %v\n%s", got, want, b.fs.Dump())
	}
	if ticks != 1 {
		t.Errorf("tick announced %d times, want once\n%s", ticks, b.fs.Dump())
	}
}
