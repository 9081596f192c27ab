package matrix

import (
	"context"
	"encoding/json"
	"strings"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"stagebot"
	"stagebot/bot"
	"stagebot/chat"
)

// memReaction keys an approving reaction (+ its event ID): who reacted, on which event, so
// that its redaction, even after a restart, withdraws that approval.
const memReaction = "reaction:"

// reactionVerb maps a reaction key to a decision: 👍 and ✅ approve, ❌ rejects, compared
// after dropping variation selector 16 and skin-tone modifiers (clients send "👍️" and
// "👍🏽" for the same thumb).
func reactionVerb(key string) (bot.Verb, bool) {
	key = strings.Map(func(r rune) rune {
		if r == '\uFE0F' || (r >= 0x1F3FB && r <= 0x1F3FF) {
			return -1
		}
		return r
	}, key)
	switch key {
	case "👍", "✅":
		return bot.VerbApprove, true
	case "❌":
		return bot.VerbReject, true
	}
	return "", false
}

// reaction hands an approving or rejecting reaction on one of the bot's events in a
// configured room to the core. Reactions on people's messages are theirs, and cost nothing.
// The event is traced to its request first, in its room's lane of reads: one person's
// reaction and its redaction reach the core in that order, and a reaction that must wait
// (for a send in flight, or for the homeserver to say whose event it is) holds up no other
// room.
func (a *Adapter) reaction(ctx context.Context, e *event.Event) {
	room := e.RoomID
	if !a.rooms.configured(room) {
		return
	}
	var in incoming
	if json.Unmarshal(e.Content.VeryRaw, &in) != nil || in.RelatesTo.RelType != "m.annotation" || in.RelatesTo.EventID == "" {
		return
	}
	verb, ok := reactionVerb(in.RelatesTo.Key)
	if !ok {
		return
	}
	target, reactor, reactionID := in.RelatesTo.EventID, e.Sender, e.ID
	a.reads.Do(string(room), func() {
		if ctx.Err() != nil {
			return
		}
		request, mine := a.about(ctx, room, target)
		if !mine {
			return
		}
		if verb == bot.VerbApprove {
			if err := a.mem.Put(memReaction+string(reactionID), string(reactor)+" "+string(target)); err != nil {
				a.log.Warn("could not remember an approving reaction; redacting it will not withdraw", "event", reactionID, "err", err)
			}
		}
		a.decide(ctx, room, reactor, target, request, verb)
	})
}

// redaction withdraws the approval a redacted reaction gave, when the person who reacted
// redacted it: a moderator tidying up does not take back someone else's approval.
func (a *Adapter) redaction(ctx context.Context, e *event.Event) {
	room := e.RoomID
	if !a.rooms.configured(room) {
		return
	}
	redacts := e.Redacts
	if redacts == "" {
		var in incoming
		_ = json.Unmarshal(e.Content.VeryRaw, &in)
		redacts = in.Redacts
	}
	if redacts == "" {
		return
	}
	a.reads.Do(string(room), func() {
		if ctx.Err() != nil {
			return
		}
		v, err := a.mem.Get(memReaction + string(redacts))
		if err != nil {
			a.log.Warn("could not read what a redacted event was", "event", redacts, "err", err)
			return
		}
		if v == "" {
			return
		}
		if err := a.mem.Delete(memReaction + string(redacts)); err != nil {
			a.log.Warn("could not forget a redacted reaction", "event", redacts, "err", err)
		}
		reactor, target, _ := strings.Cut(v, " ")
		if id.UserID(reactor) != e.Sender {
			a.log.Info("an approving reaction was redacted by someone else; the approval stands",
				"reaction", redacts, "by", e.Sender, "reactor", reactor)
			return
		}
		request, _ := a.mine.Get(target)
		a.decide(ctx, room, e.Sender, id.EventID(target), request, bot.VerbWithdraw)
	})
}

// about is the request the bot's event target is about, as far as the adapter knows ("" when
// the core must look it up), and whether target is the bot's at all. A send in flight in the
// room is waited for first: someone quick may react before its answer arrived.
func (a *Adapter) about(ctx context.Context, room id.RoomID, target id.EventID) (request string, mine bool) {
	select {
	case <-a.posts.Settled(string(room)):
	case <-ctx.Done():
		return "", false
	}
	if request, ok := a.mine.Get(string(target)); ok {
		return request, true
	}
	if _, ok := a.theirs.Get(string(target)); ok {
		return "", false
	}
	var sender id.UserID
	err := a.call(ctx, func(ctx context.Context) error {
		e, err := a.cli.GetEvent(ctx, room, target)
		if err == nil {
			sender = e.Sender
		}
		return err
	})
	if err != nil {
		a.log.Warn("could not tell whose event a reaction is on; it is ignored", "room", room, "event", target, "err", err)
		return "", false
	}
	if sender != a.self {
		a.theirs.Put(string(target), "")
		return "", false
	}
	a.mine.Put(string(target), "")
	return "", true
}

// decide hands a decision to the core. Its refusals go to the person (a reply addressed to
// them: Matrix has no message for one person in a room) only when they are a landing-team
// member, who may decide on requests at all: anyone else's 👍 is applause, and answering it
// would fill the room.
func (a *Adapter) decide(ctx context.Context, room id.RoomID, who id.UserID, target id.EventID, request string, verb bot.Verb) {
	author := identity(who)
	d := bot.Decision{Author: author, Ref: string(target), RequestID: request, Verb: verb,
		Public: a.publicIn(ctx, room, target)}
	if p := a.cfg.Team.Resolve(author); p.Has(stagebot.RoleLanding) && len(p.Members) > 0 {
		d.Private = a.privateTo(ctx, room, target, who, p.Members[0])
	}
	a.inbox.Decision(ctx, d)
}

// privateTo answers member (Matrix user who) about their decision on target: a reply to it
// that starts with their pill.
func (a *Adapter) privateTo(ctx context.Context, room id.RoomID, target id.EventID, who id.UserID, member string) func(chat.Message) error {
	return func(m chat.Message) error {
		m.Parts = append([]chat.Part{{Role: chat.Mention, Text: member}, {Role: chat.Words, Text: ": "}}, m.Parts...)
		c := a.content(m, []id.UserID{who})
		c.RelatesTo = reply(target, "")
		a.later(ctx, room, "note on a decision", func() error {
			_, err := a.send(ctx, room, c, a.nextTxn(), m.RequestID)
			return err
		})
		return nil
	}
}

// publicIn tells the room an outcome of a decision on target that no announcement told,
// as a reply to target.
func (a *Adapter) publicIn(ctx context.Context, room id.RoomID, target id.EventID) func(chat.Message) error {
	return func(m chat.Message) error {
		c := a.content(m, nil)
		c.RelatesTo = reply(target, "")
		a.later(ctx, room, "outcome of a decision", func() error {
			_, err := a.send(ctx, room, c, a.nextTxn(), m.RequestID)
			return err
		})
		return nil
	}
}
