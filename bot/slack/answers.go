package slack

import (
	"context"

	"github.com/slack-go/slack"

	"stagebot/bot"
)

// answer is how a command is answered: to the person who asked, never to the whole channel
// (contract section 3). In a DM the answer is a message there; in a channel's thread it
// joins the thread, where the asker is reading; at a channel's top level it is ephemeral,
// shown to the asker alone. Announcements (the request message, its states) are posted by
// Deliver, not here. The answer is queued in its lane, not waited for.
func (a *Adapter) answer(ctx context.Context, h bot.Handler, in incoming) func(string) error {
	return func(text string) error {
		text = escape(text)
		switch {
		case in.direct():
			a.later(ctx, channelLane(in.channel), "answer", func() error { return a.post(ctx, in.channel, in.thread, text, nil) })
		case in.thread != "":
			a.later(ctx, channelLane(in.channel), "answer", func() error { return a.replyIn(ctx, h, in.channel, in.thread, text) })
		default:
			a.tell(ctx, in.channel, in.user, "answer", text)
		}
		return nil
	}
}

// tell shows text (already escaped) to user alone in channel, queued in their ephemeral
// lane there.
func (a *Adapter) tell(ctx context.Context, channel, user, what, text string) {
	a.later(ctx, ephemeralLane(channel, user), what, func() error { return a.ephemeral(ctx, channel, user, "", text) })
}

// ephemeral shows text (already escaped) to user alone in channel, in the thread under
// thread when set.
func (a *Adapter) ephemeral(ctx context.Context, channel, user, thread, text string) error {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	return call(ctx, func() error {
		_, err := a.api.PostEphemeralContext(ctx, channel, user, opts...)
		return err
	})
}
