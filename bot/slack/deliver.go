package slack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"stagebot"
	"stagebot/bot"
)

// Channels are the configured channel IDs; each keeps its own place in the outbox.
func (a *Adapter) Channels() []string { return a.cfg.Channels }

// Deliver posts one announcement to channel ch, in the channel's lane. A request's first
// `requested` heads a new thread with buttons; its later announcements are replies in that
// thread, and the head is edited to show the state; channel-wide announcements go to the
// channel.
func (a *Adapter) Deliver(ctx context.Context, ch string, ann stagebot.Event) error {
	h := a.h()
	if h == nil {
		return errors.New("slack adapter is not running")
	}
	err := a.writes.await(ctx, channelLane(ch), func() error { return a.deliverTo(ctx, h, h.Team(), ch, ann) })
	if err != nil {
		return fmt.Errorf("slack %s: %w", ch, err)
	}
	return nil
}

func (a *Adapter) deliverTo(ctx context.Context, h bot.Handler, team stagebot.Team, ch string, ann stagebot.Event) error {
	text := line(team, ann)
	if ann.RequestID == "" || ann.ChannelWide {
		return a.post(ctx, ch, "", text, nil)
	}
	th := a.threads.get(h, ann.RequestID, ch)
	if th == nil {
		if !ann.AsksApproval {
			// A request from before Slack was configured has no thread here.
			return a.postAbout(ctx, h, ch, "", text, nil, ann.RequestID)
		}
		// The request message answers the `!stage`: where it was typed in a thread of this
		// channel, it goes there.
		root := a.originThread(h, ann.RequestID, ch)
		head := thread{head: text, state: stagebot.StatePending, latest: escape(ann.Text)}
		return a.postThen(ctx, ch, root, text, requestBlocks(ann.RequestID, head), func(ts string) {
			a.threads.start(h, ann.RequestID, ch, ts, root, text)
		})
	}
	snap := a.threads.with(th, func(th *thread) {
		// Only a transition changes the state shown; progress, holds, reminders and a
		// failure that keeps the state are lines about the request, nothing more.
		if ann.State != "" {
			th.state = ann.State
		}
		th.latest = escape(ann.Text)
		if ann.State == stagebot.StatePending {
			th.approvers = nil // pending again: approvals are counted afresh by the bot
		}
	})
	// The edit goes first: it is idempotent, so a retry after a failed reply repeats it
	// harmlessly, while the reply is posted once.
	if err := a.refreshHead(ctx, h, ch, th, ann.RequestID); err != nil {
		return err
	}
	var blocks []slack.Block
	if ann.AsksApproval {
		// A reminder, or pending again after a withdrawal: it asks for approval, so it
		// carries the buttons like the head.
		blocks = requestBlocks(ann.RequestID, thread{head: text, state: stagebot.StatePending})
	}
	return a.postAbout(ctx, h, ch, snap.root, text, blocks, ann.RequestID)
}

// postAbout posts a message about a request and remembers it: a reaction on any of the
// bot's messages about a request counts as one on the request (contract section 3).
func (a *Adapter) postAbout(ctx context.Context, h bot.Handler, ch, thread, text string, blocks []slack.Block, requestID string) error {
	return a.postThen(ctx, ch, thread, text, blocks, func(ts string) {
		h.Remember(stagebot.NetworkSlack, messageRef(ch, ts), requestID)
	})
}

// refreshHead edits the request message to show the thread's current state and the
// approvals so far, read from the request's record (so approvals given on other networks
// show too). It runs in the channel's lane: edits are made one at a time, each from a fresh
// reading, so an older view never lands after a newer one. Slack refusing the edit (the
// message was deleted) is logged, not retried: the thread reply still tells the story.
func (a *Adapter) refreshHead(ctx context.Context, h bot.Handler, ch string, th *thread, requestID string) error {
	snap := a.threads.with(th, func(*thread) {})
	if snap.head == "" {
		head := a.fetchHead(ctx, ch, snap.root, snap.ts)
		if head == "" {
			return nil
		}
		snap = a.threads.with(th, func(th *thread) { th.head = head })
	}
	if rr, ok := h.(bot.RequestReader); ok {
		if r := rr.Request(requestID); r != nil {
			snap.approvers = approverNames(r)
		}
	}
	err := call(ctx, func() error {
		_, _, _, err := a.api.UpdateMessageContext(ctx, ch, snap.ts,
			slack.MsgOptionText(snap.head, false), slack.MsgOptionBlocks(requestBlocks(requestID, snap)...))
		return err
	})
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		a.log.Warn("could not edit the request message", "channel", ch, "ts", snap.ts, "err", se.Err)
		return nil
	}
	return err
}

