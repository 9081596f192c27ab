package matrix

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"stagebot"
	"stagebot/bot"
	"stagebot/chat"
)

// Every write to a room runs in that room's lane of a.writes, one at a time in the order
// asked for, so that a room the homeserver is slow to serve (or that waits out
// M_LIMIT_EXCEEDED) holds up its own lane and nothing else; no lock is held across a call.
// Send waits for its announcement, since the outbox must know whether the room took it;
// everything done for a person (answers, refusals) is queued with later and not waited for.

// errRefused: the room is encrypted, and nothing is posted in it.
var errRefused = errors.New("the room is encrypted")

// Memory keys of what was posted.
const (
	memHead = "head:" // + event ID of a request message: what it says (head), while it may change
	memTxn  = "txn"   // this database's part of announcements' transaction IDs
)

// Send posts one announcement to a configured room, in the room's lane, and returns its
// event ID. The first message about a request there (out.Thread "") is the request's
// message, a reply to the `!stage` when that was typed in this room; every later one is a
// reply to it, and the request message is edited first to show the request as it is now.
// Announcements about no request go to the room as they are. An encrypted room takes none:
// they are dropped, as the room was told.
//
// Each announcement's events have transaction IDs of their own (its outbox sequence, the
// room, the step), so that the homeserver takes a retry of one it already has (its answer
// lost, or the bot restarted before recording it) as the same event: a retry posts nothing
// twice.
func (a *Adapter) Send(ctx context.Context, ch string, out bot.Outgoing) (string, error) {
	room, ready := a.rooms.room(ch)
	if !ready {
		if room != "" && a.isRefused(room) {
			return "", nil
		}
		return "", fmt.Errorf("matrix %s: the bot is not in the room (yet)", ch)
	}
	var ref id.EventID
	err := a.writes.Await(ctx, string(room), func() (err error) {
		ref, err = a.announce(ctx, room, out)
		return err
	})
	if errors.Is(err, errRefused) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("matrix %s: %w", ch, err)
	}
	return string(ref), nil
}

func (a *Adapter) announce(ctx context.Context, room id.RoomID, out bot.Outgoing) (id.EventID, error) {
	txn, err := a.announcementTxn(room, out.Event)
	if err != nil {
		return "", err
	}
	request := out.Event.AboutRequest()
	c := a.content(out.Message, nil)
	if request == "" || out.ChannelWide {
		return a.send(ctx, room, c, txn+".post", request)
	}
	if out.Thread == "" {
		h := head{Parts: out.Message.Parts}
		if o, ok := a.originOf(room, request, out.Request); ok {
			c.RelatesTo = reply(o.event, o.thread)
			c.Mentions.UserIDs = appendNew(c.Mentions.UserIDs, id.UserID(out.Request.Requester.ID))
			h.Thread = o.thread
		}
		ref, err := a.send(ctx, room, c, txn+".post", request)
		if err != nil {
			return "", err
		}
		h.Mentions = c.Mentions.UserIDs
		a.keepHead(ref, h)
		return ref, nil
	}
	ref := id.EventID(out.Thread)
	h, known := a.head(ref)
	if known {
		// The edit goes first: a retry after a failed reply repeats it harmlessly (same
		// transaction), while the reply is posted once.
		if err := a.edit(ctx, room, ref, h, out.Request, txn+".edit"); err != nil {
			return "", err
		}
	}
	// In the Matrix thread the request message is in, when it answered a `!stage` there.
	c.RelatesTo = reply(ref, h.Thread)
	return a.send(ctx, room, c, txn+".post", request)
}

// originOf is the `!stage` of request r when it was typed in room.
func (a *Adapter) originOf(room id.RoomID, request string, r *stagebot.Request) (origin, bool) {
	if r == nil || r.Requester.Network != stagebot.NetworkMatrix {
		return origin{}, false
	}
	return a.origins.of(r.Requester.ID, room, request, r.Created, r.Source)
}

// head is what a request message says, kept (memHead) to edit it: its words, whom it
// mentions, the Matrix thread it is in ("" for none) and the state line it shows now (""
// for none yet).
type head struct {
	Parts    []chat.Part `json:"parts"`
	Mentions []id.UserID `json:"mentions,omitempty"`
	Thread   id.EventID  `json:"thread,omitempty"`
	Shown    string      `json:"shown,omitempty"`
}

func (a *Adapter) keepHead(ref id.EventID, h head) {
	b, _ := json.Marshal(h)
	if err := a.mem.Put(memHead+string(ref), string(b)); err != nil {
		a.log.Warn("could not remember a request message; it will not be edited", "event", ref, "err", err)
	}
}

// head is what request message ref says, as kept; false when it is not kept (its request
// ended, or it could not be read).
func (a *Adapter) head(ref id.EventID) (head, bool) {
	var h head
	raw, err := a.mem.Get(memHead + string(ref))
	if err != nil {
		a.log.Warn("could not read a remembered request message; it will not be edited", "event", ref, "err", err)
		return h, false
	}
	if raw == "" {
		return h, false
	}
	if err := json.Unmarshal([]byte(raw), &h); err != nil {
		a.log.Warn("a remembered request message does not read; it will not be edited", "event", ref, "err", err)
		return head{}, false
	}
	return h, true
}

