package slack

import (
	"context"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"stagebot"
	"stagebot/bot"
	"stagebot/chat"
)

// reaction hands an approving or rejecting reaction on one of the bot's messages to the
// core. Reactions on people's messages are theirs, and cost nothing. The message is traced
// to its request first (about), in its channel's lane of reads: one person's reaction added
// then removed reaches the core in that order, and a reaction that must wait (for a post in
// flight, or for Slack to answer) holds up no other channel.
func (a *Adapter) reaction(ctx context.Context, user, name, itemUser string, item slackevents.Item, added bool) {
	if user == "" || user == a.bot() || item.Type != "message" || !a.channels[item.Channel] {
		return
	}
	if itemUser != "" && itemUser != a.bot() {
		return
	}
	verb, ok := reactionVerb(name, added)
	if !ok {
		return
	}
	ch, ts := item.Channel, item.Timestamp
	a.reads.Do(ch, func() {
		if ctx.Err() != nil {
			return
		}
		id, root, err := a.about(ctx, ch, ts)
		if err != nil {
			a.log.Warn("could not tell which request a reaction is about; it is ignored", "channel", ch, "ts", ts, "err", err)
			return
		}
		a.as(ctx, user, func(author stagebot.Identity) {
			a.inbox.Decision(ctx, bot.Decision{Author: author, Ref: ts, RequestID: id, Verb: verb,
				Private: a.privateTo(ctx, ch, user), Public: a.publicIn(ctx, ch, root, id)})
		})
	})
}

// buttons hands the Approve and Reject buttons to the core: each carries its request's ID.
func (a *Adapter) buttons(ctx context.Context, cb slack.InteractionCallback) {
	channel := cb.Container.ChannelID
	if channel == "" {
		channel = cb.Channel.ID
	}
	if cb.User.ID == "" || !a.channels[channel] {
		return
	}
	ts := cb.Container.MessageTs
	if ts == "" {
		ts = cb.Message.Timestamp
	}
	root := cb.Message.ThreadTimestamp
	if root == "" {
		root = ts
	}
	for _, act := range cb.ActionCallback.BlockActions {
		verb, ok := buttonVerb(act.ActionID)
		if !ok || act.Value == "" {
			continue
		}
		a.as(ctx, cb.User.ID, func(author stagebot.Identity) {
			a.inbox.Decision(ctx, bot.Decision{Author: author, Ref: ts, RequestID: act.Value, Verb: verb,
				Private: a.privateTo(ctx, channel, cb.User.ID), Public: a.publicIn(ctx, channel, root, act.Value)})
		})
	}
}

// about is the request the bot's message (channel, ts) is about, as far as Slack tells,
// and the thread it is in: the request its own marker names (a request message, a
// reminder), else the request of its thread (the bot's answers in a request's thread, the
// announcements there). "" when neither names one: the core then looks ts up among the
// messages it was told of. Someone quick may react on a message between its post and the
// adapter hearing of it: on a miss, the channel's posts in flight (no other channel's) are
// waited for first.
func (a *Adapter) about(ctx context.Context, channel, ts string) (id, root string, err error) {
	m, ok := a.known.message(channel, ts)
	if !ok {
		select {
		case <-a.posts.Settled(channel):
		case <-ctx.Done():
			return "", "", ctx.Err()
		}
		m, ok = a.known.message(channel, ts)
	}
	if !ok {
		msg, found, err := a.fetch(ctx, channel, ts)
		if err != nil {
			return "", "", err
		}
		if !found || msg.User != a.bot() {
			return "", ts, nil
		}
		m = a.mineOf(msg)
		a.known.posted(channel, ts, m)
	}
	if m.request != "" || m.root == ts {
		return m.request, m.root, nil
	}
	t, err := a.threadRequest(ctx, channel, m.root)
	return t.request, m.root, err
}

// privateTo answers user alone in channel: a refusal of their reaction or button.
func (a *Adapter) privateTo(ctx context.Context, channel, user string) func(chat.Message) error {
	return func(m chat.Message) error {
		a.tell(ctx, channel, user, "", "note on a decision", a.text(m))
		return nil
	}
}

// publicIn tells the thread under root in channel an outcome no announcement told (an
// approval withdrawn, one counted while the request is held), after editing the request
// message to show it.
func (a *Adapter) publicIn(ctx context.Context, channel, root, id string) func(chat.Message) error {
	return func(m chat.Message) error {
		if m.RequestID != "" {
			id = m.RequestID
		}
		text := a.text(m)
		a.later(ctx, channelLane(channel), "outcome of a decision", func() error {
			if err := a.refresh(ctx, channel, root, id); err != nil {
				a.log.Warn("could not edit the request message", "channel", channel, "err", err)
			}
			_, err := a.post(ctx, channel, root, text, nil, &mine{request: id, root: root})
			return err
		})
		return nil
	}
}
