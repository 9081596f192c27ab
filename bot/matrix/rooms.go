package matrix

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// retryRooms is how often configured rooms the bot is not in yet (an alias that does not
// resolve, an invite-only room it was not invited to, a room it was kicked from) are tried
// again while /sync runs.
const retryRooms = time.Minute

// Memory keys of the rooms.
const (
	memEncrypted = "encrypted:" // + room ID: the room is refused; "noticed" once told so
	memDirect    = "direct:"    // + room ID: the bot joined it as a direct room
)

// rooms is what the adapter knows of the rooms it is in or should be in.
type rooms struct {
	mu      sync.Mutex
	entries []string             // the configured rooms as written
	ids     map[string]id.RoomID // entry -> room, once resolved
	// ready rooms take announcements: configured, joined, and checked for encryption.
	ready map[id.RoomID]bool
	// refused rooms have m.room.encryption; known says the memory was read for a room
	// (refused is then its whole answer).
	refused map[id.RoomID]bool
	known   map[id.RoomID]bool
	// direct rooms, as the memory says (directKnown: read), and how many people each has
	// (nothing until counted).
	direct      map[id.RoomID]bool
	directKnown map[id.RoomID]bool
	members     map[id.RoomID]int
	tried       time.Time // the last attempt to join the configured rooms
}

func newRooms(entries []string) *rooms {
	return &rooms{entries: entries, ids: map[string]id.RoomID{}, ready: map[id.RoomID]bool{},
		refused: map[id.RoomID]bool{}, known: map[id.RoomID]bool{}, direct: map[id.RoomID]bool{},
		directKnown: map[id.RoomID]bool{}, members: map[id.RoomID]int{}}
}

// room is the room a configured entry names, and whether it takes announcements now.
func (r *rooms) room(entry string) (id.RoomID, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	room, ok := r.ids[entry]
	return room, ok && r.ready[room]
}

// configured reports whether room is one of the configured rooms.
func (r *rooms) configured(room id.RoomID) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range r.ids {
		if v == room {
			return true
		}
	}
	return false
}

// configuredAlias reports whether alias is a configured entry.
func (r *rooms) configuredAlias(alias string) bool {
	for _, e := range r.entries {
		if alias != "" && e == alias {
			return true
		}
	}
	return false
}

func (r *rooms) setReady(room id.RoomID, ready bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ready {
		r.ready[room] = true
	} else {
		delete(r.ready, room)
	}
}

// missing reports whether some configured room is neither ready nor refused, and an attempt
// to join it is due.
func (r *rooms) missing(now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.tried) < retryRooms {
		return false
	}
	for _, e := range r.entries {
		room, ok := r.ids[e]
		if !ok || (!r.ready[room] && !r.refused[room]) {
			return true
		}
	}
	return false
}

// joinRooms resolves the configured aliases, joins the configured rooms the bot is not in
// (accepting a pending invite: joining an invite-only room one was invited to is that) and
// checks each for encryption before it takes announcements. What fails is logged and tried
// again later (retryRooms); an invite that arrives meanwhile is accepted at once.
func (a *Adapter) joinRooms(ctx context.Context) {
	a.rooms.mu.Lock()
	a.rooms.tried = time.Now()
	a.rooms.mu.Unlock()
	var joined *mautrix.RespJoinedRooms
	if err := a.call(ctx, func(ctx context.Context) (err error) { joined, err = a.cli.JoinedRooms(ctx); return err }); err != nil {
		a.log.Warn("could not list the rooms the bot is in", "err", err)
		return
	}
	in := map[id.RoomID]bool{}
	for _, room := range joined.JoinedRooms {
		in[room] = true
	}
	for _, entry := range a.cfg.Rooms {
		room, err := a.resolve(ctx, entry)
		if err != nil {
			a.log.Warn("could not resolve a configured room; trying again later", "room", entry, "err", err)
			continue
		}
		if _, ready := a.rooms.room(entry); ready || a.isRefused(room) {
			continue
		}
		if !in[room] {
			if err := a.join(ctx, entry); err != nil {
				a.log.Warn("could not join a configured room; waiting for an invite", "room", entry, "err", err)
				continue
			}
		}
		a.admit(ctx, room)
	}
}