// edit makes request message ref show r's state (and, while it is pending, the approvals so
// far) after its own words: one m.replace, within the one-message limit. Nothing is sent
// when it shows that already. The homeserver refusing the edit (the message was redacted)
// is logged, not retried: the replies still tell the story. A request that can change no
// more is forgotten after its last edit.
func (a *Adapter) edit(ctx context.Context, room id.RoomID, ref id.EventID, h head, r *stagebot.Request, txn string) error {
	if r == nil {
		return nil
	}
	var approvers []string
	for _, ap := range r.ValidApprovals() {
		approvers = appendNew(approvers, ap.Display())
	}
	state := a.render.RequestState(r.State, approvers)
	shown := a.content(state, nil).Body
	if shown == h.Shown {
		return nil
	}
	parts := append(slices.Clone(h.Parts), chat.Part{Role: chat.Words, Text: " · "})
	parts = append(parts, state.Parts...)
	now := a.content(chat.Message{Kind: chat.Announcement, Parts: parts}, nil)
	now.Mentions = mentions{UserIDs: h.Mentions}
	// The fallback for clients without edits, marked as one, within the same limit as any
	// message.
	e := a.content(chat.Message{Kind: chat.Announcement, Parts: append([]chat.Part{{Role: chat.Words, Text: "* "}}, parts...)}, nil)
	// Nobody is mentioned anew: the edit notifies no one.
	e.Mentions = mentions{}
	e.NewContent, e.RelatesTo = &now, &relatesTo{RelType: "m.replace", EventID: ref}
	if _, err := a.post(ctx, room, e, txn, ""); err != nil {
		if !refusal(err) {
			return err
		}
		a.log.Warn("could not edit the request message", "room", room, "event", ref, "err", err)
		return nil
	}
	var err error
	if r.State.Final() {
		err = a.mem.Delete(memHead + string(ref))
	} else {
		h.Shown = shown
		b, _ := json.Marshal(h)
		err = a.mem.Put(memHead+string(ref), string(b))
	}
	if err != nil {
		a.log.Warn("could not remember what the request message shows", "event", ref, "err", err)
	}
	return nil
}

// refusal reports whether the homeserver answered a write with a refusal that no retry
// changes (a 4xx other than 429).
func refusal(err error) bool {
	var he mautrix.HTTPError
	return errors.As(err, &he) && he.Response != nil && he.Response.StatusCode/100 == 4 &&
		he.Response.StatusCode != http.StatusTooManyRequests
}

// send posts c to room, unless the room is refused, and remembers the event as the bot's
// about request ("" for none).
func (a *Adapter) send(ctx context.Context, room id.RoomID, c notice, txn, request string) (id.EventID, error) {
	if a.isRefused(room) {
		return "", errRefused
	}
	if c.Body == "" {
		return "", nil
	}
	return a.post(ctx, room, c, txn, request)
}

// post sends c to room as an m.room.message with transaction ID txn. The event is
// remembered as the bot's (about request) before the send counts as done: a reaction on it
// waits for that (keyed.InFlight).
func (a *Adapter) post(ctx context.Context, room id.RoomID, c notice, txn, request string) (id.EventID, error) {
	var ref id.EventID
	err := a.call(ctx, func(ctx context.Context) error {
		// In flight for this attempt only: a wait for a rate limit between two attempts
		// holds up no reaction.
		end := a.posts.Begin(string(room))
		defer end()
		resp, err := a.cli.SendMessageEvent(ctx, room, event.EventMessage, c, mautrix.ReqSendEvent{TransactionID: txn})
		if err == nil {
			ref = resp.EventID
			a.mine.Put(string(ref), request)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	return ref, nil
}

// later runs fn in room's lane behind the writes queued there, without waiting for it. A
// failure is logged: whoever asked has moved on.
func (a *Adapter) later(ctx context.Context, room id.RoomID, what string, fn func() error) {
	a.writes.Do(string(room), func() {
		if ctx.Err() != nil {
			return
		}
		if err := fn(); err != nil && ctx.Err() == nil && !errors.Is(err, errRefused) {
			a.log.Warn(what+" failed", "room", room, "err", err)
		}
	})
}

// nextTxn is a transaction ID for a write that is not an announcement's: new for each.
func (a *Adapter) nextTxn() string {
	return "stagebot." + a.txnStart + "." + strconv.FormatInt(a.txn.Add(1), 10)
}

// announcementTxn is the stem of the transaction IDs of announcement e in room: the same
// at every attempt, in this run or the next, and no other announcement's anywhere (the
// database's own random part keeps a fresh database from reusing an old one's).
func (a *Adapter) announcementTxn(room id.RoomID, e stagebot.Event) (string, error) {
	salt, err := a.mem.Get(memTxn)
	if err != nil {
		return "", err
	}
	if salt == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		salt = hex.EncodeToString(b)
		if err := a.mem.Put(memTxn, salt); err != nil {
			return "", err
		}
	}
	sum := sha256.Sum256([]byte(room))
	return fmt.Sprintf("stagebot.%s.%d.%s", salt, e.Seq, hex.EncodeToString(sum[:6])), nil
}

func appendNew[T comparable](s []T, v T) []T {
	var zero T
	if v == zero || slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}