// approverNames are the people whose approvals count on the request now, on any network.
func approverNames(r *stagebot.Request) []string {
	var out []string
	for _, ap := range r.ValidApprovals() {
		if n := ap.Display(); !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// fetchHead reads a request message's text back from Slack, after a restart. A request
// message heading its own thread is the thread's first message; one posted as a reply (to a
// `!stage` typed in a thread) is asked for by its ts alone, and Slack may answer with the
// parent too.
func (a *Adapter) fetchHead(ctx context.Context, ch, root, ts string) string {
	p := &slack.GetConversationRepliesParameters{ChannelID: ch, Timestamp: root, Limit: 1}
	if root != ts {
		p = &slack.GetConversationRepliesParameters{ChannelID: ch, Timestamp: root, Oldest: ts, Latest: ts,
			Inclusive: true, Limit: 2}
	}
	var msgs []slack.Message
	err := call(ctx, func() (err error) {
		msgs, _, _, err = a.api.GetConversationRepliesContext(ctx, p)
		return err
	})
	if err != nil {
		return ""
	}
	for _, m := range msgs {
		if m.Timestamp == ts {
			return m.Text
		}
	}
	return ""
}

// originThread is the thread of ch where the request's `!stage` was typed, "" when it was
// not typed in one there.
func (a *Adapter) originThread(h bot.Handler, requestID, ch string) string {
	rr, ok := h.(bot.RequestReader)
	if !ok {
		return ""
	}
	r := rr.Request(requestID)
	if r == nil || r.Requester.Network != stagebot.NetworkSlack {
		return ""
	}
	return a.origins.thread(r.Requester.ID, ch, r.Created)
}

// noteDecision shows an approval or withdrawal that did not change the state (the policy
// wants more) on the request message. The in-memory list of approvers is only a fallback
// for a handler that cannot read the record.
func (a *Adapter) noteDecision(ctx context.Context, h bot.Handler, channel, requestID string, actor stagebot.Identity, verb bot.Verb) {
	th := a.threads.get(h, requestID, channel)
	if th == nil {
		return
	}
	a.threads.with(th, func(th *thread) {
		switch verb {
		case bot.VerbApprove:
			if !slices.Contains(th.approvers, actor.Name) {
				th.approvers = append(th.approvers, actor.Name)
			}
		case bot.VerbWithdraw:
			th.approvers = slices.DeleteFunc(th.approvers, func(n string) bool { return n == actor.Name })
		}
	})
	if err := a.refreshHead(ctx, h, channel, th, requestID); err != nil {
		a.log.Warn("could not edit the request message", "err", err)
	}
}

// requestBlocks is the request message: its line, the current state, and the buttons while
// a decision can still change something.
func requestBlocks(requestID string, th thread) []slack.Block {
	state := fmt.Sprintf("State: *%s*", th.state)
	if len(th.approvers) > 0 && th.state == stagebot.StatePending {
		state += " · approved so far by " + escape(strings.Join(th.approvers, ", "))
	}
	if th.latest != "" {
		state += "\n" + th.latest
	}
	blocks := []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, th.head, false, false), nil, nil),
		slack.NewContextBlock("state", slack.NewTextBlockObject(slack.MarkdownType, state, false, false)),
	}
	if th.state == stagebot.StatePending || th.state == stagebot.StateApproved {
		approve := slack.NewButtonBlockElement(actionApprove, requestID,
			slack.NewTextBlockObject(slack.PlainTextType, "Approve", false, false)).WithStyle(slack.StylePrimary)
		reject := slack.NewButtonBlockElement(actionReject, requestID,
			slack.NewTextBlockObject(slack.PlainTextType, "Reject", false, false)).WithStyle(slack.StyleDanger)
		blocks = append(blocks, slack.NewActionBlock("decide", approve, reject))
	}
	return blocks
}

// post sends a message (a reply when thread is set), waiting out rate limits. Like every
// write to a channel, it runs in the channel's lane.
func (a *Adapter) post(ctx context.Context, ch, thread, text string, blocks []slack.Block) error {
	return a.postThen(ctx, ch, thread, text, blocks, nil)
}

// postThen is post, calling posted (when set) with the new message's ts before the post
// counts as landed: a reaction on the message waits for it (requestAt).
func (a *Adapter) postThen(ctx context.Context, ch, thread, text string, blocks []slack.Block, posted func(ts string)) error {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionDisableLinkUnfurl()}
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	if len(blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(blocks...))
	}
	return call(ctx, func() error {
		landed := a.posts.begin(ch)
		defer landed()
		_, ts, err := a.api.PostMessageContext(ctx, ch, opts...)
		if err == nil && posted != nil {
			posted(ts)
		}
		return err
	})
}