// resolve is the room ID of a configured entry: itself, or what its alias points at.
func (a *Adapter) resolve(ctx context.Context, entry string) (id.RoomID, error) {
	a.rooms.mu.Lock()
	room, ok := a.rooms.ids[entry]
	a.rooms.mu.Unlock()
	if ok {
		return room, nil
	}
	room = id.RoomID(entry)
	if strings.HasPrefix(entry, "#") {
		var resp *mautrix.RespAliasResolve
		err := a.call(ctx, func(ctx context.Context) (err error) {
			resp, err = a.cli.ResolveAlias(ctx, id.RoomAlias(entry))
			return err
		})
		if err != nil {
			return "", err
		}
		room = resp.RoomID
		a.log.Info("resolved a configured alias", "alias", entry, "room", room)
	}
	a.rooms.mu.Lock()
	defer a.rooms.mu.Unlock()
	for e, other := range a.rooms.ids {
		if other == room {
			// Announcing twice in one room would say everything twice.
			a.log.Error("two configured rooms are one room; announcements go there under the first only",
				"room", room, "first", e, "second", entry)
			return "", errors.New("the same room as " + e)
		}
	}
	a.rooms.ids[entry] = room
	return room, nil
}

func (a *Adapter) join(ctx context.Context, roomOrAlias string) error {
	return a.call(ctx, func(ctx context.Context) error {
		_, err := a.cli.JoinRoom(ctx, roomOrAlias, nil)
		return err
	})
}

// admit makes a configured room the bot is in take announcements, unless it is encrypted.
func (a *Adapter) admit(ctx context.Context, room id.RoomID) {
	encrypted, err := a.encrypted(ctx, room)
	if err != nil {
		a.log.Warn("could not tell whether a configured room is encrypted; trying again later", "room", room, "err", err)
		return
	}
	if encrypted {
		a.refuseRoom(ctx, room)
		return
	}
	if !a.isRefused(room) {
		a.rooms.setReady(room, true)
		a.log.Info("in a configured room", "room", room)
	}
}

// encrypted asks whether room has m.room.encryption now.
func (a *Adapter) encrypted(ctx context.Context, room id.RoomID) (bool, error) {
	err := a.call(ctx, func(ctx context.Context) error {
		var content json.RawMessage
		return a.cli.StateEvent(ctx, room, event.StateEncryption, "", &content)
	})
	if errCode(err) == "M_NOT_FOUND" {
		return false, nil
	}
	return err == nil, err
}

// isRefused reports whether room was found encrypted, now or before a restart.
func (a *Adapter) isRefused(room id.RoomID) bool {
	a.rooms.mu.Lock()
	if a.rooms.known[room] {
		defer a.rooms.mu.Unlock()
		return a.rooms.refused[room]
	}
	a.rooms.mu.Unlock()
	v, err := a.mem.Get(memEncrypted + string(room))
	if err != nil {
		a.log.Warn("could not read whether a room is refused; taking it as refused", "room", room, "err", err)
		return true
	}
	a.rooms.mu.Lock()
	defer a.rooms.mu.Unlock()
	a.rooms.known[room] = true
	a.rooms.refused[room] = v != ""
	return v != ""
}

// refuseRoom stops all reading and writing in an encrypted room: the bot has no keys, and
// must never answer in the clear where people expect encryption. The room is told so once
// (a notice of the bot's own words, nothing anyone said), and the log says it once.
func (a *Adapter) refuseRoom(ctx context.Context, room id.RoomID) {
	a.rooms.mu.Lock()
	if a.rooms.known[room] && a.rooms.refused[room] {
		a.rooms.mu.Unlock()
		return
	}
	a.rooms.known[room], a.rooms.refused[room] = true, true
	delete(a.rooms.ready, room)
	a.rooms.mu.Unlock()
	state, err := a.mem.Get(memEncrypted + string(room))
	if err != nil {
		a.log.Warn("could not read whether an encrypted room was told", "room", room, "err", err)
	}
	if state == "" {
		a.log.Warn("the room is encrypted; stagebot does not read, answer or announce in it", "room", room)
		if err := a.mem.Put(memEncrypted+string(room), "refused"); err != nil {
			a.log.Warn("could not remember that a room is refused", "room", room, "err", err)
		}
	}
	if state == "noticed" {
		return
	}
	a.later(ctx, room, "the notice that the room is encrypted", func() error {
		c := a.content(a.render.EncryptedRoom(), nil)
		if _, err := a.post(ctx, room, c, a.nextTxn(), ""); err != nil {
			return err
		}
		return a.mem.Put(memEncrypted+string(room), "noticed")
	})
}

