package irc

import "sync"

// ownLinesKept is how many of the bot's latest lines ownLines knows: days of a busy
// channel, in a few hundred kilobytes.
const ownLinesKept = 4096

// ownLines knows the msgids of the bot's latest lines, from their echoes. A reaction
// names the line it reacts to by msgid, any line in the channel: only one on a line of
// the bot's may be answered, or every 👍 people give each other would earn a notice.
type ownLines struct {
	mu   sync.Mutex
	ids  map[string]struct{}
	ring [ownLinesKept]string
	next int
}

func (o *ownLines) add(msgid string) {
	if msgid == "" {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ids == nil {
		o.ids = make(map[string]struct{}, ownLinesKept)
	}
	if _, ok := o.ids[msgid]; ok {
		return
	}
	delete(o.ids, o.ring[o.next])
	o.ring[o.next] = msgid
	o.ids[msgid] = struct{}{}
	o.next = (o.next + 1) % ownLinesKept
}

func (o *ownLines) has(msgid string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, ok := o.ids[msgid]
	return ok
}
