package httpapi

import "sync"

// hub hands each announcement to every event stream. It never waits for one: a stream
// whose buffer is full is dropped (its client reconnects and reloads what it shows), so a
// slow or stalled client costs the bot nothing but the bytes already queued for it.
type hub struct {
	mu      sync.Mutex
	streams map[*stream]struct{}
	closed  bool
	// max bounds the streams at once; buffer the frames queued for each.
	max, buffer int
}

// stream is one client's queue of frames.
type stream struct {
	frames chan []byte
	// gone is closed when the hub dropped the stream: too slow, or the server stopping.
	gone chan struct{}
}

func newHub(max, buffer int) *hub {
	return &hub{streams: map[*stream]struct{}{}, max: max, buffer: buffer}
}

// join adds a stream; false when the hub is full or closed.
func (h *hub) join() (*stream, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || len(h.streams) >= h.max {
		return nil, false
	}
	st := &stream{frames: make(chan []byte, h.buffer), gone: make(chan struct{})}
	h.streams[st] = struct{}{}
	return st, true
}

// leave removes a stream whose client went away.
func (h *hub) leave(st *stream) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dropLocked(st)
}

func (h *hub) dropLocked(st *stream) {
	if _, ok := h.streams[st]; ok {
		delete(h.streams, st)
		close(st.gone)
	}
}

// publish queues frame on every stream, dropping each that has no room for it. It
// returns how many streams it dropped.
func (h *hub) publish(frame []byte) (dropped int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for st := range h.streams {
		select {
		case st.frames <- frame:
		default:
			h.dropLocked(st)
			dropped++
		}
	}
	return dropped
}

// close drops every stream and refuses new ones: the server is stopping, and an event
// stream never ends by itself.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for st := range h.streams {
		h.dropLocked(st)
	}
}

// size is how many streams are open.
func (h *hub) size() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.streams)
}
