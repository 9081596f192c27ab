package click

import "io"

// asyncWriter feeds a writer (here: hashes) from its own goroutine, so that the five
// digests a click needs (two of the file, three candidates for the signature) run on
// other cores than inflating and md5-summing the data. It holds at most asyncBuffers
// chunks, so memory stays bounded whatever the click's size.
type asyncWriter struct {
	closed    bool
	allocated int // buffers are made on demand: most clicks inspected in tests are tiny
	full      chan []byte
	free      chan []byte
	done      chan struct{}
}

const (
	asyncBuffers   = 4
	asyncChunkSize = 64 << 10
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
			a.free <- b[:cap(b)]
		}
	}()
	return a
}

func (a *asyncWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		var b []byte
		select {
		case b = <-a.free:
		default:
			if a.allocated < asyncBuffers {
				a.allocated++
				b = make([]byte, min(len(p), asyncChunkSize))
			} else {
				b = <-a.free
			}
		}
		b = b[:cap(b)]
		c := copy(b, p)
		a.full <- b[:c]
		p = p[c:]
	}
	return n, nil
}

// Close waits until everything written has reached the writer, which may be read after.
// Later calls do nothing, so it can be deferred as well as called.
func (a *asyncWriter) Close() {
	if a.closed {
		return
	}
	a.closed = true
	close(a.full)
	<-a.done
}
