package slack

import "sync"

// knownMax bounds each of the adapter's memories: beyond it the oldest entries are
// forgotten and, when needed again, read back from Slack.
const knownMax = 4096

// known is what the adapter knows of its own messages: a cache of facts Slack keeps for
// good (which thread a message is in, which request a request message is about), filled as
// it posts and read back from Slack when missing (lookup.go). Losing it, at a restart or by
// eviction, costs a Web API call, never a wrong answer.
type known struct {
	msgs    *recall[mine]      // by channel:ts
	threads *recall[threadsOf] // by channel:root
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
	return &known{msgs: newRecall[mine](knownMax), threads: newRecall[threadsOf](knownMax)}
}

func ref(channel, ts string) string { return channel + ":" + ts }

func (k *known) message(channel, ts string) (mine, bool) { return k.msgs.get(ref(channel, ts)) }

// posted records a message the bot posted, or one read back from Slack; a request
// message also names its thread's request.
func (k *known) posted(channel, ts string, m mine) {
	if m.root == "" {
		m.root = ts
	}
	k.msgs.put(ref(channel, ts), m)
	if m.head != "" && m.request != "" {
		k.heads(channel, m.root, threadsOf{request: m.request, head: ts})
	}
}

// heads records what a thread is about: a request message posted or read there, or what
// reading the thread found. A request message of another request than the one already
// there makes the thread about several.
func (k *known) heads(channel, root string, t threadsOf) {
	key := ref(channel, root)
	if was, ok := k.threads.get(key); ok {
		switch {
		case t.request == "" && !t.several:
			return // finding none says nothing against what was found
		case was.several || was.request != "" && was.request != t.request:
			t = threadsOf{several: true}
		}
	}
	k.threads.put(key, t)
}

func (k *known) thread(channel, root string) (threadsOf, bool) {
	return k.threads.get(ref(channel, root))
}

// recall is a bounded map: the newest n keys, the oldest forgotten first.
type recall[V any] struct {
	mu   sync.Mutex
	m    map[string]V
	ring []string
	next int
}

func newRecall[V any](n int) *recall[V] {
	return &recall[V]{m: make(map[string]V, n), ring: make([]string, n)}
}

func (r *recall[V]) get(key string) (V, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.m[key]
	return v, ok
}

// put sets key's value; a key already there keeps its place in the order of forgetting.
func (r *recall[V]) put(key string, v V) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.set(key, v)
}

// add sets key's value unless it has one, and reports whether it did.
func (r *recall[V]) add(key string, v V) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.m[key]; ok {
		return false
	}
	r.set(key, v)
	return true
}

func (r *recall[V]) set(key string, v V) {
	if _, ok := r.m[key]; !ok {
		if old := r.ring[r.next]; old != "" {
			delete(r.m, old)
		}
		r.ring[r.next] = key
		r.next = (r.next + 1) % len(r.ring)
	}
	r.m[key] = v
}
