package slack_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"stagebot/internal/bottest"
	"stagebot/internal/fakeslack"
)

// TestSlackSocketDropsAndRateLimits: the socket drops and chat.postMessage answers 429 for
// a while; the reaction sent meanwhile still counts, and every announcement arrives once,
// in order, in the thread.
func TestSlackSocketDropsAndRateLimits(t *testing.T) {
	b := startSlackBot(t, bottest.Options{Approvals: 1, NoConsole: true})
	file := b.upload("F1", "com.example.foo", "1.0")
	id, head := b.stage(alice, "F1", file)

	b.fs.Throttle("chat.postMessage", 2500*time.Millisecond)
	b.fs.DropSocket()
	b.fs.React(channel, head, sil, "+1") // waits in the fake for the next connection
	b.awaitReply(head, `^\[`+id+`\] \S+ approved`)
	b.awaitReply(head, `^\[`+id+`\] \S+ locked`)

	b.fs.Throttle("chat.postMessage", 1500*time.Millisecond)
	b.fs.DropSocket()
	b.fs.Say(channel, sil, "!tick")
	b.awaitReply(head, `^\[`+id+`\] \S+ stored`)
	b.awaitPost(`^click-sync tick`)

	var got []string
	var ticks, calls, posts, conns int
	b.fs.Read(func(v fakeslack.View) {
		got = words(v, head, id)
		for _, p := range v.Posts() {
			if strings.HasPrefix(p.Text, "click-sync tick") {
				ticks++
			}
		}
		calls, posts, conns = v.Calls("chat.postMessage"), len(v.Posts()), v.Connections()
	})
	if want := []string{"approved", "locked", "stored"}; !slices.Equal(got, want) {
		t.Errorf("thread words = %v, want %v\n%s", got, want, b.fs.Dump())
	}
	if ticks != 1 {
		t.Errorf("tick announced %d times, want once", ticks)
	}
	if calls <= posts {
		t.Errorf("chat.postMessage called %d times for %d posts: the 429s never happened", calls, posts)
	}
	if conns < 3 {
		t.Errorf("%d socket connections, want a reconnect after each drop", conns)
	}
}
