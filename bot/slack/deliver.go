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

// Send posts one announcement to channel ch, in the channel's lane, and returns its ts. The
// first message about a request here (out.Thread "") is the request message, with the
// Approve and Reject buttons while a decision can change something, heading the request's
// thread (or posted in the person's thread where the `!stage` was typed); every later one
// is a reply in that thread, and the request message is edited first to show the request
// as it is now. Announcements about no request, and channel-wide ones, go to the channel.
func (a *Adapter) Send(ctx context.Context, ch string, out bot.Outgoing) (string, error) {
	var ts string
	err := a.writes.Await(ctx, channelLane(ch), func() (err error) {
		ts, err = a.send(ctx, ch, out)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("slack %s: %w", ch, err)
	}
	return ts, nil
}

func (a *Adapter) send(ctx context.Context, ch string, out bot.Outgoing) (string, error) {
	text := a.text(out.Message)
	id := out.Event.AboutRequest()
	if id == "" || out.ChannelWide {
		return a.post(ctx, ch, "", text, nil, nil)
	}
	if out.Thread == "" {
		root := a.originOf(ch, id, out.Request)
		return a.post(ctx, ch, root, text, a.requestBlocks(id, text, outView(out)), &mine{request: id, root: root, head: text})
	}
	head, err := a.headOf(ctx, ch, out.Thread)
	if err != nil {
		return "", err
	}
	// The edit goes first: it is idempotent, so a retry after a failed reply repeats it
	// harmlessly, while the reply is posted once.
	if err := a.edit(ctx, ch, out.Thread, id, head, outView(out)); err != nil {
		return "", err
	}
	var blocks []slack.Block
	if out.AsksApproval {
		// A reminder, or pending again after a withdrawal: it asks for approval, so it
		// carries the buttons like the request message.
		blocks = a.requestBlocks(id, text, view{state: stagebot.StatePending})
	}
	return a.post(ctx, ch, head.root, text, blocks, &mine{request: id, root: head.root})
}

// originOf is the thread of ch where r's `!stage` was typed, "" when it was typed
// elsewhere, or the adapter does not know (it restarted since).
func (a *Adapter) originOf(ch, id string, r *stagebot.Request) string {
	if r == nil || r.Requester.Network != stagebot.NetworkSlack {
		return ""
	}
	return a.origins.thread(r.Requester.ID, ch, id, r.Created, r.Source)
}

// view is what a request message shows of its request besides its own line.
type view struct {
	state     stagebot.State
	approvers []string // the approvals that count so far, shown while pending
}

// outView is the request as an announcement finds it: its record now, else the state the
// announcement reports.
func outView(out bot.Outgoing) view {
	if out.Request != nil {
		return viewOf(out.Request)
	}
	v := view{state: out.Event.State}
	if v.state == "" && out.Event.Request != nil {
		v.state = out.Event.Request.State
	}
	return v
}

func viewOf(r *stagebot.Request) view {
	v := view{state: r.State}
	for _, ap := range r.ValidApprovals() {
		if n := ap.Display(); !slices.Contains(v.approvers, n) {
			v.approvers = append(v.approvers, n)
		}
	}
	return v
}

// edit makes request message ts show v. A message that is no request message of the
// bot's is left as it is; Slack refusing the edit (the message was deleted) is logged, not
// retried: the thread reply still tells the story. Edits run in the channel's lane, each
// from a fresh reading, so an older view never lands after a newer one.
func (a *Adapter) edit(ctx context.Context, ch, ts, id string, head mine, v view) error {
	if head.head == "" {
		return nil
	}
	err := a.call(ctx, func() error {
		_, _, _, err := a.api.UpdateMessageContext(ctx, ch, ts,
			slack.MsgOptionText(head.head, false), slack.MsgOptionBlocks(a.requestBlocks(id, head.head, v)...))
		return err
	})
	if refusedMessage(err) {
		a.log.Warn("could not edit the request message", "channel", ch, "ts", ts, "err", err)
		return nil
	}
	return err
}

// Block Kit limits a text object to 3000 characters: a message escaped for Slack (each &
// five bytes) may be longer than the guard's 1 KiB, so it is spread over several.
const blockText = 3000

// requestBlocks is a message about request id as blocks: its text (Slack mrkdwn, as the
// guard wrote it) marked with the request's ID, the request's state and approvals so far,
// and the buttons while a decision can still change something.
func (a *Adapter) requestBlocks(id, text string, v view) []slack.Block {
	var blocks []slack.Block
	for i, part := range pieces(text, blockText) {
		var opts []slack.SectionBlockOption
		if i == 0 {
			opts = append(opts, slack.SectionBlockOptionBlockID(markerPrefix+id))
		}
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(part), nil, nil, opts...))
	}
	var state []slack.MixedElement
	for _, part := range pieces(a.stateLine(v), blockText) {
		state = append(state, mrkdwn(part))
	}
	blocks = append(blocks, slack.NewContextBlock("state", state...))
	if v.state == stagebot.StatePending || v.state == stagebot.StateApproved {
		approveLabel, rejectLabel := a.render.DecisionLabels()
		approve := slack.NewButtonBlockElement(actionApprove, id,
			slack.NewTextBlockObject(slack.PlainTextType, approveLabel, false, false)).WithStyle(slack.StylePrimary)
		reject := slack.NewButtonBlockElement(actionReject, id,
			slack.NewTextBlockObject(slack.PlainTextType, rejectLabel, false, false)).WithStyle(slack.StyleDanger)
		blocks = append(blocks, slack.NewActionBlock("decide", approve, reject))
	}
	return blocks
}

