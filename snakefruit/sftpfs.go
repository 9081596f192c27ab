package snakefruit

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"path"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// sftpFS is the sftp:// transport: pkg/sftp over an SSH connection, as connections
// manages them (one taking operations at a time, each operation bounded by the server's
// silence, a caller leaving only its own operation).
type sftpFS struct {
	addr    string // host:port
	user    string
	root    string
	dial    dialer
	display string
	conns   *connections[*sftpConn]

	// noRemoteHash is set once the account turned out unable to run sha256sum, so that
	// verification reads files back over SFTP without trying again.
	noRemoteHash atomic.Bool
}

type sftpConn struct {
	ssh  *ssh.Client
	sftp *sftp.Client
	aux  *sftp.Client  // a second session, for flushing while the first reads back
	dead chan struct{} // closed once the connection has ended, whoever ended it
}

func (c *sftpConn) alive() bool {
	select {
	case <-c.dead:
		return false
	default:
		return true
	}
}

func (c *sftpConn) lost(err error) bool { return errors.Is(err, sftp.ErrSSHFxConnectionLost) }

// close ends the transport first: against a server that stopped reading, closing an sftp
// session first would queue its close message behind writes that never drain.
func (c *sftpConn) close() {
	_ = c.ssh.Close()
	for _, fc := range []*sftp.Client{c.aux, c.sftp} {
		if fc != nil {
			_ = fc.Close()
		}
	}
}

// newSFTPFS reaches the folder of u, which Config.Check found well formed.
func newSFTPFS(u *url.URL, cfg Config) (fsys, error) {
	user := u.User.Username()
	port := cmp.Or(u.Port(), "22")
	root := path.Clean(u.Path)
	addr := net.JoinHostPort(u.Hostname(), port)
	d, err := newDialer(cfg, addr, user)
	if err != nil {
		return nil, err
	}
	fs := &sftpFS{
		addr:    addr,
		user:    user,
		root:    root,
		dial:    d,
		display: (&url.URL{Scheme: "sftp", User: url.User(user), Host: addr, Path: root}).String(),
	}
	fs.conns = newConnections(d.dial, cfg.OpTimeout, realClock{}, addr)
	return fs, nil
}

func (s *sftpFS) path(name string) string { return path.Join(s.root, name) }

