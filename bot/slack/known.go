package slack

import "stagebot/internal/keyed"

// knownMax bounds each of the adapter's memories: beyond it the oldest entries are
// forgotten and, when needed again, read back from Slack.
const knownMax = 4096

// known is what the adapter knows of its own messages: a cache of facts Slack keeps for
// good (which thread a message is in, which request a request message is about), filled as
// it posts and read back from Slack when missing (lookup.go). Losing it, at a restart or by
// eviction, costs a Web API call, never a wrong answer.
type known struct {
	msgs    *keyed.Recent[mine]      // by channel:ts
	threads *keyed.Recent[threadsOf] // by channel:root
}

// mine is one of the bot's messages.
type mine struct {
	// request is the request it is about, "" when it is about none or that is not known
	// (an answer in a thread: its thread tells).
	request string
	// root is the thread it is in: its parent's ts, or its own when it is not a reply.
	root string
	// head is a request message's own text as posted (mrkdwn), which its edits keep.
	head string
}

// threadsOf is the request a thread is about, and the ts of its request message there
// (the thread's root, or a reply in a person's thread where `!stage` was typed); none when
// the thread holds no request message, or several requests' (two `!stage` typed in one
// person's thread).
type threadsOf struct {
	request, head string
	several       bool
}

func newKnown() *known {
	return &known{msgs: keyed.NewRecent[mine](knownMax), threads: keyed.NewRecent[threadsOf](knownMax)}
}

func ref(channel, ts string) string { return channel + ":" + ts }

func (k *known) message(channel, ts string) (mine, bool) { return k.msgs.Get(ref(channel, ts)) }

// posted records a message the bot posted, or one read back from Slack; a request
// message also names its thread's request.
func (k *known) posted(channel, ts string, m mine) {
	if m.root == "" {
		m.root = ts
	}
	k.msgs.Put(ref(channel, ts), m)
	if m.head != "" && m.request != "" {
		k.heads(channel, m.root, threadsOf{request: m.request, head: ts})
	}
}

// heads records what a thread is about: a request message posted or read there, or what
// reading the thread found. A request message of another request than the one already
// there makes the thread about several.
func (k *known) heads(channel, root string, t threadsOf) {
	key := ref(channel, root)
	if was, ok := k.threads.Get(key); ok {
		switch {
		case t.request == "" && !t.several:
			return // finding none says nothing against what was found
		case was.several || was.request != "" && was.request != t.request:
			t = threadsOf{several: true}
		}
	}
	k.threads.Put(key, t)
}

func (k *known) thread(channel, root string) (threadsOf, bool) {
	return k.threads.Get(ref(channel, root))
}
