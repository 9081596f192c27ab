package dendritetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// Client plays one person against the homeserver: the calls a chat bot's tests need (rooms,
// invites, messages, reactions, redactions) and the events the person sees, read from
// /sync in the background from the moment the client was made. Calls that fail fail the
// test; Do makes any other call and returns the refusal instead.
type Client struct {
	UserID   string
	Token    string
	Password string // set by Server.User

	s         *Server
	t         testing.TB
	txnPrefix string
	txn       atomic.Int64

	stop     context.CancelFunc
	loopDone chan struct{}

	mu     sync.Mutex
	since  string          // the sync loop's position
	joined map[string]bool // rooms seen joined; only the sync loop uses it
	events []Event         // every event synced, in order
	next   int             // the first event Expect has not consumed
	more   chan struct{}
}

// Client acts as userID with token; its sync loop stops when the test ends.
func (s *Server) Client(t testing.TB, userID, token string) *Client {
	t.Helper()
	prefix := make([]byte, 6)
	_, _ = rand.Read(prefix)
	c := &Client{UserID: userID, Token: token, s: s, t: t, txnPrefix: hex.EncodeToString(prefix),
		more: make(chan struct{}), loopDone: make(chan struct{})}
	// The position now: the person sees what happens from here on, as someone who just
	// opened their client would.
	var first syncResponse
	if err := c.Do(http.MethodGet, "/_matrix/client/v3/sync?timeout=0&filter="+url.QueryEscape(syncFilter), nil, &first); err != nil {
		t.Fatalf("dendritetest: %s: first sync: %v", userID, err)
	}
	c.since = first.NextBatch
	c.joined = map[string]bool{}
	for roomID := range first.Rooms.Join {
		c.joined[roomID] = true
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.stop = cancel
	go c.syncLoop(ctx)
	t.Cleanup(c.Close)
	return c
}

// Close stops the client's sync loop.
func (c *Client) Close() {
	c.stop()
	<-c.loopDone
}

// Do makes one client-server API call as this person: path from /_matrix on, in sent as
// JSON (nil: no body), a 2xx answer decoded into out (nil: ignored). A refusal is an
// *Error.
func (c *Client) Do(method, path string, in, out any) error {
	return call(context.Background(), c.s.http, c.s.URL, c.Token, method, path, in, out)
}

func (c *Client) must(err error, what string) {
	c.t.Helper()
	if err != nil {
		c.t.Fatalf("dendritetest: %s: %s: %v", c.UserID, what, err)
	}
}

const v3 = "/_matrix/client/v3"

func roomPath(roomID string) string { return v3 + "/rooms/" + url.PathEscape(roomID) }

func (c *Client) txnID() string {
	return c.txnPrefix + "-" + strconv.FormatInt(c.txn.Add(1), 10)
}

// WhoAmI asks the server whose token this is (GET /account/whoami).
func (c *Client) WhoAmI() string {
	c.t.Helper()
	var resp struct {
		UserID string `json:"user_id"`
	}
	c.must(c.Do(http.MethodGet, v3+"/account/whoami", nil, &resp), "whoami")
	return resp.UserID
}

// RoomOptions shape a new room.
type RoomOptions struct {
	Name string
	// Alias is the local part of an alias for the room: "landing" makes
	// #landing:ServerName.
	Alias string
	// Public lets anyone join (preset public_chat); otherwise joining takes an invite
	// (private_chat).
	Public bool
	Invite []string // user IDs invited at creation
	// Direct marks the invites as a direct chat (is_direct, preset trusted_private_chat).
	Direct bool
	// Encrypted puts m.room.encryption (megolm) in the room's initial state.
	Encrypted bool
}

// CreateRoom creates a room and returns its ID.
func (c *Client) CreateRoom(o RoomOptions) string {
	c.t.Helper()
	req := map[string]any{"preset": "private_chat"}
	if o.Public {
		req["preset"] = "public_chat"
	}
	if o.Direct {
		req["preset"] = "trusted_private_chat"
		req["is_direct"] = true
	}
	if o.Name != "" {
		req["name"] = o.Name
	}
	if o.Alias != "" {
		req["room_alias_name"] = o.Alias
	}
	if len(o.Invite) > 0 {
		req["invite"] = o.Invite
	}
	if o.Encrypted {
		req["initial_state"] = []map[string]any{{
			"type":      "m.room.encryption",
			"state_key": "",
			"content":   map[string]any{"algorithm": "m.megolm.v1.aes-sha2"},
		}}
	}
	var resp struct {
		RoomID string `json:"room_id"`
	}
	c.must(c.Do(http.MethodPost, v3+"/createRoom", req, &resp), "createRoom")
	return resp.RoomID
}

// Invite invites userID into the room.
func (c *Client) Invite(roomID, userID string) {
	c.t.Helper()
	c.must(c.Do(http.MethodPost, roomPath(roomID)+"/invite", map[string]any{"user_id": userID}, nil), "invite "+userID+" to "+roomID)
}

// Join joins a room by ID or alias and returns its ID.
func (c *Client) Join(roomIDOrAlias string) string {
	c.t.Helper()
	var resp struct {
		RoomID string `json:"room_id"`
	}
	c.must(c.Do(http.MethodPost, v3+"/join/"+url.PathEscape(roomIDOrAlias), map[string]any{}, &resp), "join "+roomIDOrAlias)
	return resp.RoomID
}

// Leave leaves the room.
func (c *Client) Leave(roomID string) {
	c.t.Helper()
	c.must(c.Do(http.MethodPost, roomPath(roomID)+"/leave", map[string]any{}, nil), "leave "+roomID)
}

// Send sends a room event and returns its ID.
func (c *Client) Send(roomID, eventType string, content any) string {
	c.t.Helper()
	var resp struct {
		EventID string `json:"event_id"`
	}
	path := roomPath(roomID) + "/send/" + url.PathEscape(eventType) + "/" + c.txnID()
	c.must(c.Do(http.MethodPut, path, content, &resp), "send "+eventType+" to "+roomID)
	return resp.EventID
}

// Say sends a plain text message (m.text) and returns its event ID.
func (c *Client) Say(roomID, text string) string {
	c.t.Helper()
	return c.Send(roomID, "m.room.message", map[string]any{"msgtype": "m.text", "body": text})
}

// React annotates an event with key (an m.reaction annotation) and returns the
// reaction's event ID.
func (c *Client) React(roomID, eventID, key string) string {
	c.t.Helper()
	return c.Send(roomID, "m.reaction", map[string]any{
		"m.relates_to": map[string]any{"rel_type": "m.annotation", "event_id": eventID, "key": key},
	})
}

// Redact redacts an event (a reaction redacted is a reaction withdrawn) and returns the
// redaction's event ID.
func (c *Client) Redact(roomID, eventID, reason string) string {
	c.t.Helper()
	var resp struct {
		EventID string `json:"event_id"`
	}
	body := map[string]any{}
	if reason != "" {
		body["reason"] = reason
	}
	path := roomPath(roomID) + "/redact/" + url.PathEscape(eventID) + "/" + c.txnID()
	c.must(c.Do(http.MethodPut, path, body, &resp), "redact "+eventID)
	return resp.EventID
}

// SetState sends a state event (such as m.room.encryption into a room that had none)
// and returns its ID.
func (c *Client) SetState(roomID, eventType, stateKey string, content any) string {
	c.t.Helper()
	var resp struct {
		EventID string `json:"event_id"`
	}
	c.must(c.Do(http.MethodPut, statePath(roomID, eventType, stateKey), content, &resp), "set state "+eventType)
	return resp.EventID
}

// State returns the content of a room's state event, and false if the room has none.
func (c *Client) State(roomID, eventType, stateKey string) (map[string]any, bool) {
	c.t.Helper()
	var content map[string]any
	err := c.Do(http.MethodGet, statePath(roomID, eventType, stateKey), nil, &content)
	if e, ok := err.(*Error); ok && e.Code == "M_NOT_FOUND" {
		return nil, false
	}
	c.must(err, "get state "+eventType)
	return content, true
}

func statePath(roomID, eventType, stateKey string) string {
	p := roomPath(roomID) + "/state/" + url.PathEscape(eventType)
	if stateKey != "" {
		p += "/" + url.PathEscape(stateKey)
	}
	return p
}
