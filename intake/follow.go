package intake

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// Growing reads a download's copy while it is being written, at its own pace: a reader
// slower than the download (an upload to snakefruit) never holds the download back, and a
// faster one waits for the bytes. It ends with io.EOF once the download completed, or with
// the download's error.
type Growing struct {
	f   *os.File
	off int64

	mu   sync.Mutex
	n    int64         // bytes in the file so far
	done bool          // the download ended
	err  error         // why it failed, if it did
	wake chan struct{} // closed, and replaced, whenever n or done changes
}

// errAbandoned ends a Growing whose download failed without saying why.
var errAbandoned = errors.New("the download did not complete")

func newGrowing(name string) (*Growing, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	return &Growing{f: f, wake: make(chan struct{})}, nil
}

func (g *Growing) grew(n int) {
	g.mu.Lock()
	g.n += int64(n)
	close(g.wake)
	g.wake = make(chan struct{})
	g.mu.Unlock()
}

// end marks the download over: err nil means every byte is in the file.
func (g *Growing) end(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.done {
		return
	}
	if err == nil {
		err = io.EOF
	}
	g.done, g.err = true, err
	close(g.wake)
	g.wake = make(chan struct{})
}

// Read reads the next bytes, waiting for them while the download goes on.
func (g *Growing) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		g.mu.Lock()
		n, done, err, wake := g.n, g.done, g.err, g.wake
		g.mu.Unlock()
		if g.off < n {
			k, rerr := g.f.ReadAt(p[:min(int64(len(p)), n-g.off)], g.off)
			g.off += int64(k)
			if rerr == io.EOF && k > 0 {
				rerr = nil
			}
			return k, rerr
		}
		if done {
			return 0, err
		}
		// Fetch ends g however the download ends, so this wait is bounded by it.
		<-wake
	}
}

// Seek rewinds for a retry; only offsets already written, or the start, make sense.
func (g *Growing) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += g.off
	default:
		return g.off, fmt.Errorf("intake: a growing file seeks from its start only")
	}
	if offset < 0 {
		return g.off, fmt.Errorf("intake: seek to %d", offset)
	}
	g.off = offset
	return offset, nil
}

// Close releases the reader's handle; the download is unaffected.
func (g *Growing) Close() error { return g.f.Close() }

// growthWriter tells g about every byte written to w.
type growthWriter struct {
	w io.Writer
	g *Growing
}

func (gw growthWriter) Write(p []byte) (int, error) {
	n, err := gw.w.Write(p)
	gw.g.grew(n)
	return n, err
}
