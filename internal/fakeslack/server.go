// Package fakeslack is a Slack workspace in a test process: the Web API methods stagebot
// uses, file downloads from the API host, and Socket Mode over a real websocket (hello,
// pings, envelopes that stay outstanding until acked and are sent again after a reconnect,
// as Slack does). Payloads follow Slack's documented shapes, so slack-go parses them the
// way it parses Slack's. Test controls inject events, read what the bot posted, drop the
// socket, throttle methods with 429, rate-limit one channel and hold calls unanswered.
package fakeslack

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Tokens the fake accepts.
const (
	BotToken = "xoxb-fake-bot-token"
	AppToken = "xapp-fake-app-token"
	TeamID   = "T0FAKE"
	BotUser  = "UBOT"
	BotID    = "BBOT"
	AppID    = "A0FAKE"
)

// Message is one message in a channel, as the fake stores it.
type Message struct {
	Channel  string
	TS       string
	ThreadTS string // "" for a top-level message
	User     string // the author's user ID (BotUser for the bot)
	BotID    string
	Text     string
	Blocks   string // JSON as posted, "" when none
	Files    []string
	// Edits are the texts chat.update set, in order; Text is the latest.
	Edits []string
}

// Ephemeral is a chat.postEphemeral call.
type Ephemeral struct {
	Channel, User, Text, ThreadTS string
}

// File is an uploaded file.
type File struct {
	ID      string
	Name    string
	Content []byte
	// NotReady: files.info answers without url_private_download, as for an upload Slack
	// is still processing.
	NotReady bool
	Deleted  bool
	// DownloadGone: files.info still describes the file but its download answers 404, as
	// for a file deleted between the two calls.
	DownloadGone bool
	// Size is what files.info reports; 0 = the content's length. A smaller one is a file
	// whose metadata understates it, so only reading can tell.
	Size int
	// Trickle is a pause before each 32 KiB chunk of a download after the first: a download
	// that takes its time without stalling.
	Trickle time.Duration
}

// User is a workspace member.
type User struct {
	ID, Name, RealName, DisplayName string
}

// Server is the fake workspace.
type Server struct {
	t   testing.TB
	srv *httptest.Server

	// PingInterval is how often the socket is pinged (set before the first connection).
	PingInterval time.Duration

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced on every change, for Await
	nextTS    int64
	nextID    int
	messages  []*Message
	ephemeral []Ephemeral
	files     map[string]*File
	users     map[string]User
	calls     map[string]int
	served    map[string]int64 // file ID -> bytes of its content written to the bot
	downloads int              // file downloads being served now
	throttle  map[string]time.Time
	socket    *socket
	conns     int // websocket connections made
	envelopes []*envelope
	acked     map[string]bool
	failOpen  int                 // apps.connections.open calls still to fail
	cutAfter  time.Duration       // > 0: every connection is cut this long after its hello
	refuse    map[string]string   // channel -> the error every write to it gets
	revoked   map[string]string   // token -> the error every call made with it gets
	refusals  map[string]int      // channel -> writes refused
	slashes   map[string]Response // trigger_id -> the slash command's invoker
	responses []Response          // messages sent to response_urls
	homes     map[string]*Home    // user -> their App Home
	holds     map[holdKey]*hold   // calls kept waiting (Hold)
	limited   map[string]bool     // channels whose writes answer 429 (RateLimit)
	// rateLimited counts, by channel, the writes RateLimit answered with 429.
	rateLimited map[string]int
	closed      chan struct{} // closed by Close: held calls give up
	closeOnce   sync.Once
}

// Start runs a fake workspace until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, PingInterval: 2 * time.Second, changed: make(chan struct{}),
		nextTS: time.Now().Unix()*1_000_000 + 100, files: map[string]*File{}, users: map[string]User{},
		calls: map[string]int{}, served: map[string]int64{}, throttle: map[string]time.Time{}, acked: map[string]bool{},
		refuse: map[string]string{}, revoked: map[string]string{}, refusals: map[string]int{}, slashes: map[string]Response{},
		homes: map[string]*Home{}, holds: map[holdKey]*hold{}, limited: map[string]bool{},
		rateLimited: map[string]int{}, closed: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/files-pri/", s.serveFile)
	mux.HandleFunc("/link/", s.serveSocket)
	mux.HandleFunc("/commands/", s.serveResponse)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// APIURL is what slack.OptionAPIURL (or slack.api_url) takes.
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// Close stops the server and the socket.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
	s.DropSocket()
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// bump wakes everything waiting in Await; the caller holds mu.
func (s *Server) bump() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Await blocks until cond, called under the server's lock, holds, and fails the test after
// timeout. It wakes on every change the fake sees, so tests wait on facts, not on time.
func (s *Server) Await(timeout time.Duration, what string, cond func(v View) bool) {
	s.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ok := cond(View{s})
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			s.t.Fatalf("fakeslack: timed out after %s waiting for %s\n%s", timeout, what, s.Dump())
		}
	}
}

