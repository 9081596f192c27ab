package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"
)

// stallServer serves a folder over HTTP, except the files named to stall: of those it
// sends the headers (the whole length) and a first part, then nothing more, until the
// client goes away. open counts the stalled responses whose client is still there.
type stallServer struct {
	base  string
	srv   *http.Server
	stall map[string]bool
	open  atomic.Int64
}

// stallPart is how much of a stalled file is sent: the download is under way, not
// waiting for its headers.
const stallPart = 16 << 10

func startStallServer(dir string, stall []string) (*stallServer, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &stallServer{base: "http://" + l.Addr().String() + "/", stall: map[string]bool{}}
	for _, n := range stall {
		s.stall[n] = true
	}
	files := http.FileServer(http.Dir(dir))
	s.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := filepath.Base(r.URL.Path)
		if !s.stall[name] {
			files.ServeHTTP(w, r)
			return
		}
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(st.Size()))
		w.Header().Set("Content-Type", "application/octet-stream")
		if _, err := io.CopyN(w, f, min(stallPart, st.Size()-1)); err != nil {
			return
		}
		w.(http.Flusher).Flush()
		s.open.Add(1)
		defer s.open.Add(-1)
		<-r.Context().Done() // the client left, or the server closed
	})}
	go s.srv.Serve(l)
	return s, nil
}

// await waits until n stalled responses are open.
func (s *stallServer) await(n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for s.open.Load() != int64(n) {
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d stalled responses open after %v", s.open.Load(), n, timeout)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return nil
}

func (s *stallServer) close() { s.srv.Close() }
