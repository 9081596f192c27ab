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
	"stagebot/intake"
)

// message hands a text message in a configured room or a direct room to the core, which
// tells a command from chatter. Edits are neither commands nor anything else; notices are
// other bots talking.
func (a *Adapter) message(ctx context.Context, e *event.Event) {
	var in incoming
	if json.Unmarshal(e.Content.VeryRaw, &in) != nil || in.MsgType != "m.text" || in.RelatesTo.RelType == "m.replace" {
		return
	}
	room := e.RoomID
	configured := a.rooms.configured(room)
	if !configured && !a.isDirect(ctx, room) {
		return
	}
	text := commandText(in, a.self)
	a.inbox.Message(ctx, bot.Inbound{Author: identity(e.Sender), Text: text, BotNick: string(a.self),
		Direct: !configured,
		// The configured rooms hear announcements: a `!stage` there is answered by its
		// request message (a reply to it) alone.
		AnnouncedHere: configured,
		Attach:        a.staging(room, e.ID, in.thread(), e.Sender, text),
		Reply:         a.replyTo(ctx, room, e.ID, in.thread(), e.Sender)})
}

// identity is the person behind a Matrix user ID: the ID itself, which their homeserver
// vouches for. No display name: anyone may take any.
func identity(user id.UserID) stagebot.Identity {
	return stagebot.Identity{Network: stagebot.NetworkMatrix, ID: string(user)}
}

// staging is the Inbound.Attach of a message: the core calls it for a `!stage` alone, which
// is the adapter's sign to remember where that was typed, so that its request message can
// answer it there. Matrix attachments are not taken: a click comes by URL or name.
func (a *Adapter) staging(room id.RoomID, ev, thread id.EventID, sender id.UserID, text string) func(context.Context) ([]intake.Source, error) {
	return func(context.Context) ([]intake.Source, error) {
		a.origins.add(string(sender), origin{room: room, event: ev, thread: thread, names: strings.Fields(text)})
		return nil, nil
	}
}

// replyTo answers a command as a reply to it (in its thread if it was in one), mentioning
// the asker; queued in the room's lane, not waited for.
func (a *Adapter) replyTo(ctx context.Context, room id.RoomID, cmd, thread id.EventID, asker id.UserID) func(chat.Message) error {
	return func(m chat.Message) error {
		c := a.content(m, []id.UserID{asker})
		c.RelatesTo = reply(cmd, thread)
		a.later(ctx, room, "answer", func() error {
			_, err := a.send(ctx, room, c, a.nextTxn(), m.RequestID)
			return err
		})
		return nil
	}
}
