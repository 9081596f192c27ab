// Package asyncw moves a writer's work (a hash, a file) onto a goroutine of its own, so that
// one pass over a click can hash, check and store it on several cores at once. Small writes
// are gathered into large hand-offs (channel operations per 4 KiB read cost more than the
// hashing), and at most Buffers chunks are in flight, so memory stays bounded whatever the
// stream's size.
package asyncw

import "io"

const (
	// Buffers is how many chunks may wait for the writer.
	Buffers = 4
	// ChunkSize is the size of a hand-off.
	ChunkSize = 256 << 10
	// firstChunk keeps tiny streams (most clicks in tests) from costing a full chunk.
	firstChunk = 32 << 10
)

// Writer feeds w from its own goroutine.
type Writer struct {
	closed    bool
	allocated int
	cur       []byte
	full      chan []byte
	free      chan []byte
	done      chan struct{}
	err       error // the writer's first error; read only after done
	errc      chan error
}

// New starts the goroutine that writes to w.
func New(w io.Writer) *Writer {
	a := &Writer{
		full: make(chan []byte, Buffers),
		free: make(chan []byte, Buffers),
		done: make(chan struct{}),
		errc: make(chan error, 1),
	}
	go func() {
		defer close(a.done)
		var failed error
		for b := range a.full {
			if failed == nil {
				if _, err := w.Write(b); err != nil {
					failed = err
					a.errc <- err
				}
			}
			a.free <- b[:0]
		}
		a.err = failed
	}()
	return a
}

// Write copies p for the writer. It fails only once the writer has failed; what was
// written before that is lost with it.
func (a *Writer) Write(p []byte) (int, error) {
	select {
	case err := <-a.errc:
		a.errc <- err
		return 0, err
	default:
	}
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

func (a *Writer) buffer() []byte {
	select {
	case b := <-a.free:
		return b
	default:
	}
	if a.allocated < Buffers {
		a.allocated++
		if a.allocated == 1 {
			return make([]byte, 0, firstChunk)
		}
		return make([]byte, 0, ChunkSize)
	}
	return <-a.free
}

// Close waits until everything written has reached the writer and returns its first
// error. Later calls return the same.
func (a *Writer) Close() error {
	if !a.closed {
		a.closed = true
		if len(a.cur) > 0 {
			a.full <- a.cur
			a.cur = nil
		}
		close(a.full)
	}
	<-a.done
	return a.err
}

// Group runs each writer in its own goroutine: one goroutine feeding several hashes through
// io.MultiWriter used a single core for all of them.
type Group []*Writer

// NewGroup starts one Writer per w.
func NewGroup(ws ...io.Writer) Group {
	g := make(Group, len(ws))
	for i, w := range ws {
		g[i] = New(w)
	}
	return g
}

// Write hands p to every writer.
func (g Group) Write(p []byte) (int, error) {
	for _, a := range g {
		if _, err := a.Write(p); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Close waits for every writer and returns the first error.
func (g Group) Close() error {
	var first error
	for _, a := range g {
		if err := a.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
