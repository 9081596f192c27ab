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
	if err := a.ephemeral(ctx, channel, user, "", text); err != nil && ctx.Err() == nil {
		a.log.Warn("note on a reaction failed", "user", user, "err", err)
	}
}

// requestAt is the request the bot's message ref (or thread key) is about, "" when none.
// Someone quick may act on a message between its post and the bot remembering it (a
// reaction, a command in its thread): on a miss it waits for posts in flight, then looks
// again.
func (a *Adapter) requestAt(h bot.Handler, ref string) string {
	if id := h.RequestFor(stagebot.NetworkSlack, ref); id != "" {
		return id
	}
	a.posting.RLock()
	defer a.posting.RUnlock()
	return h.RequestFor(stagebot.NetworkSlack, ref)
}

// requestOfThread is the request whose messages fill the thread under root in channel: the
// request message heads it, or it was posted in a person's thread where `!stage` was typed.
// "" when the thread is about no request.
func (a *Adapter) requestOfThread(h bot.Handler, channel, root string) string {
	if root == "" {
		return ""
	}
	if id := a.requestAt(h, messageRef(channel, root)); id != "" {
		return id
	}
	return h.RequestFor(stagebot.NetworkSlack, threadOf(channel, root))
}

// replyIn posts a reply in channel, in the thread under root when root is set. A reply in a
// request's thread is one of the bot's messages about the request, so it is remembered like
// the announcements there.
func (a *Adapter) replyIn(ctx context.Context, h bot.Handler, channel, root, text string) error {
	if id := a.requestOfThread(h, channel, root); id != "" {
		return a.postAbout(ctx, h, channel, root, text, nil, id)
	}
	return a.post(ctx, channel, root, text, nil)
}
