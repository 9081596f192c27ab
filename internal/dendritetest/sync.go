package dendritetest

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"stagebot/internal/testenv"
)

// syncFilter keeps what a person's client shows of rooms: timelines (with a limit no test
// reaches, so nothing is skipped between two syncs) and invites; no receipts, typing,
// presence or account data.
const syncFilter = `{"room":{"timeline":{"limit":1000},"ephemeral":{"not_types":["*"]},"account_data":{"not_types":["*"]}},` +
	`"presence":{"not_types":["*"]},"account_data":{"not_types":["*"]}}`

// syncPoll is how long one /sync waits on the server for something new.
const syncPoll = 10 * time.Second

type syncResponse struct {
	NextBatch string `json:"next_batch"`
	Rooms     struct {
		Join map[string]struct {
			Timeline struct {
				Events  []Event `json:"events"`
				Limited bool    `json:"limited"`
			} `json:"timeline"`
		} `json:"join"`
		Invite map[string]struct {
			InviteState struct {
				Events []Event `json:"events"`
			} `json:"invite_state"`
		} `json:"invite"`
	} `json:"rooms"`
}

func (c *Client) syncLoop(ctx context.Context) {
	defer close(c.loopDone)
	for ctx.Err() == nil {
		c.mu.Lock()
		since := c.since
		c.mu.Unlock()
		var resp syncResponse
		q := url.Values{"since": {since}, "timeout": {strconv.FormatInt(syncPoll.Milliseconds(), 10)}, "filter": {syncFilter}}
		err := call(ctx, c.s.http, c.s.URL, c.Token, http.MethodGet, v3+"/sync?"+q.Encode(), nil, &resp)
		var refused *Error
		switch {
		case ctx.Err() != nil:
			return
		case errors.As(err, &refused) && refused.Code == "M_UNKNOWN_TOKEN":
			return // logged out or deactivated: this person sees nothing more
		case err != nil:
			// The server is restarting or briefly unreachable: try again.
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		var got []Event
		for roomID, room := range resp.Rooms.Join {
			// A timeline cut short would hide events from the test. Dendrite marks the first
			// timeline of a newly joined room limited even when it holds everything; only a
			// room already known counts.
			if room.Timeline.Limited && c.joined[roomID] {
				c.t.Errorf("dendritetest: %s: /sync skipped events in %s (timeline limited)", c.UserID, roomID)
			}
			for _, e := range room.Timeline.Events {
				e.RoomID = roomID
				got = append(got, e)
			}
			c.joined[roomID] = true
		}
		for roomID, room := range resp.Rooms.Invite {
			for _, e := range room.InviteState.Events {
				e.RoomID, e.Invite = roomID, true
				got = append(got, e)
			}
		}
		c.mu.Lock()
		c.since = resp.NextBatch
		if len(got) > 0 {
			c.events = append(c.events, got...)
			close(c.more)
			c.more = make(chan struct{})
		}
		c.mu.Unlock()
	}
}

// Expect waits up to testenv.Wait for an event match accepts, consuming the events before
// it, and fails the test without one. Events of different rooms that arrive in one sync
// come in no particular order; within a room they come in timeline order.
func (c *Client) Expect(match func(Event) bool) Event {
	c.t.Helper()
	e, ok := c.Await(testenv.Wait, match)
	if !ok {
		c.t.Fatalf("dendritetest: %s: no expected event within %s; last events:\n%s", c.UserID, testenv.Wait, c.recent())
	}
	return e
}

// Await is Expect that reports a time-out instead of failing.
func (c *Client) Await(wait time.Duration, match func(Event) bool) (Event, bool) {
	got, ok := c.until(wait, match)
	if !ok {
		return Event{}, false
	}
	return got[len(got)-1], true
}

// Until is Expect returning every event it consumed, the match last: what else the person
// saw on the way, such as a message nobody should have sent.
func (c *Client) Until(match func(Event) bool) []Event {
	c.t.Helper()
	got, ok := c.until(testenv.Wait, match)
	if !ok {
		c.t.Fatalf("dendritetest: %s: no expected event within %s; last events:\n%s", c.UserID, testenv.Wait, c.recent())
	}
	return got
}

func (c *Client) until(wait time.Duration, match func(Event) bool) ([]Event, bool) {
	timeout := time.NewTimer(wait)
	defer timeout.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	from := c.next
	for {
		for ; c.next < len(c.events); c.next++ {
			if match(c.events[c.next]) {
				c.next++
				return append([]Event(nil), c.events[from:c.next]...), true
			}
		}
		more := c.more
		c.mu.Unlock()
		select {
		case <-more:
			c.mu.Lock()
		case <-timeout.C:
			c.mu.Lock()
			return nil, false
		}
	}
}

func (c *Client) recent() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	for _, e := range c.events[max(0, len(c.events)-30):] {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Mark is the person's position in the event stream now, for Timeline. Dendrite answers a
// call (a join, a send) before its event is in the stream, so an event of a call just made
// may still come after the mark: Expect it first to have it before.
func (c *Client) Mark() string {
	c.t.Helper()
	c.mu.Lock()
	since := c.since
	c.mu.Unlock()
	var resp syncResponse
	q := url.Values{"since": {since}, "timeout": {"0"}, "filter": {syncFilter}}
	c.must(c.Do(http.MethodGet, v3+"/sync?"+q.Encode(), nil, &resp), "sync")
	return resp.NextBatch
}

// Timeline returns a room's events after from (a Mark), oldest first: everything posted
// there since, such as every message the bot sent.
func (c *Client) Timeline(roomID, from string) []Event {
	c.t.Helper()
	var all []Event
	// Dendrite starts a page at the event that ended the one before: it comes twice.
	seen := map[string]bool{}
	for {
		var page struct {
			Chunk []Event `json:"chunk"`
			End   string  `json:"end"`
		}
		q := url.Values{"dir": {"f"}, "from": {from}, "limit": {"100"}}
		c.must(c.Do(http.MethodGet, roomPath(roomID)+"/messages?"+q.Encode(), nil, &page), "messages in "+roomID)
		for _, e := range page.Chunk {
			if !seen[e.EventID] {
				seen[e.EventID] = true
				e.RoomID = roomID
				all = append(all, e)
			}
		}
		if len(page.Chunk) == 0 || page.End == "" || page.End == from {
			return all
		}
		from = page.End
	}
}
