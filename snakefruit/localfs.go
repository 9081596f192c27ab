package snakefruit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"stagebot/internal/writeback"
)

// localFS is the file:// transport: a folder on a local (or locally mounted) file system.
type localFS struct{ root string }

func (l localFS) path(name string) string { return filepath.Join(l.root, filepath.FromSlash(name)) }

func (l localFS) writeFile(ctx context.Context, name string, r io.ReadSeeker, pin time.Time) (int64, landed, error) {
	f, err := os.OpenFile(l.path(name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return 0, landed{}, err
	}
	defer f.Close()
	// Written back as it goes: a folder on the bot's own disk must not fill the page cache
	// with a click whose flush every bbolt commit would then wait for.
	n, err := io.Copy(writeback.New(f), contextReader{ctx, r})
	if err != nil {
		return n, landed{}, err
	}
	if !pin.IsZero() {
		if err := os.Chtimes(l.path(name), pin, pin); err != nil {
			return n, landed{}, err
		}
	}
	// Without the sync a power cut after the rename could leave the final name empty. It
	// waits on the disk while the read-back works the CPU, so they run together.
	var syncErr error
	var wg sync.WaitGroup
	wg.Go(func() { syncErr = f.Sync() })
	size, sum, err := l.hashFile(ctx, name)
	wg.Wait()
	if err == nil {
		err = syncErr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, landed{size, sum}, err
}

func (l localFS) hashFile(ctx context.Context, name string) (int64, string, error) {
	f, err := os.Open(l.path(name))
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, contextReader{ctx, f})
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

func (l localFS) readSmall(ctx context.Context, name string, limit int64) ([]byte, error) {
	f, err := os.Open(l.path(name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(f, name, limit)
}

func (l localFS) size(ctx context.Context, name string) (int64, error) {
	fi, err := os.Stat(l.path(name))
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

func (l localFS) stat(ctx context.Context, name string) (fileStat, error) {
	fi, err := os.Stat(l.path(name))
	if err != nil {
		return fileStat{}, err
	}
	return fileStat{size: fi.Size(), mtime: fi.ModTime()}, nil
}

func (l localFS) rename(ctx context.Context, from, to string) error {
	if err := os.Rename(l.path(from), l.path(to)); err != nil {
		return err
	}
	// The rename itself is only durable once the directory is.
	return syncDir(filepath.Dir(l.path(to)))
}

func (l localFS) remove(ctx context.Context, name string) error {
	return os.Remove(l.path(name))
}

func (l localFS) files(ctx context.Context, dir string) ([]File, error) {
	entries, err := os.ReadDir(l.path(dir))
	if err != nil {
		return nil, err
	}
	var out []File
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		out = append(out, File{Name: e.Name(), Size: fi.Size()})
	}
	return out, nil
}

func (l localFS) String() string { return "file://" + filepath.ToSlash(l.root) }
func (l localFS) Close() error   { return nil }

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func readLimited(r io.Reader, name string, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, kindf(kindListTooLarge, "%s is larger than %d bytes", name, limit)
	}
	return b, nil
}

// contextReader stops a long copy when ctx ends, for transports whose reads do not take one.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