// invited handles an invite: to a configured room (by ID or its canonical alias) or a
// direct room it is accepted, any other declined.
func (a *Adapter) invited(ctx context.Context, room id.RoomID, state []*event.Event) {
	var direct bool
	var inviter id.UserID
	var alias string
	for _, e := range state {
		switch {
		case e.Type == event.StateMember && e.StateKey != nil && id.UserID(*e.StateKey) == a.self:
			var c struct {
				Membership string `json:"membership"`
				IsDirect   bool   `json:"is_direct"`
			}
			_ = json.Unmarshal(e.Content.VeryRaw, &c)
			direct, inviter = c.IsDirect, e.Sender
		case e.Type == event.StateCanonicalAlias:
			var c struct {
				Alias string `json:"alias"`
			}
			_ = json.Unmarshal(e.Content.VeryRaw, &c)
			alias = c.Alias
		}
	}
	switch {
	case a.rooms.configured(room) || a.rooms.configuredAlias(alias):
		a.later(ctx, room, "joining a configured room on its invite", func() error {
			if err := a.join(ctx, string(room)); err != nil {
				return err
			}
			if alias != "" && a.rooms.configuredAlias(alias) {
				if _, err := a.resolve(ctx, alias); err != nil {
					return err
				}
			}
			a.admit(ctx, room)
			return nil
		})
	case direct:
		a.log.Info("joining a direct room", "room", room, "with", inviter)
		a.later(ctx, room, "joining a direct room", func() error {
			if err := a.mem.Put(memDirect+string(room), string(inviter)); err != nil {
				return err
			}
			a.rooms.mu.Lock()
			a.rooms.direct[room], a.rooms.directKnown[room] = true, true
			delete(a.rooms.members, room)
			a.rooms.mu.Unlock()
			return a.join(ctx, string(room))
		})
	default:
		a.log.Info("declining an invite to a room that is not configured", "room", room, "from", inviter)
		a.later(ctx, room, "declining an invite", func() error {
			return a.call(ctx, func(ctx context.Context) error {
				_, err := a.cli.LeaveRoom(ctx, room)
				return err
			})
		})
	}
}

// left is a room the bot is no longer in: a configured one is joined again later (if it
// can be), a direct one forgotten.
func (a *Adapter) left(room id.RoomID) {
	if a.rooms.configured(room) {
		a.rooms.setReady(room, false)
		a.log.Warn("the bot is no longer in a configured room; it tries to join again later", "room", room)
		return
	}
	a.forgetDirect(room)
}

func (a *Adapter) forgetDirect(room id.RoomID) {
	a.rooms.mu.Lock()
	wasDirect := a.rooms.direct[room]
	delete(a.rooms.direct, room)
	a.rooms.directKnown[room] = true
	delete(a.rooms.members, room)
	a.rooms.mu.Unlock()
	if wasDirect {
		if err := a.mem.Delete(memDirect + string(room)); err != nil {
			a.log.Warn("could not forget a direct room", "room", room, "err", err)
		}
	}
}

// isDirect reports whether room is a direct room: joined on a direct invite, and holding
// the bot and one other person. A room that grew (or emptied) is left.
func (a *Adapter) isDirect(ctx context.Context, room id.RoomID) bool {
	a.rooms.mu.Lock()
	direct, known := a.rooms.direct[room], a.rooms.directKnown[room]
	n, counted := a.rooms.members[room]
	a.rooms.mu.Unlock()
	if !known {
		v, err := a.mem.Get(memDirect + string(room))
		if err != nil {
			a.log.Warn("could not read whether a room is direct", "room", room, "err", err)
			return false
		}
		direct = v != ""
		a.rooms.mu.Lock()
		a.rooms.direct[room], a.rooms.directKnown[room] = direct, true
		a.rooms.mu.Unlock()
	}
	if !direct {
		return false
	}
	if !counted {
		n = a.countMembers(ctx, room)
	}
	return n == 2
}

// countMembers counts the people in a direct room, leaving it when it is no longer one.
// -1 when the homeserver could not say.
func (a *Adapter) countMembers(ctx context.Context, room id.RoomID) int {
	var resp *mautrix.RespJoinedMembers
	err := a.call(ctx, func(ctx context.Context) (err error) { resp, err = a.cli.JoinedMembers(ctx, room); return err })
	if err != nil {
		a.log.Warn("could not count the people in a direct room", "room", room, "err", err)
		return -1
	}
	n := len(resp.Joined)
	a.rooms.mu.Lock()
	a.rooms.members[room] = n
	a.rooms.mu.Unlock()
	if n != 2 {
		a.log.Info("leaving a direct room that is no longer the bot and one person", "room", room, "people", n)
		a.forgetDirect(room)
		a.later(ctx, room, "leaving a room that is no longer direct", func() error {
			return a.call(ctx, func(ctx context.Context) error {
				_, err := a.cli.LeaveRoom(ctx, room)
				return err
			})
		})
	}
	return n
}

// membership notes a change of who is in a room that is not configured: a direct room is
// counted again, off the read loop.
func (a *Adapter) membership(ctx context.Context, room id.RoomID) {
	a.rooms.mu.Lock()
	direct := a.rooms.direct[room]
	delete(a.rooms.members, room)
	a.rooms.mu.Unlock()
	if direct {
		a.reads.Do(string(room), func() {
			if ctx.Err() == nil {
				a.countMembers(ctx, room)
			}
		})
	}
}
