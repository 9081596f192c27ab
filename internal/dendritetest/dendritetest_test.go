package dendritetest

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRoomTraffic checks the harness end to end on a real Dendrite: two people meet in a
// room one made with an alias, and a message, a reaction to it and the reaction's
// redaction reach the other through /sync, and Timeline lists them from a mark.
func TestRoomTraffic(t *testing.T) {
	s := Start(t)
	alice := s.User(t, "alice")
	bob := s.User(t, "bob")
	if got := alice.WhoAmI(); got != s.UserID("alice") {
		t.Fatalf("whoami = %q, want %q", got, s.UserID("alice"))
	}
	room := alice.CreateRoom(RoomOptions{Name: "landing", Alias: "landing", Public: true})
	if got := bob.Join(s.Alias("landing")); got != room {
		t.Fatalf("joining by alias gave room %q, want %q", got, room)
	}
	alice.Expect(In(room, func(e Event) bool {
		return e.Type == "m.room.member" && e.Sender == bob.UserID && e.Content["membership"] == "join"
	}))
	mark := bob.Mark()
	msg := alice.Say(room, "!stage https://example.org/foo.click")
	got := bob.Expect(In(room, TextFrom(alice.UserID, "!stage")))
	if got.EventID != msg || got.MsgType() != "m.text" || got.Body() != "!stage https://example.org/foo.click" {
		t.Fatalf("bob saw %s, want message %s", got, msg)
	}
	reaction := bob.React(room, msg, "👍")
	r := alice.Expect(In(room, OfType("m.reaction", bob.UserID)))
	if rel := r.RelatesTo(); r.EventID != reaction || rel.Type != "m.annotation" || rel.EventID != msg || rel.Key != "👍" {
		t.Fatalf("alice saw reaction %s, relation %+v", r, rel)
	}
	redaction := bob.Redact(room, reaction, "changed my mind")
	red := alice.Expect(In(room, OfType("m.room.redaction", bob.UserID)))
	if red.EventID != redaction || red.Redacts != reaction {
		t.Fatalf("alice saw redaction %s (redacts %q), want %s of %s", red, red.Redacts, redaction, reaction)
	}
	var ids []string
	for _, e := range bob.Timeline(room, mark) {
		ids = append(ids, e.EventID)
	}
	if want := []string{msg, reaction, redaction}; !slices.Equal(ids, want) {
		t.Fatalf("timeline since the mark = %v, want %v", ids, want)
	}
}

// TestBotContentPassesThrough: what a bot sends beyond spec v1.2's events reaches the
// room intact: a notice with pills and m.mentions, a reply, an edit (m.replace).
func TestBotContentPassesThrough(t *testing.T) {
	s := Start(t)
	bot := s.User(t, "bot")
	alice := s.User(t, "alice")
	room := bot.CreateRoom(RoomOptions{Public: true})
	alice.Join(room)
	bot.Expect(In(room, OfType("m.room.member", alice.UserID)))
	ask := alice.Say(room, "!status")
	pill := `<a href="https://matrix.to/#/` + alice.UserID + `">alice</a>`
	notice := bot.Send(room, "m.room.message", map[string]any{
		"msgtype": "m.notice", "body": "alice: requested", "format": "org.matrix.custom.html",
		"formatted_body": pill + ": requested",
		"m.mentions":     map[string]any{"user_ids": []string{alice.UserID}},
		"m.relates_to":   map[string]any{"m.in_reply_to": map[string]any{"event_id": ask}},
	})
	edit := bot.Send(room, "m.room.message", map[string]any{
		"msgtype": "m.notice", "body": "* approved",
		"m.new_content": map[string]any{"msgtype": "m.notice", "body": "approved"},
		"m.relates_to":  map[string]any{"rel_type": "m.replace", "event_id": notice},
	})
	n := alice.Expect(In(room, TextFrom(bot.UserID, "requested")))
	mentions, _ := n.Content["m.mentions"].(map[string]any)
	ids, _ := mentions["user_ids"].([]any)
	if n.EventID != notice || n.MsgType() != "m.notice" || n.Content["formatted_body"] != pill+": requested" ||
		len(ids) != 1 || ids[0] != alice.UserID || n.RelatesTo().InReplyTo != ask {
		t.Fatalf("notice arrived as %s", n)
	}
	e := alice.Expect(In(room, TextFrom(bot.UserID, "approved")))
	if rel := e.RelatesTo(); e.EventID != edit || rel.Type != "m.replace" || rel.EventID != notice {
		t.Fatalf("edit arrived as %s", e)
	}
}

// TestSpecVersions pins what the adapter may rely on: Dendrite advertises client-server
// spec versions up to v1.2 and no newer one, so a client using nothing newer works on
// Synapse and Conduit too.
func TestSpecVersions(t *testing.T) {
	s := Start(t)
	var resp struct {
		Versions []string `json:"versions"`
	}
	if err := call(context.Background(), http.DefaultClient, s.URL, "", http.MethodGet, "/_matrix/client/versions", nil, &resp); err != nil {
		t.Fatal(err)
	}
	newest := ""
	for _, v := range resp.Versions {
		if strings.HasPrefix(v, "v1.") && (newest == "" || minor(v) > minor(newest)) {
			newest = v
		}
	}
	if newest != "v1.2" {
		t.Fatalf("advertised versions %v: newest %q, want v1.2", resp.Versions, newest)
	}
}

func minor(v string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(v, "v1."))
	return n
}

