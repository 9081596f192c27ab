package matrix_test

import (
	"strings"
	"testing"

	"stagebot/internal/bottest"
	"stagebot/internal/dendritetest"
)

// TestEncryptedRoomRefused: a configured room that is encrypted when the bot joins, and one
// that becomes encrypted later, are each told once that the bot takes no part, and the log
// says so naming the room; then nothing said there is answered, no announcement goes there,
// and a restart tells neither again.
func TestEncryptedRoomRefused(t *testing.T) {
	w := newWorld(t)
	mark := w.sil.Mark()
	secret := w.sil.CreateRoom(dendritetest.RoomOptions{Name: "secret", Public: true, Encrypted: true})
	later := w.sil.CreateRoom(dendritetest.RoomOptions{Name: "later", Public: true})
	w.alice.Join(secret)
	w.alice.Join(later)
	o := bottest.Options{NoConsole: true, Team: w.team(), Extra: w.config(w.alias, secret, later)}
	b := bottest.StartWith(t, o)
	// Each person watches one room: events of two rooms come in no set order.
	w.alice.Expect(dendritetest.In(later, w.joined(w.botID)))
	w.sil.Expect(w.fromBot(secret, `This room is encrypted`))
	b.Log.Await(1, "WARN", "room is encrypted", secret)

	w.sil.SetState(later, "m.room.encryption", "", map[string]any{"algorithm": "m.megolm.v1.aes-sha2"})
	w.sil.Expect(w.fromBot(later, `This room is encrypted`))
	b.Log.Await(1, "WARN", "room is encrypted", later)

	w.alice.Say(secret, "!queue")
	w.alice.Say(later, "!queue")
	url, file := w.click("secret", "1.0")
	r := w.stage(w.alice, w.room, url, file)
	w.sil.React(w.room, r.head.EventID, "👍")
	w.announcement(r, "locked")

	b.Stop()
	b = bottest.StartWith(t, bottest.Options{NoConsole: true, Dir: b.Dir, Team: o.Team, Extra: o.Extra})
	w.alice.Say(secret, "!status")
	ask := w.alice.Say(w.room, "!status "+r.id)
	w.answerTo(w.alice, w.room, ask)

	for _, room := range []string{secret, later} {
		var said []string
		for _, e := range w.sil.Timeline(room, mark) {
			if e.Sender == w.botID && e.Type == "m.room.message" {
				said = append(said, e.Body())
			}
		}
		if len(said) != 1 || !strings.HasPrefix(said[0], "This room is encrypted") {
			t.Errorf("the bot said in %s: %q; want the one notice that it is encrypted", room, said)
		}
	}
	if n := b.Log.Count("room is encrypted"); n != 0 {
		t.Errorf("after the restart the log said %d times again that a room is encrypted", n)
	}
}
