package writeback

import (
	"errors"

	"golang.org/x/sys/unix"
)

// step starts writeback of [off, off+n) and waits for the chunk before it: the pattern the
// kernel's own documentation of sync_file_range suggests for streaming writes. Neither call
// flushes metadata or the journal, so it costs bbolt nothing.
func (w *File) step(off, n int64) error {
	fd := int(w.f.Fd())
	if err := unix.SyncFileRange(fd, off, n, unix.SYNC_FILE_RANGE_WRITE); err != nil {
		return ignoreUnsupported(err)
	}
	if off < n {
		return nil
	}
	err := unix.SyncFileRange(fd, off-n, n, unix.SYNC_FILE_RANGE_WAIT_BEFORE|unix.SYNC_FILE_RANGE_WRITE|unix.SYNC_FILE_RANGE_WAIT_AFTER)
	return ignoreUnsupported(err)
}

// ignoreUnsupported treats a file system without sync_file_range (some FUSE, tmpfs in
// old kernels) like any other: the writeback is an optimisation, never a reason to fail.
func ignoreUnsupported(err error) error {
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ESPIPE) {
		return nil
	}
	return err
}
