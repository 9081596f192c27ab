package matrix_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"stagebot/internal/bottest"
	"stagebot/internal/dendritetest"
)

// TestDirectRoom: alice opens a direct chat with the bot: it joins, takes a command there
// without the prefix and answers as a reply to it; a `!stage` there is answered there, and
// its request message goes to the landing room.
func TestDirectRoom(t *testing.T) {
	w := newWorld(t)
	w.start(bottest.Options{})
	dm := w.alice.CreateRoom(dendritetest.RoomOptions{Direct: true, Invite: []string{w.botID}})
	w.alice.Expect(dendritetest.In(dm, w.joined(w.botID)))

	cmd := w.alice.Say(dm, "queue")
	if a := w.answerTo(w.alice, dm, cmd); a.MsgType() != "m.notice" || !strings.Contains(strings.ToLower(a.Body()), "queue") {
		t.Errorf("answer to `queue` in the direct room: %s", a)
	}

	url, file := w.click("direct", "1.0")
	stage := w.alice.Say(dm, "stage "+url)
	if a := w.answerTo(w.alice, dm, stage); !strings.Contains(a.Body(), file) {
		t.Errorf("answer to `stage` in the direct room does not name %s: %q", file, a.Body())
	}
	head := w.sil.Expect(w.fromBot(w.room, file+` requested`))
	if got := head.RelatesTo().InReplyTo; got != "" {
		t.Errorf("the request message in the landing room replies to %q, typed in another room", got)
	}
}

// TestInvitesToOtherRoomsDeclined: mallory invites the bot into a room of hers that is no
// configured room and no direct chat: the bot declines, and reads nothing there.
func TestInvitesToOtherRoomsDeclined(t *testing.T) {
	w := newWorld(t)
	w.start(bottest.Options{})
	other := w.mallory.CreateRoom(dendritetest.RoomOptions{Name: "elsewhere", Invite: []string{w.botID}})
	w.mallory.Expect(dendritetest.In(other, func(e dendritetest.Event) bool {
		return e.Type == "m.room.member" && e.StateKey != nil && *e.StateKey == w.botID && e.Content["membership"] == "leave"
	}))
}

// TestInviteOnlyRoomJoinedOnInvite: a configured room the bot may not join by itself
// (invite-only, named by ID) is joined as soon as it is invited, and works as any other.
func TestInviteOnlyRoomJoinedOnInvite(t *testing.T) {
	w := newWorld(t)
	private := w.sil.CreateRoom(dendritetest.RoomOptions{Name: "private landing"})
	w.sil.Invite(private, w.alice.UserID)
	w.alice.Join(private)
	b := bottest.StartWith(t, bottest.Options{NoConsole: true, Team: w.team(), Extra: w.config(w.alias, private)})
	w.sil.Expect(dendritetest.In(w.room, w.joined(w.botID)))
	b.Log.Await(1, "could not join a configured room")

	w.sil.Invite(private, w.botID)
	w.sil.Expect(dendritetest.In(private, w.joined(w.botID)))
	url, file := w.click("private", "1.0")
	r := w.stage(w.alice, private, url, file)
	if got := r.head.RelatesTo().InReplyTo; got != r.command {
		t.Errorf("request message in the private room replies to %q, want %s", got, r.command)
	}
}

// TestFirstStartAnswersFromItsJoin: at its first start (no /sync position yet) the bot acts
// on nothing said before it came, but on everything said from its join on, even while its
// first /sync is slow to come back.
func TestFirstStartAnswersFromItsJoin(t *testing.T) {
	w := newWorld(t)
	w.alice.Say(w.room, "!queue")
	front := w.s.Front(t)
	front.Inject(dendritetest.Fault{Match: dendritetest.Endpoint(http.MethodGet, "/sync"), Times: 1, Delay: 2 * time.Second})
	w.homeserver = front.URL
	b := w.start(bottest.Options{})
	ask := w.alice.Say(w.room, "!queue")
	w.answerTo(w.alice, w.room, ask)
	if n := b.Log.Count("command=queue"); n != 1 {
		t.Errorf("%d commands run, want 1: the one said before the bot came is its past", n)
	}
}
