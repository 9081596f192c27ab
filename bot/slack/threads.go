package slack

import (
	"sync"

	"stagebot"
	"stagebot/bot"
)

// thread is a request's thread in one channel: the request message heading it and what the
// head shows.
type thread struct {
	ts        string         // the request message
	root      string         // the thread's parent: ts, or the message `!stage` was typed under
	head      string         // the request message's own line; "" until known (after a restart)
	state     stagebot.State // what the head shows
	latest    string         // the newest announcement's line
	approvers []string       // landing-team members who approved here, short of the policy
}

// threads maps requests to their threads. The head's ts is kept through the bot's message
// store (Remember), so replies still land in the right thread after a restart; the rest is
// display state and may be rebuilt.
type threads struct {
	mu sync.Mutex
	m  map[string]*thread
}

func newThreads() *threads { return &threads{m: map[string]*thread{}} }

func (t *threads) key(requestID, channel string) string { return requestID + "\x00" + channel }

// get returns the request's thread in channel, or nil when it has none.
func (t *threads) get(h bot.Handler, requestID, channel string) *thread {
	t.mu.Lock()
	defer t.mu.Unlock()
	if th, ok := t.m[t.key(requestID, channel)]; ok {
		return th
	}
	ts := h.RequestFor(stagebot.NetworkSlack, threadKey(requestID, channel))
	if ts == "" {
		return nil
	}
	root := h.RequestFor(stagebot.NetworkSlack, rootKey(requestID, channel))
	if root == "" {
		root = ts
	}
	th := &thread{ts: ts, root: root, state: stagebot.StatePending}
	t.m[t.key(requestID, channel)] = th
	return th
}

// root is the ts later messages about the request reply under in channel, "" when the
// request has no thread there.
func (t *threads) root(h bot.Handler, requestID, channel string) string {
	if th := t.get(h, requestID, channel); th != nil {
		return th.root
	}
	return ""
}

// start records a new request message, ts, posted in the thread under root ("" or ts
// itself: the message heads its own thread).
func (t *threads) start(h bot.Handler, requestID, channel, ts, root, head string) *thread {
	if root == "" {
		root = ts
	}
	th := &thread{ts: ts, root: root, head: head, state: stagebot.StatePending}
	t.mu.Lock()
	t.m[t.key(requestID, channel)] = th
	t.mu.Unlock()
	h.Remember(stagebot.NetworkSlack, messageRef(channel, ts), requestID)
	h.Remember(stagebot.NetworkSlack, threadKey(requestID, channel), ts)
	if root != ts {
		h.Remember(stagebot.NetworkSlack, rootKey(requestID, channel), root)
		h.Remember(stagebot.NetworkSlack, threadOf(channel, root), requestID)
	}
	return th
}

// with runs fn on the thread's display state under the lock and returns a copy.
func (t *threads) with(th *thread, fn func(th *thread)) thread {
	t.mu.Lock()
	defer t.mu.Unlock()
	fn(th)
	cp := *th
	cp.approvers = append([]string(nil), th.approvers...)
	return cp
}
