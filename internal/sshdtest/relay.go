package sshdtest

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// Relay forwards TCP connections to a server, passing what clients send at a fixed rate:
// over loopback an upload is otherwise over before a test can act while it runs. What the
// server sends back passes at once.
type Relay struct {
	Addr string // 127.0.0.1:port for clients

	ln       net.Listener
	upstream string
	rate     int // bytes per second, client to server

	mu     sync.Mutex
	conns  []net.Conn
	closed bool
	wg     sync.WaitGroup
}

// StartRelay listens on 127.0.0.1 and relays to upstream (host:port) at rate bytes a
// second; it closes, with every connection through it, when the test ends.
func StartRelay(t testing.TB, upstream string, rate int) *Relay {
	t.Helper()
	r, err := NewRelay(upstream, rate)
	if err != nil {
		t.Fatalf("sshdtest: relay: %v", err)
	}
	t.Cleanup(r.Close)
	return r
}

// NewRelay is StartRelay outside a test (a benchmark): the caller must Close it.
func NewRelay(upstream string, rate int) (*Relay, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &Relay{Addr: ln.Addr().String(), ln: ln, upstream: upstream, rate: rate}
	r.wg.Add(1)
	go r.accept()
	return r, nil
}

func (r *Relay) accept() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", r.upstream)
		if err != nil {
			c.Close()
			continue
		}
		if !r.track(c, up) {
			return
		}
		r.wg.Add(2)
		go func() {
			defer r.wg.Done()
			r.paced(up, c)
			up.Close()
		}()
		go func() {
			defer r.wg.Done()
			_, _ = io.Copy(c, up)
			c.Close()
		}()
	}
}

func (r *Relay) track(cs ...net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		for _, c := range cs {
			c.Close()
		}
		return false
	}
	r.conns = append(r.conns, cs...)
	return true
}

// paced copies src to dst no faster than the rate, in small steps so the pace is even.
func (r *Relay) paced(dst io.Writer, src io.Reader) {
	const step = 16 << 10
	buf := make([]byte, step)
	start := time.Now()
	var sent int64
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
			sent += int64(n)
			// Pacing, not waiting for a condition: the rate is the point.
			if ahead := time.Duration(sent)*time.Second/time.Duration(r.rate) - time.Since(start); ahead > 0 {
				time.Sleep(ahead)
			}
		}
		if err != nil {
			return
		}
	}
}

// Close stops relaying and closes every connection through the relay.
func (r *Relay) Close() {
	r.mu.Lock()
	r.closed = true
	conns := r.conns
	r.conns = nil
	r.mu.Unlock()
	r.ln.Close()
	for _, c := range conns {
		c.Close()
	}
	r.wg.Wait()
}
