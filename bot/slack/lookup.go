package slack

import (
	"context"
	"errors"
	"strings"

	"github.com/slack-go/slack"

	"stagebot"
)

// What the adapter reads back from Slack when its memory (known) lacks it: Slack keeps
// every message's thread, and the bot's messages about a request carry the request's ID in
// the block ID of their first block (markerPrefix), so nothing the adapter needs is kept
// anywhere but in Slack itself.

// markerPrefix starts the block ID that names the request a message of the bot is about.
const markerPrefix = "stagebot_request:"

// repliesRead bounds how many messages of a thread are read to find its request message:
// it is the thread's first message or comes soon after the `!stage` it answers.
const repliesRead = 200

// marker is the request ID a message's blocks name, "" for none.
func marker(m slack.Message) string {
	for _, b := range m.Blocks.BlockSet {
		if id, ok := strings.CutPrefix(b.ID(), markerPrefix); ok {
			return id
		}
	}
	return ""
}

// mineOf is a message of the bot's as read back from Slack.
func (a *Adapter) mineOf(m slack.Message) mine {
	out := mine{request: marker(m), root: m.ThreadTimestamp}
	if out.root == "" {
		out.root = m.Timestamp
	}
	return out
}

// fetch reads message (channel, ts) from Slack. found is false when Slack has no such
// message to show (deleted, or in a conversation the bot cannot read); err is set only when
// Slack could not be asked, or refused the token.
func (a *Adapter) fetch(ctx context.Context, channel, ts string) (m slack.Message, found bool, err error) {
	var msgs []slack.Message
	err = a.call(ctx, func() (err error) {
		// Asked about a reply, Slack may answer with its thread's parent first.
		msgs, _, _, err = a.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
			ChannelID: channel, Timestamp: ts, Oldest: ts, Latest: ts, Inclusive: true, Limit: 2})
		return err
	})
	if refusedMessage(err) {
		return slack.Message{}, false, nil
	}
	if err != nil {
		return slack.Message{}, false, err
	}
	for _, m := range msgs {
		if m.Timestamp == ts {
			return m, true, nil
		}
	}
	return slack.Message{}, false, nil
}

// refusedMessage reports Slack's answer that it has nothing to show for a message (as
// opposed to failing to answer): asking again would get the same.
func refusedMessage(err error) bool {
	var se slack.SlackErrorResponse
	return errors.As(err, &se) && !credentialCode(se.Err)
}

// threadRequest is the request the thread under root in channel is about: the one whose
// request message is there (its root, or a reply in a person's thread where `!stage` was
// typed), and that message's ts. A thread with none, or with two requests' messages, is
// about none.
func (a *Adapter) threadRequest(ctx context.Context, channel, root string) (threadsOf, error) {
	if t, ok := a.known.thread(channel, root); ok {
		return t, nil
	}
	var msgs []slack.Message
	err := a.call(ctx, func() (err error) {
		msgs, _, _, err = a.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
			ChannelID: channel, Timestamp: root, Limit: repliesRead})
		return err
	})
	if refusedMessage(err) {
		return threadsOf{}, nil
	}
	if err != nil {
		return threadsOf{}, err
	}
	var t threadsOf
	for _, m := range msgs {
		id := marker(m)
		if id == "" || m.User != a.bot() || id == t.request {
			continue
		}
		if t.request != "" {
			t = threadsOf{several: true}
			break
		}
		t = threadsOf{request: id, head: m.Timestamp}
	}
	a.known.heads(channel, root, t)
	return t, nil
}

// headOf is the request message ts in channel, with its own text to keep through edits
// ("" when it is no request message of the bot's, or Slack no longer has it) and its root.
func (a *Adapter) headOf(ctx context.Context, channel, ts string) (mine, error) {
	if m, ok := a.known.message(channel, ts); ok && m.head != "" {
		return m, nil
	}
	msg, found, err := a.fetch(ctx, channel, ts)
	if err != nil {
		return mine{}, err
	}
	if !found {
		return mine{root: ts}, nil
	}
	m := a.mineOf(msg)
	// The bot's request messages carry blocks; a plain message of its heading a thread is
	// no request message, and is not edited.
	if msg.User == a.bot() && len(msg.Blocks.BlockSet) > 0 {
		m.head = msg.Text
	}
	a.known.posted(channel, ts, m)
	return m, nil
}

// refresh edits request id's message in the thread under root in channel to show the
// request's record as it is now, read through the Overview (an outcome that no
// announcement reported, so no Send brings it).
func (a *Adapter) refresh(ctx context.Context, channel, root, id string) error {
	r := a.record(id)
	if r == nil {
		return nil
	}
	t, err := a.threadRequest(ctx, channel, root)
	if err != nil || t.request != id {
		return err
	}
	head, err := a.headOf(ctx, channel, t.head)
	if err != nil {
		return err
	}
	return a.edit(ctx, channel, t.head, id, head, viewOf(r))
}

// record is request id's record among those in flight, nil when it is not (or there is no
// Overview to ask).
func (a *Adapter) record(id string) *stagebot.Request {
	if a.cfg.Overview == nil {
		return nil
	}
	open, err := a.cfg.Overview.Open()
	if err != nil {
		a.log.Warn("reading the requests in flight", "err", err)
		return nil
	}
	for _, st := range open {
		if st.Request != nil && st.Request.ID == id {
			return st.Request
		}
	}
	return nil
}