// stateLine is the request message's state line, through the guard.
func (a *Adapter) stateLine(v view) string {
	return a.text(a.render.RequestState(v.state, v.approvers))
}

// mrkdwn is Slack text as a block's text: verbatim, so Slack turns no bare URL or
// #channel in it into a link (the guard has escaped every other markup).
func mrkdwn(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, text, false, true)
}

// post sends a message (a reply in the thread under root when root is set), waiting out
// rate limits. When about is set, the message is recorded as the bot's (known) before the
// post counts as landed: a reaction on it waits for that (about). A thread Slack no longer
// has (its first message deleted) takes the message at the channel's top level instead.
func (a *Adapter) post(ctx context.Context, ch, root, text string, blocks []slack.Block, about *mine) (string, error) {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false), slack.MsgOptionDisableLinkUnfurl(),
		slack.MsgOptionDisableMediaUnfurl()}
	if len(blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(blocks...))
	}
	var ts string
	try := func(root string) error {
		o := opts
		if root != "" {
			o = append(o[:len(o):len(o)], slack.MsgOptionTS(root))
		}
		return a.call(ctx, func() error {
			landed := a.posts.Begin(ch)
			defer landed()
			var err error
			_, ts, err = a.api.PostMessageContext(ctx, ch, o...)
			if err == nil && about != nil {
				m := *about
				m.root = root
				a.known.posted(ch, ts, m)
			}
			return err
		})
	}
	err := try(root)
	var se slack.SlackErrorResponse
	if root != "" && errors.As(err, &se) && (se.Err == "thread_not_found" || se.Err == "message_not_found") {
		a.log.Warn("the thread is gone; posting at the top level", "channel", ch, "thread", root)
		err = try("")
	}
	return ts, err
}

// pieces cuts Slack text into pieces of at most n bytes, never inside an escape (&amp;),
// a mention (<@U…>) or a character.
func pieces(text string, n int) []string {
	var out []string
	for len(text) > n {
		cut := n
		for cut > 0 && !cuttable(text, cut) {
			cut--
		}
		if cut == 0 {
			cut = n
		}
		out = append(out, text[:cut])
		text = text[cut:]
	}
	return append(out, text)
}

// cuttable reports whether text may be cut before byte i.
func cuttable(text string, i int) bool {
	if i >= len(text) {
		return true
	}
	if text[i]&0xC0 == 0x80 {
		return false // inside a character
	}
	// Inside "&…;" or "<…>": an opening mark after the last closing one.
	head := text[:i]
	return strings.LastIndexByte(head, '&') <= strings.LastIndexByte(head, ';') &&
		strings.LastIndexByte(head, '<') <= strings.LastIndexByte(head, '>')
}
