package workflow

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// slowRelay forwards TCP connections to upstream, the client's bytes at about rate bytes a
// second: over loopback an upload is otherwise over before a test can act while it runs.
// What comes back is not slowed.
type slowRelay struct {
	Addr string

	upstream string
	rate     int
	ln       net.Listener
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    map[net.Conn]bool
}

func startSlowRelay(t *testing.T, upstream string, rate int) *slowRelay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &slowRelay{Addr: ln.Addr().String(), upstream: upstream, rate: rate, ln: ln, conns: map[net.Conn]bool{}}
	r.wg.Add(1)
	go r.accept()
	t.Cleanup(r.close)
	return r
}

func (r *slowRelay) accept() {
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
		// Small buffers, so that little of what the client sent waits in them.
		c.(*net.TCPConn).SetReadBuffer(64 << 10)
		up.(*net.TCPConn).SetWriteBuffer(64 << 10)
		if !r.track(c, up) {
			return
		}
		r.wg.Add(2)
		go func() {
			defer r.wg.Done()
			r.throttle(up, c)
			up.Close()
			c.Close()
		}()
		go func() {
			defer r.wg.Done()
			io.Copy(c, up)
			c.Close()
			up.Close()
		}()
	}
}

func (r *slowRelay) track(conns ...net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.conns == nil {
		for _, c := range conns {
			c.Close()
		}
		return false
	}
	for _, c := range conns {
		r.conns[c] = true
	}
	return true
}

// throttle copies src to dst in chunks of a fiftieth of a second's worth, each on its time.
func (r *slowRelay) throttle(dst io.Writer, src io.Reader) {
	buf := make([]byte, max(r.rate/50, 1))
	start, sent := time.Now(), 0
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
			sent += n
			switch ahead := time.Duration(sent)*time.Second/time.Duration(r.rate) - time.Since(start); {
			case ahead > 0:
				time.Sleep(ahead)
			case ahead < -20*time.Millisecond:
				start, sent = time.Now(), 0 // idle a while: no burst to make up for it
			}
		}
		if err != nil {
			return
		}
	}
}

func (r *slowRelay) close() {
	r.ln.Close()
	r.mu.Lock()
	for c := range r.conns {
		c.Close()
	}
	r.conns = nil
	r.mu.Unlock()
	r.wg.Wait()
}
