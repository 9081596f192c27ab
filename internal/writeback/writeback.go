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
package writeback

import (
	"io"
	"os"
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

// Write writes p and, each Chunk, starts writing back the last chunk and waits for the
// chunk before it.
func (w *File) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.written += int64(n)
	for err == nil && w.written-w.flushed >= Chunk {
		err = w.step(w.base+w.flushed, Chunk)
		w.flushed += Chunk
	}
	return n, err
}