// View reads the fake's state inside Await or Read.
type View struct{ s *Server }

// Read runs fn with a consistent view of the state.
func (s *Server) Read(fn func(v View)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(View{s})
}

// Posts are the bot's messages in the order Slack accepted them (thread replies included).
func (v View) Posts() []Message {
	var out []Message
	for _, m := range v.s.messages {
		if m.User == BotUser {
			out = append(out, *m)
		}
	}
	return out
}

// Message finds a message by channel and ts.
func (v View) Message(channel, ts string) (Message, bool) {
	if m := v.s.find(channel, ts); m != nil {
		return *m, true
	}
	return Message{}, false
}

// Ephemerals are the chat.postEphemeral calls in order.
func (v View) Ephemerals() []Ephemeral { return append([]Ephemeral(nil), v.s.ephemeral...) }

// Calls counts calls to a Web API method, 429 answers included.
func (v View) Calls(method string) int { return v.s.calls[method] }

// Served counts the bytes of file id's content handed to downloads so far: each chunk is
// counted just before it is written, so the count never lags what the client has read (it
// may include bytes still in socket buffers, unread, or a chunk whose write failed).
func (v View) Served(id string) int64 { return v.s.served[id] }

// DownloadsActive counts file downloads the fake is still serving.
func (v View) DownloadsActive() int { return v.s.downloads }

// Connections counts websocket connections made so far.
func (v View) Connections() int { return v.s.conns }

// Connected reports whether a socket is open now.
func (v View) Connected() bool { return v.s.socket != nil }

// Unacked counts envelopes sent but not acked.
func (v View) Unacked() int {
	n := 0
	for _, e := range v.s.envelopes {
		if !v.s.acked[e.ID] {
			n++
		}
	}
	return n
}

// Dump describes the state, for failure messages.
func (s *Server) Dump() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "connections=%d connected=%v\n", s.conns, s.socket != nil)
	for _, m := range s.messages {
		fmt.Fprintf(&b, "  %s %s thread=%q user=%s: %q", m.Channel, m.TS, m.ThreadTS, m.User, m.Text)
		if len(m.Edits) > 0 {
			fmt.Fprintf(&b, " (edited %d times)", len(m.Edits))
		}
		b.WriteByte('\n')
	}
	for _, e := range s.ephemeral {
		fmt.Fprintf(&b, "  ephemeral to %s in %s: %q\n", e.User, e.Channel, e.Text)
	}
	for _, r := range s.responses {
		fmt.Fprintf(&b, "  %s response to %s in %s: %q\n", r.ResponseType, r.User, r.Channel, r.Text)
	}
	return b.String()
}

// AddUser adds a workspace member users.info knows.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// AddFile uploads a file; share it with SayWithFiles.
func (s *Server) AddFile(f File) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := f
	s.files[f.ID] = &cp
	s.bump()
}

// SetFile changes a file's availability (NotReady, Deleted).
func (s *Server) SetFile(id string, fn func(f *File)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s.files[id])
	s.bump()
}

// CutAfterHello cuts every connection from now on d after its hello (0 = never), as a
// network that drops each socket soon after it opens: every connection succeeds, briefly.
func (s *Server) CutAfterHello(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cutAfter = d
}

// Refuse makes every write to channel (chat.postMessage, chat.update, chat.postEphemeral)
// fail with Slack's error code, as for a channel archived (is_archived), one the bot is not a
// member of (not_in_channel) or one deleted (channel_not_found); "" lets writes through again.
func (s *Server) Refuse(channel, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.bump()
	if code == "" {
		delete(s.refuse, channel)
		return
	}
	s.refuse[channel] = code
}

// Revoke makes every call made with token (BotToken or AppToken) fail from now on with
// Slack's error code, as for a token revoked (token_revoked) or its account deactivated
// (account_inactive) while the bot runs.
func (s *Server) Revoke(token, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.bump()
	s.revoked[token] = code
}

// Refusals counts the writes to channel that Refuse turned away.
func (v View) Refusals(channel string) int { return v.s.refusals[channel] }

// Throttle answers 429 to method for d (Retry-After in whole seconds, at least 1).
func (s *Server) Throttle(method string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle[method] = time.Now().Add(d)
}

// FailConnectionOpen makes the next n apps.connections.open calls fail, as during an outage.
func (s *Server) FailConnectionOpen(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failOpen = n
}

// newTS returns a fresh, increasing message timestamp; the caller holds mu.
func (s *Server) newTS() string {
	s.nextTS++
	return fmt.Sprintf("%d.%06d", s.nextTS/1_000_000, s.nextTS%1_000_000)
}

func (s *Server) newID(prefix string) string {
	s.nextID++
	return fmt.Sprintf("%s%08d", prefix, s.nextID)
}

func (s *Server) find(channel, ts string) *Message {
	for _, m := range s.messages {
		if m.Channel == channel && m.TS == ts {
			return m
		}
	}
	return nil
}
