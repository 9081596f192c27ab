package matrix_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"stagebot/internal/bottest"
	"stagebot/internal/dendritetest"
)

// TestRateLimitedSendWaitsAsTold: the homeserver answers the bot's send with
// M_LIMIT_EXCEEDED, the wait in retry_after_ms (spec v1.2) or in a Retry-After header
// (newer servers): the bot sends again once that wait is over, not before, and the answer
// arrives once.
func TestRateLimitedSendWaitsAsTold(t *testing.T) {
	const wait = 1500 * time.Millisecond
	for _, c := range []struct {
		name  string
		reply *dendritetest.Reply
	}{
		{"retry_after_ms", dendritetest.LimitExceeded(wait)},
		{"Retry-After header", dendritetest.LimitExceededHeader(wait)},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			front := w.s.Front(t)
			w.homeserver = front.URL
			w.start(bottest.Options{})
			front.Inject(dendritetest.Fault{Match: dendritetest.SendsTo(w.room), Times: 1, Reply: c.reply})
			ask := w.alice.Say(w.room, "!queue")
			w.answerTo(w.alice, w.room, ask)

			// The second send's answer reached alice: its status may not be noted yet.
			sends := front.Requests(func(r dendritetest.Request) bool {
				return r.Method == http.MethodPut && strings.Contains(r.Path, "/rooms/"+w.room+"/send/")
			})
			if len(sends) != 2 || sends[0].Status != http.StatusTooManyRequests || sends[1].Faked {
				t.Fatalf("sends to the room: %+v; want one refused (429), then one passed on", sends)
			}
			if gap := sends[1].At.Sub(sends[0].At); gap < wait-50*time.Millisecond {
				t.Errorf("sent again %s after M_LIMIT_EXCEEDED, want %s at least", gap, wait)
			}
		})
	}
}

// TestSlowRoomDelaysNoOther: while the homeserver keeps the bot waiting out rate limits in
// the landing room, a second configured room gets its answers and announcements at once;
// the landing room's come once the limit is lifted.
func TestSlowRoomDelaysNoOther(t *testing.T) {
	w := newWorld(t)
	other := w.sil.CreateRoom(dendritetest.RoomOptions{Name: "other", Public: true})
	w.alice.Join(other)
	w.ken.Join(other)
	front := w.s.Front(t)
	w.homeserver = front.URL
	w.start(bottest.Options{Extra: w.config(w.alias, other)})
	w.sil.Expect(dendritetest.In(other, w.joined(w.botID)))

	lift := front.Inject(dendritetest.Fault{Match: dendritetest.SendsTo(w.room), Reply: dendritetest.LimitExceeded(500 * time.Millisecond)})
	slow := w.alice.Say(w.room, "!queue")
	fast := w.alice.Say(other, "!queue")
	// Each person watches one room: events of two rooms come in no set order.
	w.alice.Expect(dendritetest.In(other, func(e dendritetest.Event) bool { return e.RelatesTo().InReplyTo == fast }))
	// Two requests, one after the other: the landing room is busy with the first's
	// request message when the second's comes.
	var files []string
	for _, name := range []string{"slow", "slower"} {
		url, file := w.click(name, "1.0")
		w.alice.Say(other, "!stage "+url)
		w.ken.Expect(w.fromBot(other, file+` requested`))
		files = append(files, file)
	}
	if n := len(front.Requests(func(r dendritetest.Request) bool { return r.Status == http.StatusTooManyRequests })); n == 0 {
		t.Fatal("the landing room was never rate-limited")
	}
	lift()
	w.sil.Expect(dendritetest.In(w.room, func(e dendritetest.Event) bool { return e.RelatesTo().InReplyTo == slow }))
	for _, file := range files {
		w.sil.Expect(w.fromBot(w.room, file+` requested`))
	}
}

// TestReactionNotHeldByALimitedSend: a reaction on the bot's request message is decided
// at once while the bot waits out a rate limit for another message in the same room.
func TestReactionNotHeldByALimitedSend(t *testing.T) {
	const wait = 20 * time.Second
	w := newWorld(t)
	front := w.s.Front(t)
	w.homeserver = front.URL
	b := w.start(bottest.Options{})
	url, file := w.click("unheld", "1.0")
	r := w.stage(w.alice, w.room, url, file)

	front.Inject(dendritetest.Fault{Match: dendritetest.SendsTo(w.room), Times: 1, Reply: dendritetest.LimitExceeded(wait)})
	w.alice.Say(w.room, "!queue")
	b.Log.Await(1, "rate-limited; waiting as the homeserver asks")
	start := time.Now()
	w.sil.React(w.room, r.head.EventID, "👍")
	b.Log.Await(1, "state change", "to=approved")
	if d := time.Since(start); d >= wait/2 {
		t.Errorf("the approval took %s: it waited for the rate-limited send", d)
	}
}