// TestInviteOnlyAndDirect: an invite-only room is joined on invite, which the invitee
// sees; a direct room's invite says so.
func TestInviteOnlyAndDirect(t *testing.T) {
	s := Start(t)
	alice := s.User(t, "alice")
	bob := s.User(t, "bob")
	room := alice.CreateRoom(RoomOptions{Name: "private"})
	var e *Error
	if err := bob.Do(http.MethodPost, v3+"/join/"+url.PathEscape(room), map[string]any{}, nil); !errors.As(err, &e) || e.Code != "M_FORBIDDEN" {
		t.Fatalf("joining an invite-only room uninvited: %v, want M_FORBIDDEN", err)
	}
	alice.Invite(room, bob.UserID)
	inv := bob.Expect(func(e Event) bool {
		return e.Invite && e.RoomID == room && e.Type == "m.room.member" && e.StateKey != nil && *e.StateKey == bob.UserID
	})
	if inv.Sender != alice.UserID || inv.Content["membership"] != "invite" {
		t.Fatalf("invite seen as %s", inv)
	}
	bob.Join(room)
	bob.Say(room, "hi")
	alice.Expect(In(room, TextFrom(bob.UserID, "hi")))

	dm := alice.CreateRoom(RoomOptions{Direct: true, Invite: []string{bob.UserID}})
	d := bob.Expect(func(e Event) bool {
		return e.Invite && e.RoomID == dm && e.Type == "m.room.member" && *e.StateKey == bob.UserID
	})
	if d.Content["is_direct"] != true {
		t.Fatalf("direct invite without is_direct: %s", d)
	}
}

// TestEncryptedRoom: a room made encrypted shows m.room.encryption in its state, and one
// encrypted later shows the state event in the timeline.
func TestEncryptedRoom(t *testing.T) {
	s := Start(t)
	alice := s.User(t, "alice")
	enc := alice.CreateRoom(RoomOptions{Encrypted: true})
	content, ok := alice.State(enc, "m.room.encryption", "")
	if !ok || content["algorithm"] != "m.megolm.v1.aes-sha2" {
		t.Fatalf("encrypted room's m.room.encryption = %v, %v", content, ok)
	}
	plain := alice.CreateRoom(RoomOptions{})
	if content, ok := alice.State(plain, "m.room.encryption", ""); ok {
		t.Fatalf("plain room has m.room.encryption %v", content)
	}
	id := alice.SetState(plain, "m.room.encryption", "", map[string]any{"algorithm": "m.megolm.v1.aes-sha2"})
	e := alice.Expect(In(plain, OfType("m.room.encryption", alice.UserID)))
	if e.EventID != id || e.StateKey == nil || *e.StateKey != "" {
		t.Fatalf("encryption state event seen as %s", e)
	}
}

// TestRateLimit: with a tight limit, Dendrite refuses the request past the threshold with
// 429 M_LIMIT_EXCEEDED and retry_after_ms, and takes it again after the cool-off; an
// exempt user is never limited.
func TestRateLimit(t *testing.T) {
	const cooloff = 1500 * time.Millisecond
	s := Start(t, Options{RateLimit: &RateLimit{Threshold: 2, Cooloff: cooloff, Exempt: []string{"free"}}})
	bot := s.User(t, "bot")
	free := s.User(t, "free")
	whoami := func(c *Client) error { return c.Do(http.MethodGet, v3+"/account/whoami", nil, nil) }
	// Dendrite frees each slot a cool-off after its request: requests in a quick row are
	// refused once the threshold's worth are out, however slow the machine.
	var refused *Error
	passed := 0
	for range 10 {
		err := whoami(bot)
		if err == nil {
			passed++
			continue
		}
		if !errors.As(err, &refused) {
			t.Fatalf("request %d: %v", passed+1, err)
		}
		break
	}
	if refused == nil || passed < 2 {
		t.Fatalf("%d requests passed, then refused: %v; want at least the threshold (2), then a refusal", passed, refused)
	}
	if refused.Status != http.StatusTooManyRequests || refused.Code != "M_LIMIT_EXCEEDED" || refused.RetryAfterMS != cooloff.Milliseconds() {
		t.Fatalf("refusal %v, want 429 M_LIMIT_EXCEEDED retry after %d ms", refused, cooloff.Milliseconds())
	}
	for i := range 5 {
		if err := whoami(free); err != nil {
			t.Fatalf("exempt user's request %d: %v", i+1, err)
		}
	}
	time.Sleep(time.Duration(refused.RetryAfterMS) * time.Millisecond)
	if err := whoami(bot); err != nil {
		t.Fatalf("after waiting retry_after_ms: %v", err)
	}
}

// TestRefusedTokens: a token logged out, and every token of a deactivated account, is
// refused with 401 M_UNKNOWN_TOKEN.
func TestRefusedTokens(t *testing.T) {
	s := Start(t)
	_, token := s.RegisterUser(t, "bot", "bot-password", false)
	bot := s.Client(t, s.UserID("bot"), token)
	s.Logout(t, token)
	var e *Error
	if err := bot.Do(http.MethodGet, v3+"/account/whoami", nil, nil); !errors.As(err, &e) || e.Status != http.StatusUnauthorized || e.Code != "M_UNKNOWN_TOKEN" {
		t.Fatalf("whoami with a logged-out token: %v, want 401 M_UNKNOWN_TOKEN", err)
	}
	carol := s.User(t, "carol")
	s.Deactivate(t, "carol", carol.Password)
	if err := carol.Do(http.MethodGet, v3+"/account/whoami", nil, nil); !errors.As(err, &e) || e.Status != http.StatusUnauthorized || e.Code != "M_UNKNOWN_TOKEN" {
		t.Fatalf("whoami of a deactivated account: %v, want 401 M_UNKNOWN_TOKEN", err)
	}
}
