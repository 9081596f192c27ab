package matrix

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"stagebot/internal/backoff"
)

// memSync is the memory key of the /sync position: the next_batch of the last response
// whose events were all handed on.
const memSync = "sync"

// Event types the adapter reads.
const (
	typeMessage    = "m.room.message"
	typeReaction   = "m.reaction"
	typeRedaction  = "m.room.redaction"
	typeMember     = "m.room.member"
	typeEncryption = "m.room.encryption"
)

// maxGapPages bounds how far back a limited timeline is read with /messages (pages of
// 100): a bot down for long in a busy room acts on the last few thousand events, not on
// weeks of them.
const maxGapPages = 20

// filter is the /sync filter, inline: timelines of the events the adapter reads (as many as
// TimelineLimit before the server cuts them short), the state it needs (encryption), and
// nothing of presence, receipts, typing or account data.
func (a *Adapter) filter() string {
	f := map[string]any{
		"room": map[string]any{
			"timeline": map[string]any{"limit": a.cfg.TimelineLimit,
				"types": []string{typeMessage, typeReaction, typeRedaction, typeMember, typeEncryption}},
			"state":        map[string]any{"types": []string{typeEncryption}},
			"ephemeral":    map[string]any{"not_types": []string{"*"}},
			"account_data": map[string]any{"not_types": []string{"*"}},
		},
		"presence":     map[string]any{"not_types": []string{"*"}},
		"account_data": map[string]any{"not_types": []string{"*"}},
	}
	b, _ := json.Marshal(f)
	return string(b)
}

// syncLoop long-polls /sync from the remembered position until ctx ends or a call fails,
// handing each response's events on before it remembers the position after them. The
// first run (no position) takes the rooms as they are and acts on nothing said before it;
// it joins the configured rooms only after that first /sync, so that what is said there
// from the bot's join on comes in the next one.
func (a *Adapter) syncLoop(ctx context.Context, pace *backoff.Conn) error {
	since, err := a.mem.Get(memSync)
	if err != nil {
		return fmt.Errorf("reading the /sync position: %w", err)
	}
	joined := since != ""
	if joined {
		a.joinRooms(ctx)
	}
	filter := a.filter()
	up := false
	for ctx.Err() == nil {
		timeout := a.cfg.SyncTimeout
		if since == "" {
			timeout = 0
		}
		var resp *mautrix.RespSync
		err := a.callWithin(ctx, timeout+a.cfg.SyncGrace, func(ctx context.Context) (err error) {
			resp, err = a.cli.FullSyncRequest(ctx, mautrix.ReqSync{Timeout: int(timeout.Milliseconds()),
				Since: since, FilterID: filter})
			return err
		})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("/sync: %w", err)
		}
		if !up {
			up = true
			pace.Up()
			a.connected.Store(true)
			a.log.Info("syncing", "first", since == "")
		}
		a.handleSync(ctx, resp, since)
		if err := a.mem.Put(memSync, resp.NextBatch); err != nil {
			return fmt.Errorf("remembering the /sync position: %w", err)
		}
		since = resp.NextBatch
		if !joined || a.rooms.missing(time.Now()) {
			a.joinRooms(ctx)
			joined = true
		}
	}
	return nil
}

// handleSync hands on what one /sync response holds. since is the position it was asked
// from ("" for the first ever).
func (a *Adapter) handleSync(ctx context.Context, resp *mautrix.RespSync, since string) {
	for room, inv := range resp.Rooms.Invite {
		a.invited(ctx, room, inv.State.Events)
	}
	for room := range resp.Rooms.Leave {
		a.left(room)
	}
	for _, room := range slices.Sorted(func(yield func(id.RoomID) bool) {
		for r := range resp.Rooms.Join {
			if !yield(r) {
				return
			}
		}
	}) {
		a.joinedRoom(ctx, room, resp.Rooms.Join[room], since)
	}
}

