package irc

import "sync"

// ownLinesKept is how many of the bot's latest lines ownLines knows: days of a busy
// channel, in a few hundred kilobytes.
const ownLinesKept = 4096

// ownLines knows the msgids of the bot's latest lines, from their echoes, and the request
// each line that asks for approval is about. A reaction names the line it reacts to by
// msgid, any line in the channel: only one on a line of the bot's may be answered, or
// every 👍 people give each other would earn a notice. And a reaction that comes right
// after its line finds the request here, before the core has recorded the line's ref.
type ownLines struct {
	mu   sync.Mutex
	ids  map[string]string // msgid -> request ID ("" for a line that asks for nothing)
	ring [ownLinesKept]string
	next int
}

func (o *ownLines) add(msgid, requestID string) {
	if msgid == "" {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ids == nil {
		o.ids = make(map[string]string, ownLinesKept)
	}
	if _, ok := o.ids[msgid]; !ok {
		delete(o.ids, o.ring[o.next])
		o.ring[o.next] = msgid
		o.next = (o.next + 1) % ownLinesKept
	}
	o.ids[msgid] = requestID
}

// get reports whether msgid is one of the bot's latest lines, and the request it asks
// approval for.
func (o *ownLines) get(msgid string) (requestID string, own bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	requestID, own = o.ids[msgid]
	return requestID, own
}
