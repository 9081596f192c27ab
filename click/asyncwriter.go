package click

import "io"

// asyncWriter feeds a writer (here: one hash) from its own goroutine, so that the digests a
// click needs (two of the file, and the signature's candidates when a keyring is set) run
// on other cores than inflating and md5-summing the data, and on each other's. It holds at
// most asyncBuffers chunks, so memory stays bounded whatever the click's size.
type asyncWriter struct {
	closed    bool
	allocated int    // buffers are made on demand: most clicks inspected in tests are tiny
	cur       []byte // the buffer being filled: small writes are gathered before a hand-off
	full      chan []byte
	free      chan []byte
	done      chan struct{}
}

const (
	asyncBuffers   = 4
	asyncChunkSize = 256 << 10 // large enough that channel hand-offs cost little per byte
)

func newAsyncWriter(w io.Writer) *asyncWriter {
	a := &asyncWriter{
		full: make(chan []byte, asyncBuffers),
		free: make(chan []byte, asyncBuffers),
		done: make(chan struct{}),
	}
	go func() {
		defer close(a.done)
		for b := range a.full {
			w.Write(b) // hash.Hash writes never fail
			a.free <- b[:0]
		}
	}()
	return a
}

func (a *asyncWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if a.cur == nil {
			a.cur = a.buffer()
		}
		c := copy(a.cur[len(a.cur):cap(a.cur)], p)
		a.cur = a.cur[:len(a.cur)+c]
		p = p[c:]
		if len(a.cur) == cap(a.cur) {
			a.full <- a.cur
			a.cur = nil
		}
	}
	return n, nil
}

func (a *asyncWriter) buffer() []byte {
	select {
	case b := <-a.free:
		return b
	default:
	}
	if a.allocated < asyncBuffers {
		a.allocated++
		// The first buffer starts small so a tiny click costs little memory; later
		// ones get the full size.
		size := asyncChunkSize
		if a.allocated == 1 {
			size = 32 << 10
		}
		return make([]byte, 0, size)
	}
	return <-a.free
}

// Close waits until everything written has reached the writer, which may be read after.
// Later calls do nothing, so it can be deferred as well as called.
func (a *asyncWriter) Close() {
	if a.closed {
		return
	}
	a.closed = true
	if len(a.cur) > 0 {
		a.full <- a.cur
		a.cur = nil
	}
	close(a.full)
	<-a.done
}

// hashGroup runs each hash in its own goroutine: one goroutine feeding several hashes
// through io.MultiWriter used a single core for all of them.
type hashGroup []*asyncWriter

func newHashGroup(hs ...io.Writer) hashGroup {
	g := make(hashGroup, len(hs))
	for i, h := range hs {
		g[i] = newAsyncWriter(h)
	}
	return g
}

func (g hashGroup) Write(p []byte) (int, error) {
	for _, a := range g {
		a.Write(p)
	}
	return len(p), nil
}

// Close waits for every hash to have consumed what was written.
func (g hashGroup) Close() {
	for _, a := range g {
		a.Close()
	}
}