func (s *sftpFS) writeFile(ctx context.Context, name string, r io.ReadSeeker, pin time.Time) (int64, landed, error) {
	type result struct {
		sent int64
		got  landed
	}
	res, err := run(s.conns, ctx, "upload "+name, func(o *opRun, c *sftpConn) (res result, err error) {
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return res, err
		}
		f, err := c.sftp.OpenFile(s.path(name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
		if err != nil {
			return res, err
		}
		defer f.Close()
		if res.sent, err = f.ReadFromWithConcurrency(o.source(r), 0); err != nil {
			return res, err
		}
		if err := o.ctx.Err(); err != nil {
			return res, err
		}
		if !pin.IsZero() {
			if err := c.sftp.Chtimes(s.path(name), pin, pin); err != nil {
				return res, err
			}
		}
		// The flush waits on the server's disk, the hash on a CPU (or the wire, when read
		// back): they run together, in separate server processes.
		var syncErr error
		var wg sync.WaitGroup
		wg.Go(func() { syncErr = syncFile(c.aux, s.path(name)) })
		res.got.size, res.got.sha256, err = s.landedHash(o, c, s.path(name))
		wg.Wait()
		if err == nil {
			err = syncErr
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return res, err
	})
	return res.sent, res.got, err
}

// syncFile makes name's data durable through its own handle: fsync flushes the file, not
// only what was written through the handle it is called on.
func syncFile(c *sftp.Client, name string) error {
	f, err := c.OpenFile(name, os.O_WRONLY)
	if err != nil {
		return err
	}
	defer f.Close()
	err = f.Sync()
	var status *sftp.StatusError
	if errors.As(err, &status) && status.FxCode() == sftp.ErrSSHFxOpUnsupported {
		return nil // a server without fsync@openssh.com: the best it offers is close
	}
	return err
}

// landedHash returns the size and sha256 of what is stored at p: hashed by the server when
// the account may run sha256sum, else read back over SFTP.
func (s *sftpFS) landedHash(o *opRun, c *sftpConn, p string) (int64, string, error) {
	if !s.noRemoteHash.Load() {
		fi, err := c.sftp.Stat(p)
		if err != nil {
			return 0, "", err
		}
		if fi.Size() >= remoteHashMin {
			var (
				sum string
				ok  bool
			)
			// The command has a deadline of its own, by the file's size: hashing a large
			// file is not silence.
			o.offServer(func() { sum, ok = remoteSHA256(o.ctx, c.ssh, p, fi.Size(), s.dial.timeout) })
			if ok {
				return fi.Size(), sum, nil
			}
			if o.ctx.Err() == nil && c.alive() {
				s.noRemoteHash.Store(true)
			}
		}
	}
	return readBackHash(c.sftp, p)
}

func readBackHash(c *sftp.Client, name string) (int64, string, error) {
	f, err := c.Open(name)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	// WriteTo reads ahead concurrently, with bounded buffers.
	n, err := f.WriteTo(h)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// hashed is a file's size and sha256.
type hashed struct {
	size int64
	sum  string
}

func (s *sftpFS) hashFile(ctx context.Context, name string) (int64, string, error) {
	h, err := run(s.conns, ctx, "hash "+name, func(o *opRun, c *sftpConn) (h hashed, err error) {
		h.size, h.sum, err = s.landedHash(o, c, s.path(name))
		return h, err
	})
	return h.size, h.sum, err
}

func (s *sftpFS) readSmall(ctx context.Context, name string, limit int64) ([]byte, error) {
	return run(s.conns, ctx, "read "+name, func(o *opRun, c *sftpConn) ([]byte, error) {
		f, err := c.sftp.Open(s.path(name))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return readLimited(f, name, limit)
	})
}

func (s *sftpFS) size(ctx context.Context, name string) (int64, error) {
	st, err := s.stat(ctx, name)
	return st.size, err
}

func (s *sftpFS) stat(ctx context.Context, name string) (fileStat, error) {
	return run(s.conns, ctx, "stat "+name, func(o *opRun, c *sftpConn) (fileStat, error) {
		fi, err := c.sftp.Stat(s.path(name))
		if err != nil {
			return fileStat{}, err
		}
		return fileStat{size: fi.Size(), mtime: fi.ModTime()}, nil
	})
}

func (s *sftpFS) rename(ctx context.Context, from, to string) error {
	_, err := run(s.conns, ctx, "rename "+from, func(o *opRun, c *sftpConn) (struct{}, error) {
		// Plain SFTP rename refuses an existing target; posix-rename replaces it atomically.
		return struct{}{}, posixRenameError(c.sftp.PosixRename(s.path(from), s.path(to)))
	})
	return err
}

// posixRenameError says why a server that refuses posix-rename is of no use.
func posixRenameError(err error) error {
	var status *sftp.StatusError
	if errors.As(err, &status) && status.FxCode() == sftp.ErrSSHFxOpUnsupported {
		return kindf(kindNoPosixRename, "the server lacks posix-rename@openssh.com, needed to replace files atomically: %w", err)
	}
	return err
}

func (s *sftpFS) remove(ctx context.Context, name string) error {
	_, err := run(s.conns, ctx, "remove "+name, func(o *opRun, c *sftpConn) (struct{}, error) {
		return struct{}{}, c.sftp.Remove(s.path(name))
	})
	return err
}

func (s *sftpFS) files(ctx context.Context, dir string) ([]File, error) {
	return run(s.conns, ctx, "list "+dir, func(o *opRun, c *sftpConn) ([]File, error) {
		entries, err := c.sftp.ReadDir(s.path(dir))
		if err != nil {
			return nil, err
		}
		var out []File
		for _, e := range entries {
			if e.Mode().IsRegular() {
				out = append(out, File{Name: e.Name(), Size: e.Size()})
			}
		}
		return out, nil
	})
}

func (s *sftpFS) String() string { return s.display }

func (s *sftpFS) Close() error {
	s.conns.Close()
	return nil
}
