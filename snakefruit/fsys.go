package snakefruit

import (
	"context"
	"io"
	"time"
)

// fsys is what a transport must offer for target to keep the folder's rules. Names are
// slash-separated and relative to the folder. A missing file is reported as an error
// matching fs.ErrNotExist.
type fsys interface {
	// writeFile creates or truncates name, copies r into it, makes it durable and reads it
	// back: it returns the bytes sent and what landed. r may be rewound and read again on a
	// retry. A non-zero pin becomes the file's modification time before it is read back,
	// so that a change made to it after that shows in its modification time, however fine
	// or coarse the server keeps it.
	writeFile(ctx context.Context, name string, r io.ReadSeeker, pin time.Time) (sent int64, got landed, err error)
	// hashFile returns the size and the lowercase hex sha256 of name's content.
	hashFile(ctx context.Context, name string) (int64, string, error)
	// readSmall returns name's whole content, refusing more than limit bytes.
	readSmall(ctx context.Context, name string, limit int64) ([]byte, error)
	// size returns name's size.
	size(ctx context.Context, name string) (int64, error)
	// stat returns name's size and modification time (as the server keeps it).
	stat(ctx context.Context, name string) (fileStat, error)
	// rename moves from over to atomically: to is the old or the new file, never absent.
	rename(ctx context.Context, from, to string) error
	remove(ctx context.Context, name string) error
	// files lists the regular files in dir ("." for the folder).
	files(ctx context.Context, dir string) ([]File, error)
	String() string
	Close() error
}

// landed is what a write left on the far side, as read back from there.
type landed struct {
	size   int64
	sha256 string // lowercase hex
}

// fileStat is what stat reports of a file.
type fileStat struct {
	size  int64
	mtime time.Time
}
