package slack

import (
	"context"
	"fmt"

	"stagebot"
	"stagebot/bot"
)

// noRequestNote answers an approval or rejection reaction on a bot message that is about no
// request (a tick, a refusal, help): nothing happened, and the person should know why.
const noRequestNote = "that message is about no request, so the reaction decides nothing: react on a request's message (or use %sapprove ID)"

// noRequest tells user alone that their reaction in channel decided nothing.
func (a *Adapter) noRequest(ctx context.Context, channel, user string) {
	text := escape(fmt.Sprintf(noRequestNote, a.cfg.CommandPrefix))
	a.tell(ctx, channel, user, "note on a reaction", text)
}

// requestAt is the request the bot's message (channel, ts) is about, "" when none. Someone
// quick may act on a message between its post and the bot remembering it: on a miss it
// waits for the channel's posts in flight (no other channel's), then looks again.
func (a *Adapter) requestAt(ctx context.Context, h bot.Handler, channel, ts string) string {
	ref := messageRef(channel, ts)
	if id := h.RequestFor(stagebot.NetworkSlack, ref); id != "" {
		return id
	}
	select {
	case <-a.posts.settled(channel):
	case <-ctx.Done():
		return ""
	}
	return h.RequestFor(stagebot.NetworkSlack, ref)
}

// requestOfThread is the request whose messages fill the thread under root in channel: the
// request message heads it, or it was posted in a person's thread where `!stage` was typed.
// "" when the thread is about no request.
func (a *Adapter) requestOfThread(ctx context.Context, h bot.Handler, channel, root string) string {
	if root == "" {
		return ""
	}
	if id := a.requestAt(ctx, h, channel, root); id != "" {
		return id
	}
	return h.RequestFor(stagebot.NetworkSlack, threadOf(channel, root))
}

// replyIn posts a reply in channel, in the thread under root when root is set. A reply in a
// request's thread is one of the bot's messages about the request, so it is remembered like
// the announcements there. It runs in the channel's lane, behind the request message when
// that is still being posted.
func (a *Adapter) replyIn(ctx context.Context, h bot.Handler, channel, root, text string) error {
	if id := a.requestOfThread(ctx, h, channel, root); id != "" {
		return a.postAbout(ctx, h, channel, root, text, nil, id)
	}
	return a.post(ctx, channel, root, text, nil)
}
