package slack

import (
	"context"

	"github.com/slack-go/slack"

	"stagebot/chat"
)

// reply is how a message is answered: to the person who asked, never to the whole channel
// (contract section 3). In a DM the answer is a message there; in a channel's thread it
// joins the thread, where the asker is reading (and, in a request's thread, takes
// reactions for the request like the bot's other messages there); at a channel's top level
// it is ephemeral, shown to the asker alone. The answer is queued in its lane, not waited
// for.
func (a *Adapter) reply(ctx context.Context, in incoming) func(chat.Message) error {
	return func(m chat.Message) error {
		text := a.text(m)
		switch {
		case in.direct():
			a.later(ctx, channelLane(in.channel), "answer", func() error {
				_, err := a.post(ctx, in.channel, threadOf(in), text, nil, nil)
				return err
			})
		case in.inThread():
			a.later(ctx, channelLane(in.channel), "answer", func() error {
				_, err := a.post(ctx, in.channel, in.thread, text, nil, &mine{})
				return err
			})
		default:
			a.tell(ctx, in.channel, in.user, "", "answer", text)
		}
		return nil
	}
}

// private answers the author alone: ephemeral in a channel (in the thread asked in), and
// in a DM, which is theirs alone already, a message there.
func (a *Adapter) private(ctx context.Context, in incoming) func(chat.Message) error {
	if in.direct() {
		return a.reply(ctx, in)
	}
	return func(m chat.Message) error {
		a.tell(ctx, in.channel, in.user, threadOf(in), "answer", a.text(m))
		return nil
	}
}

// threadOf is the thread a message was said in, "" at the top level.
func threadOf(in incoming) string {
	if in.inThread() {
		return in.thread
	}
	return ""
}

// tell shows Slack text to user alone in channel (in the thread under thread when set),
// queued in their ephemeral lane there.
func (a *Adapter) tell(ctx context.Context, channel, user, thread, what, text string) {
	a.later(ctx, ephemeralLane(channel, user), what, func() error { return a.ephemeral(ctx, channel, user, thread, text) })
}

// ephemeral shows Slack text to user alone in channel, in the thread under thread when set.
func (a *Adapter) ephemeral(ctx context.Context, channel, user, thread, text string) error {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	return a.call(ctx, func() error {
		_, err := a.api.PostEphemeralContext(ctx, channel, user, opts...)
		return err
	})
}