// joinedRoom handles the events of one room the bot is in. An encrypted room is refused
// before anything in it is read; the first sync ever acts on nothing (it is the rooms'
// past); a room the bot has just joined is read from its join on; a timeline the server
// cut short is completed with /messages.
func (a *Adapter) joinedRoom(ctx context.Context, room id.RoomID, jr *mautrix.SyncJoinedRoom, since string) {
	for _, e := range slices.Concat(jr.State.Events, jr.Timeline.Events) {
		if e.Type.Type == typeEncryption {
			a.refuseRoom(ctx, room)
		}
	}
	if a.isRefused(room) || since == "" {
		return
	}
	events := jr.Timeline.Events
	if i := a.lastJoin(events); i >= 0 {
		events = events[i+1:]
	} else if jr.Timeline.Limited && jr.Timeline.PrevBatch != "" {
		events = append(a.gap(ctx, room, jr.Timeline.PrevBatch, since), events...)
	}
	seen := map[id.EventID]bool{}
	for _, e := range events {
		if seen[e.ID] {
			continue
		}
		seen[e.ID] = true
		e.RoomID = room
		a.handle(ctx, e)
	}
}

// lastJoin is the index of the bot's own latest join in events (not a change of its name
// while joined), -1 for none: what came before it was said before the bot was there.
func (a *Adapter) lastJoin(events []*event.Event) int {
	for i := len(events) - 1; i >= 0; i-- {
		if a.joinedAt(events[i]) {
			return i
		}
	}
	return -1
}

func (a *Adapter) joinedAt(e *event.Event) bool {
	if e.Type.Type != typeMember || e.StateKey == nil || id.UserID(*e.StateKey) != a.self {
		return false
	}
	var c, prev struct {
		Membership string `json:"membership"`
	}
	_ = json.Unmarshal(e.Content.VeryRaw, &c)
	if e.Unsigned.PrevContent != nil {
		_ = json.Unmarshal(e.Unsigned.PrevContent.VeryRaw, &prev)
	}
	return c.Membership == "join" && prev.Membership != "join"
}

// gap reads back the events of room the server left out of a limited timeline: from
// prevBatch back to since, oldest first, stopping at the bot's own join (what came before
// it is the room's past). Events it cannot read are lost, and the log says so.
func (a *Adapter) gap(ctx context.Context, room id.RoomID, prevBatch, since string) []*event.Event {
	var back []*event.Event
	from := prevBatch
	filter := &mautrix.FilterPart{Types: []event.Type{event.EventMessage, event.EventReaction, event.EventRedaction, event.StateMember}}
	for page := 0; ; page++ {
		if page == maxGapPages {
			a.log.Warn("too much was said while the bot was away; acting on the latest only", "room", room, "events", len(back))
			break
		}
		var resp *mautrix.RespMessages
		err := a.call(ctx, func(ctx context.Context) (err error) {
			resp, err = a.cli.Messages(ctx, room, from, since, mautrix.DirectionBackward, filter, 100)
			return err
		})
		if err != nil {
			a.log.Warn("could not read what was said while the bot was away", "room", room, "err", err)
			break
		}
		stop := false
		for _, e := range resp.Chunk {
			if a.joinedAt(e) {
				stop = true
				break
			}
			back = append(back, e)
		}
		if stop || len(resp.Chunk) == 0 || resp.End == "" || resp.End == from {
			break
		}
		from = resp.End
	}
	slices.Reverse(back)
	return back
}

// handle routes one event of a room the bot is in.
func (a *Adapter) handle(ctx context.Context, e *event.Event) {
	if e.Sender == a.self {
		return
	}
	switch e.Type.Type {
	case typeMessage:
		a.message(ctx, e)
	case typeReaction:
		a.reaction(ctx, e)
	case typeRedaction:
		a.redaction(ctx, e)
	case typeMember:
		if !a.rooms.configured(e.RoomID) {
			a.membership(ctx, e.RoomID)
		}
	}
}
