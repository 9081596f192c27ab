package dendritetest

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sendVia sends a text message as the token's owner through base (a Front's URL).
func sendVia(base, token, roomID, text string, txn int) (string, error) {
	var resp struct {
		EventID string `json:"event_id"`
	}
	path := roomPath(roomID) + "/send/m.room.message/via-" + strconv.Itoa(txn)
	err := call(context.Background(), http.DefaultClient, base, token, http.MethodPut, path,
		map[string]any{"msgtype": "m.text", "body": text}, &resp)
	return resp.EventID, err
}

// TestFrontFaults: the Front refuses a send to one room with M_LIMIT_EXCEEDED (once, then
// passes it on to Dendrite), holds a send to another room while a third goes through,
// and makes up refusals Dendrite never gives; it records what it saw.
func TestFrontFaults(t *testing.T) {
	s := Start(t)
	alice := s.User(t, "alice")
	roomA := alice.CreateRoom(RoomOptions{Name: "a"})
	roomB := alice.CreateRoom(RoomOptions{Name: "b"})
	f := s.Front(t)

	f.Inject(Fault{Match: SendsTo(roomA), Times: 1, Reply: LimitExceeded(700 * time.Millisecond)})
	_, err := sendVia(f.URL, alice.Token, roomA, "first", 1)
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusTooManyRequests || e.Code != "M_LIMIT_EXCEEDED" || e.RetryAfterMS != 700 || e.RetryAfter != "" {
		t.Fatalf("limited send: %v (Retry-After %q), want 429 M_LIMIT_EXCEEDED retry_after_ms 700", err, e.RetryAfter)
	}
	id, err := sendVia(f.URL, alice.Token, roomA, "second", 2)
	if err != nil {
		t.Fatalf("send after the fault lapsed: %v", err)
	}
	if got := alice.Expect(In(roomA, TextFrom(alice.UserID))); got.EventID != id || got.Body() != "second" {
		t.Fatalf("room A got %s, want the second send %s only", got, id)
	}

	hold, took := make(chan struct{}), make(chan struct{}, 1)
	f.Inject(Fault{Match: SendsTo(roomB), Hold: hold, Took: func(*http.Request) { took <- struct{}{} }})
	held := make(chan error, 1)
	go func() { _, err := sendVia(f.URL, alice.Token, roomB, "held", 3); held <- err }()
	<-took
	if _, err := sendVia(f.URL, alice.Token, roomA, "meanwhile", 4); err != nil {
		t.Fatalf("send to room A while room B is held: %v", err)
	}
	select {
	case err := <-held:
		t.Fatalf("held send returned before its release: %v", err)
	default:
	}
	close(hold)
	if err := <-held; err != nil {
		t.Fatalf("held send after release: %v", err)
	}
	alice.Expect(In(roomB, TextFrom(alice.UserID, "held")))

	f.Inject(Fault{Match: Endpoint(http.MethodGet, "/account/whoami"), Times: 1, Reply: Refusal(http.StatusForbidden, "M_USER_DEACTIVATED", "gone")})
	whoami := func() error {
		return call(context.Background(), http.DefaultClient, f.URL, alice.Token, http.MethodGet, v3+"/account/whoami", nil, nil)
	}
	if err := whoami(); !errors.As(err, &e) || e.Status != http.StatusForbidden || e.Code != "M_USER_DEACTIVATED" {
		t.Fatalf("faked whoami refusal: %v", err)
	}
	f.Inject(Fault{Match: Endpoint(http.MethodGet, "/account/whoami"), Times: 1, Reply: LimitExceededHeader(1500 * time.Millisecond)})
	if err := whoami(); !errors.As(err, &e) || e.Code != "M_LIMIT_EXCEEDED" || e.RetryAfter != "2" || e.RetryAfterMS != 0 {
		t.Fatalf("limit by header: %v (Retry-After %q)", err, e.RetryAfter)
	}
	if err := whoami(); err != nil {
		t.Fatalf("whoami after both faults lapsed: %v", err)
	}

	type seen struct {
		room   string
		status int
		faked  bool
	}
	var got []seen
	for _, r := range f.Requests(func(r Request) bool { return r.Method == http.MethodPut }) {
		room := roomB
		if strings.Contains(r.Path, "/rooms/"+roomA+"/") {
			room = roomA
		}
		got = append(got, seen{room, r.Status, r.Faked})
	}
	want := []seen{{roomA, 429, true}, {roomA, 200, false}, {roomB, 200, false}, {roomA, 200, false}}
	if !slices.Equal(got, want) {
		t.Fatalf("sends seen by the Front, in order:\n got %v\nwant %v", got, want)
	}
}
