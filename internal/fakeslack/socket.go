package fakeslack

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// envelope is one Socket Mode request; it stays outstanding until the app acks it.
type envelope struct {
	ID      string
	Type    string
	Payload map[string]any
	EventID string
	sent    int // times written to a socket
}

func (e *envelope) frame() []byte {
	// Slack lets an app answer a slash command in its ack; events and interactions not.
	m := map[string]any{"envelope_id": e.ID, "payload": e.Payload, "type": e.Type,
		"accepts_response_payload": e.Type == "slash_commands"}
	if e.Type == "events_api" {
		m["retry_attempt"] = max(e.sent-1, 0)
		m["retry_reason"] = ""
		if e.sent > 1 {
			m["retry_reason"] = "timeout"
		}
	}
	js, _ := json.Marshal(m)
	return js
}

// socket is one websocket connection with its own writer, so a slow client never blocks
// the server's lock.
type socket struct {
	conn *websocket.Conn
	mu   sync.Mutex
	out  [][]byte
	wake chan struct{}
	done chan struct{}
	once sync.Once
	// stalled: no pings, no frames, as a socket that died without a close.
	stalled bool
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	so := &socket{conn: conn, wake: make(chan struct{}, 1), done: make(chan struct{})}
	s.mu.Lock()
	if old := s.socket; old != nil {
		old.close()
	}
	s.socket = so
	s.conns++
	interval := s.PingInterval
	hello, _ := json.Marshal(map[string]any{"type": "hello", "num_connections": 1,
		"debug_info":      map[string]any{"host": "fakeslack", "build_number": 1, "approximate_connection_time": 18060},
		"connection_info": map[string]any{"app_id": AppID}})
	so.push(hello)
	// Slack sends again what the app never acked, on whichever connection is open.
	for _, e := range s.envelopes {
		if !s.acked[e.ID] {
			e.sent++
			so.push(e.frame())
		}
	}
	if d := s.cutAfter; d > 0 {
		time.AfterFunc(d, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			_ = so.conn.UnderlyingConn().Close()
			so.close()
			if s.socket == so {
				s.socket = nil
				s.bump()
			}
		})
	}
	s.bump()
	s.mu.Unlock()

	go so.writeLoop()
	go so.pingLoop(interval)
	s.readLoop(so)
}

func (so *socket) push(frame []byte) {
	so.mu.Lock()
	so.out = append(so.out, frame)
	so.mu.Unlock()
	select {
	case so.wake <- struct{}{}:
	default:
	}
}

func (so *socket) writeLoop() {
	for {
		select {
		case <-so.done:
			return
		case <-so.wake:
		}
		for {
			so.mu.Lock()
			if so.stalled || len(so.out) == 0 {
				so.mu.Unlock()
				break
			}
			f := so.out[0]
			so.out = so.out[1:]
			so.mu.Unlock()
			_ = so.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if err := so.conn.WriteMessage(websocket.TextMessage, f); err != nil {
				so.close()
				return
			}
		}
	}
}

func (so *socket) pingLoop(interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	ping := func() bool {
		so.mu.Lock()
		stalled := so.stalled
		so.mu.Unlock()
		if stalled {
			return true
		}
		return so.conn.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(5*time.Second)) == nil
	}
	if !ping() {
		return
	}
	for {
		select {
		case <-so.done:
			return
		case <-t.C:
			if !ping() {
				so.close()
				return
			}
		}
	}
}

func (so *socket) close() {
	so.once.Do(func() {
		close(so.done)
		_ = so.conn.Close()
	})
}

// readLoop takes the app's acks until the connection ends.
func (s *Server) readLoop(so *socket) {
	defer func() {
		so.close()
		s.mu.Lock()
		if s.socket == so {
			s.socket = nil
		}
		s.bump()
		s.mu.Unlock()
	}()
	for {
		_, data, err := so.conn.ReadMessage()
		if err != nil {
			return
		}
		var ack struct {
			EnvelopeID string `json:"envelope_id"`
		}
		if json.Unmarshal(data, &ack) != nil || ack.EnvelopeID == "" {
			continue
		}
		s.mu.Lock()
		s.acked[ack.EnvelopeID] = true
		s.bump()
		s.mu.Unlock()
	}
}

// enqueue records an envelope and sends it if a socket is open; the caller holds mu.
func (s *Server) enqueue(e *envelope) {
	s.envelopes = append(s.envelopes, e)
	if s.socket != nil {
		e.sent++
		s.socket.push(e.frame())
	}
	s.bump()
}

// DropSocket closes the websocket abruptly, as a network failure does.
func (s *Server) DropSocket() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.socket != nil {
		_ = s.socket.conn.UnderlyingConn().Close()
		s.socket.close()
		s.socket = nil
		s.bump()
	}
}

// StallSocket leaves the connection open but sends nothing more on it, pings included: a
// dead socket the app must notice by the missing pings.
func (s *Server) StallSocket() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.socket != nil {
		s.socket.mu.Lock()
		s.socket.stalled = true
		s.socket.mu.Unlock()
		s.socket = nil // envelopes from now on wait for the next connection
		s.bump()
	}
}

// Disconnect sends Slack's disconnect message; the app is expected to reconnect.
func (s *Server) Disconnect(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.socket != nil {
		js, _ := json.Marshal(map[string]any{"type": "disconnect", "reason": reason,
			"debug_info": map[string]any{"host": "fakeslack"}})
		s.socket.push(js)
	}
}
