package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"stagebot"
	"stagebot/chat"
)

// Feed is the announcement outbox as /api/events reads it: at a destination of its own,
// EventsDest, whose cursor must exist (app registers it beside the chat channels'), so that
// no announcement is pruned before the streams had it.
type Feed interface {
	// Signal fires (coalesced) after announcements were added.
	Signal() <-chan struct{}
	PendingTo(d stagebot.Dest, limit int) ([]stagebot.Event, error)
	DeliveredTo(d stagebot.Dest, e stagebot.Event, ref string) error
}

// EventsDest is the outbox destination /api/events reads at.
var EventsDest = stagebot.Dest{Adapter: "http-events"}

// MaxEventStreams bounds the event streams open at once; one more is answered 503.
const MaxEventStreams = 32

// Event streams: how many frames each may have queued before it is dropped (a burst of
// announcements, such as a tick storing many requests, fits), the heartbeat that keeps
// proxies from closing an idle one, and how long one write to a client may take.
const (
	streamBuffer       = 256
	heartbeatEvery     = 15 * time.Second
	streamWriteTimeout = 10 * time.Second
	// streamRetry is the reconnection delay a client is told to use, in milliseconds.
	streamRetry = 3000
)

// Announcement is the data of each "announcement" event on /api/events: one for every
// announcement the channels get, as it is recorded.
type Announcement struct {
	// Seq orders announcements (it is also the event's SSE id).
	Seq uint64 `json:"seq"`
	At  Time   `json:"at"`
	// Kind is what happened: "state", "progress", "held", "tick", "promotion", ...; Word is
	// the contract's keyword for it ("requested", "approved", "locked", ..., "tick").
	Kind string `json:"kind"`
	Word string `json:"word"`
	// ID, UUID and Filename name the request it is about ("" for one about none); State is
	// that request's state once it happened.
	ID       string         `json:"id"`
	UUID     string         `json:"uuid"`
	Filename string         `json:"filename"`
	State    stagebot.State `json:"state"`
	// Tick is true for a click-sync tick; Requests are those a tick stored, a promotion
	// promoted or an image carries.
	Tick     bool            `json:"tick"`
	Requests []AnnouncedName `json:"requests"`
	// Text is the announcement's line as the console prints it.
	Text string `json:"text"`
}

// AnnouncedName names a request an announcement is about.
type AnnouncedName struct {
	ID       string `json:"id"`
	UUID     string `json:"uuid"`
	Filename string `json:"filename"`
}

func (s *Server) announcement(e stagebot.Event) Announcement {
	e = hostlessEvent(e)
	a := Announcement{Seq: e.Seq, At: Time(e.At), Kind: string(e.Kind), Word: chat.Word(e), Tick: e.Kind == stagebot.EventTick,
		Requests: []AnnouncedName{}, State: e.State,
		Text: stagebot.PublicName(chat.Plain(s.cfg.Renderer.Event(e), s.cfg.Renderer.Prefix))}
	switch {
	case e.Request != nil:
		a.UUID, a.Filename = e.Request.ID, e.Request.Filename
		if a.State == "" {
			a.State = e.Request.State
		}
	case e.Text != "":
		// An older stagebot's record: its words, its keyword and its request, nothing else.
		a.UUID, a.Word = e.RequestID, e.Word
	}
	if a.UUID != "" {
		a.ID = stagebot.ShortID(a.UUID)
	}
	if a.Kind == "" {
		a.Kind = "notice"
	}
	for _, r := range e.Requests {
		if r != nil {
			a.Requests = append(a.Requests, AnnouncedName{ID: r.ShortID(), UUID: r.ID, Filename: r.Filename})
		}
	}
	return a
}

// frame is e as one server-sent event.
func (s *Server) frame(e stagebot.Event) []byte {
	data, err := json.Marshal(s.announcement(e))
	if err != nil {
		// Nothing in an Announcement fails to marshal; a comment keeps the stream whole.
		return []byte(": unencodable announcement " + strconv.FormatUint(e.Seq, 10) + "\n\n")
	}
	b := make([]byte, 0, len(data)+64)
	b = append(b, "event: announcement\nid: "...)
	b = strconv.AppendUint(b, e.Seq, 10)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	return append(b, "\n\n"...)
}

// pump hands every announcement to the streams until ctx ends. It reads the outbox on its
// own goroutine and never waits for a stream, so nothing a client does reaches the chat's
// delivery.
func (s *Server) pump(ctx context.Context) {
	// What was announced while no server ran is nobody's news now.
	s.forward(false)
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.cfg.Feed.Signal():
			s.forward(true)
		}
	}
}

// forward moves the streams' cursor to the end of the outbox, publishing what it passes
// when publish is set and someone listens.
func (s *Server) forward(publish bool) {
	feed := s.cfg.Feed
	for {
		batch, err := feed.PendingTo(EventsDest, 64)
		if err != nil {
			s.log.Warn("event streams: read the outbox", "err", err)
			return
		}
		if len(batch) == 0 {
			return
		}
		if publish && s.hub.size() > 0 {
			for _, e := range batch {
				if n := s.hub.publish(s.frame(e)); n > 0 {
					s.log.Info("event streams dropped: their clients did not keep up", "streams", n)
				}
			}
		}
		if err := feed.DeliveredTo(EventsDest, batch[len(batch)-1], ""); err != nil {
			s.log.Warn("event streams: record the outbox position", "err", err)
			return
		}
	}
}

func (s *Server) apiEvents(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Feed == nil {
		writeError(w, http.StatusNotFound, "this server has no event stream")
		return
	}
	st, ok := s.hub.join()
	if !ok {
		w.Header().Set("Retry-After", "10")
		writeError(w, http.StatusServiceUnavailable, "too many event streams are open; try again later")
		return
	}
	defer s.hub.leave(st)
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	// The connection ends with the stream: a dropped client must not find it kept alive.
	h.Set("Connection", "close")
	w.WriteHeader(http.StatusOK)
	// A stream outlives the server's write timeout by design, which would cut it: each
	// write gets a deadline of its own instead, so a client that stops reading is let go.
	send := func(b []byte) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(s.streamWriteTimeout))
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send([]byte("retry: " + strconv.Itoa(streamRetry) + "\n: stagebot announcements\n\n")) {
		return
	}
	beat := time.NewTicker(s.heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-st.gone:
			// Dropped: the end of the stream gets a moment to go out, not a full write
			// timeout, to a client that may be reading no more.
			_ = rc.SetWriteDeadline(time.Now().Add(time.Second))
			return
		case f := <-st.frames:
			if !send(f) {
				return
			}
		case <-beat.C:
			if !send([]byte(": keepalive\n\n")) {
				return
			}
		}
	}
}
