package watch_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// docServer serves documents a test swaps at will, with ETags and 304s as a real server
// (Apache, nginx) gives them, and counts what it served so a test knows a poll happened.
type docServer struct {
	*httptest.Server
	mu     sync.Mutex
	docs   map[string]string
	served map[string]int // full responses and 304s, per path
	change chan struct{}
}

func newDocServer(t *testing.T) *docServer {
	t.Helper()
	s := &docServer{docs: map[string]string{}, served: map[string]int{}, change: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *docServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	doc, ok := s.docs[r.URL.Path]
	s.served[r.URL.Path]++
	close(s.change)
	s.change = make(chan struct{})
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256([]byte(doc))
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write([]byte(doc))
}

// set replaces a document and returns how often its path had been served by then.
func (s *docServer) set(path, doc string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docs[path] = doc
	return s.served[path]
}

// awaitServed waits until path was served more than n times, plus once more so the poll
// that fetched it has finished judging it (polls of one watcher run one after another).
func (s *docServer) awaitServed(t *testing.T, path string, n int) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		s.mu.Lock()
		got, change := s.served[path], s.change
		s.mu.Unlock()
		if got > n+1 {
			return
		}
		select {
		case <-change:
		case <-deadline:
			t.Fatalf("%s served %d times; waited for more than %d", path, got, n+1)
		}
	}
}
