package dendritetest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Front is a reverse proxy before a Server, for what Dendrite does not do by itself: it
// never rate-limits sending events, never answers M_USER_DEACTIVATED to a token, and is
// never slow in one room only. A Fault answers chosen requests in its stead, or holds them
// for a while; everything else passes through untouched. Give the bot Front.URL as its
// homeserver.
type Front struct {
	URL string

	srv     *httptest.Server
	closing chan struct{}

	mu       sync.Mutex
	faults   []*fault
	requests []Request
}

// Fault takes the requests Match accepts.
type Fault struct {
	Match func(*http.Request) bool
	// Times is how many requests the fault takes before it lapses; 0 = until removed.
	Times int
	// Delay holds each request taken this long, and Hold until it is closed (both when
	// both are set), before it is answered or passed on: a slow homeserver.
	Delay time.Duration
	Hold  <-chan struct{}
	// Reply answers a request taken without passing it on; nil passes it on.
	Reply *Reply
	// Took, if set, is called with each request taken, before any Delay or Hold: a test
	// knows a request is being held.
	Took func(*http.Request)
}

type fault struct {
	Fault
	left int // requests still to take; <0 = no limit
}

// Reply is an answer the Front makes up.
type Reply struct {
	Status int
	Header http.Header
	Body   any // sent as JSON
}

// LimitExceeded is Dendrite's own rate-limit answer: 429 M_LIMIT_EXCEEDED with
// retry_after_ms in the body.
func LimitExceeded(retryAfter time.Duration) *Reply {
	return &Reply{Status: http.StatusTooManyRequests, Body: map[string]any{
		"errcode":        "M_LIMIT_EXCEEDED",
		"error":          "Too many requests",
		"retry_after_ms": retryAfter.Milliseconds(),
	}}
}

// LimitExceededHeader is the rate-limit answer of newer servers (spec v1.10 on): 429
// M_LIMIT_EXCEEDED with the wait in a Retry-After header, in whole seconds rounded up,
// and no retry_after_ms.
func LimitExceededHeader(retryAfter time.Duration) *Reply {
	secs := int64((retryAfter + time.Second - 1) / time.Second)
	return &Reply{
		Status: http.StatusTooManyRequests,
		Header: http.Header{"Retry-After": {strconv.FormatInt(secs, 10)}},
		Body:   map[string]any{"errcode": "M_LIMIT_EXCEEDED", "error": "Too many requests"},
	}
}

// Refusal is a Matrix error answer, such as Refusal(403, "M_USER_DEACTIVATED", "...").
func Refusal(status int, errcode, message string) *Reply {
	return &Reply{Status: status, Body: map[string]any{"errcode": errcode, "error": message}}
}

// Request is one request the Front saw.
type Request struct {
	Method string
	Path   string    // decoded, without the query
	At     time.Time // when it arrived
	Status int       // the answer's status; 0 while unanswered, or if its client gave up
	Faked  bool      // answered by a Fault's Reply
}

// Front starts a proxy to the server; it closes, with every connection through it, when
// the test ends.
func (s *Server) Front(t testing.TB) *Front {
	t.Helper()
	target, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	f := &Front{closing: make(chan struct{})}
	proxy := httputil.NewSingleHostReverseProxy(target)
	// A request given up by its client (a /sync long-poll at the end of a test) is not an
	// error worth a log line.
	proxy.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		w.WriteHeader(http.StatusBadGateway)
	}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		i := len(f.requests)
		f.requests = append(f.requests, Request{Method: r.Method, Path: r.URL.Path, At: time.Now()})
		f.mu.Unlock()
		rw := &statusWriter{ResponseWriter: w}
		faked := f.serve(rw, r, proxy)
		f.mu.Lock()
		f.requests[i].Status, f.requests[i].Faked = rw.status, faked
		f.mu.Unlock()
	}))
	f.URL = f.srv.URL
	t.Cleanup(f.Close)
	return f
}

func (f *Front) serve(w *statusWriter, r *http.Request, next http.Handler) (faked bool) {
	ft := f.take(r)
	if ft == nil {
		next.ServeHTTP(w, r)
		return false
	}
	if ft.Took != nil {
		ft.Took(r)
	}
	if ft.Delay > 0 {
		select {
		case <-time.After(ft.Delay):
		case <-r.Context().Done():
			return false
		case <-f.closing:
			return false
		}
	}
	if ft.Hold != nil {
		select {
		case <-ft.Hold:
		case <-r.Context().Done():
			return false
		case <-f.closing:
			return false
		}
	}
	if ft.Reply == nil {
		next.ServeHTTP(w, r)
		return false
	}
	for k, v := range ft.Reply.Header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(ft.Reply.Status)
	_ = json.NewEncoder(w).Encode(ft.Reply.Body)
	return true
}

// take returns the first fault taking r, counting it, or nil.
func (f *Front) take(r *http.Request) *fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, ft := range f.faults {
		if !ft.Match(r) {
			continue
		}
		if ft.left > 0 {
			ft.left--
			if ft.left == 0 {
				f.faults = append(f.faults[:i:i], f.faults[i+1:]...)
			}
		}
		return ft
	}
	return nil
}

// Inject adds a fault, after those already there (the first that matches takes a
// request); remove takes it out before it lapses by itself.
func (f *Front) Inject(ft Fault) (remove func()) {
	x := &fault{Fault: ft, left: ft.Times}
	if ft.Times <= 0 {
		x.left = -1
	}
	f.mu.Lock()
	f.faults = append(f.faults, x)
	f.mu.Unlock()
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		for i, y := range f.faults {
			if y == x {
				f.faults = append(f.faults[:i:i], f.faults[i+1:]...)
				return
			}
		}
	}
}

// Requests returns the requests match accepts (nil: all), in the order they arrived.
func (f *Front) Requests(match func(Request) bool) []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Request
	for _, r := range f.requests {
		if match == nil || match(r) {
			out = append(out, r)
		}
	}
	return out
}

// Close ends every request through the Front, held ones and long polls too, and stops it.
func (f *Front) Close() {
	select {
	case <-f.closing:
		return
	default:
	}
	close(f.closing)
	f.srv.CloseClientConnections()
	f.srv.Close()
}

// statusWriter notes the status of an answer; 0 while none has been written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// SendsTo matches the requests sending a room event into roomID
// (PUT /_matrix/client/VERSION/rooms/ROOM/send/TYPE/TXN).
func SendsTo(roomID string) func(*http.Request) bool {
	return func(r *http.Request) bool {
		return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/rooms/"+roomID+"/send/") &&
			strings.HasPrefix(r.URL.Path, "/_matrix/client/")
	}
}

// Endpoint matches requests by method and the path after /_matrix/client/VERSION, such as
// Endpoint("GET", "/account/whoami").
func Endpoint(method, path string) func(*http.Request) bool {
	return func(r *http.Request) bool {
		rest, ok := strings.CutPrefix(r.URL.Path, "/_matrix/client/")
		if !ok || r.Method != method {
			return false
		}
		_, rest, _ = strings.Cut(rest, "/") // the version: v3, r0, unstable
		return "/"+rest == path
	}
}
