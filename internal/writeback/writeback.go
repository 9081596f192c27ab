// Package writeback keeps a big file's dirty pages few while it is written.
//
// A download of a large click writes hundreds of megabytes to the same file system as the
// bbolt database. Left to the kernel, those pages stay dirty until the background threshold
// (a tenth of memory) and then ext4's journal commit, which every bbolt fsync waits for, has
// to flush them first: measured here, a bbolt commit beside two 20 MiB/s downloads took up
// to 700 ms instead of 1 ms, and an approval's announcement waited for it. Writing the file
// back as it goes (start writeback of each chunk, wait for the one before) keeps what a
// commit may have to flush to about two chunks, at the cost of the writer waiting for the
// disk, which is far faster than any download.
//
// Written back is not yet durable: the disk (a virtual one above all) keeps what it was
// given in its write cache until someone flushes it, and the next fsync, bbolt's, pays for
// all of it. Measured here with four 20 MiB/s streams (two downloads, two pre-uploads), a
// bbolt-sized commit made 2.5 s after the one before took 75 to 193 ms: the disk had 200 MiB
// to flush first. So each chunk handed to writeback also asks for a flush of the disk's
// cache, made by one background flusher so that no writer waits for it: the same commit
// then took 0.5 to 1.1 ms.
package writeback

import (
	"io"
	"os"
	"sync"
	"sync/atomic"
)

// Chunk is how much is written between writeback steps.
const Chunk = 8 << 20

// File writes to f and writes it back to disk behind itself. Writes must be sequential from
// f's current offset, as a download's are.
type File struct {
	f *os.File
	// written counts bytes written through File; flushed, bytes already handed to writeback.
	written, flushed int64
	base             int64
}

// New writes to f from its current offset.
func New(f *os.File) *File {
	base, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		base = 0
	}
	return &File{f: f, base: base}
}

// Write writes p and, each Chunk, starts writing back the last chunk, waits for the chunk
// before it and asks for the disk's cache to be flushed.
func (w *File) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.written += int64(n)
	for err == nil && w.written-w.flushed >= Chunk {
		err = w.step(w.base+w.flushed, Chunk)
		w.flushed += Chunk
		askFlush(w.f)
	}
	return n, err
}

// flushes holds at most one file waiting for the flusher. An ask that finds it full is
// dropped: one flush empties the disk's whole write cache, whichever file it is made on.
var (
	flushes      = make(chan *os.File, 1)
	flusherStart sync.Once
	// syncFile makes the flush (tests replace it). A file closed by then is no harm:
	// *os.File refuses the call instead of reaching a reused descriptor.
	syncFile atomic.Pointer[func(*os.File) error]
)

func init() {
	sync := (*os.File).Sync
	syncFile.Store(&sync)
}

// askFlush hands f to the flusher without waiting. The flusher is one goroutine for the
// whole process, idle between downloads, because what it flushes is the disk's, not a file's.
func askFlush(f *os.File) {
	flusherStart.Do(func() {
		go func() {
			for f := range flushes {
				_ = (*syncFile.Load())(f) // a flush that fails leaves only the next commit slower
			}
		}()
	})
	select {
	case flushes <- f:
	default:
	}
}
