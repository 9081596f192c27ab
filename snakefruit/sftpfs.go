package snakefruit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// sftpFS is the sftp:// transport. It keeps one connection, dials it on first use and again
// after it fails; an operation that finds a connection dead on first use retries once on a
// fresh one, so a restarted server costs no failed operation.
type sftpFS struct {
	addr    string // host:port
	user    string
	root    string
	dial    dialer
	display string

	// noRemoteHash is set once the account turned out unable to run sha256sum, so that
	// verification reads files back over SFTP without trying again.
	noRemoteHash atomic.Bool

	dialMu sync.Mutex // one dial at a time; the others wait for its connection
	mu     sync.Mutex
	conn   *sftpConn
	closed bool
}

type sftpConn struct {
	ssh  *ssh.Client
	sftp *sftp.Client
	aux  *sftp.Client  // a second session, for flushing while the first reads back
	dead chan struct{} // closed once the connection has ended, whoever ended it
}

func (c *sftpConn) isDead() bool {
	select {
	case <-c.dead:
		return true
	default:
		return false
	}
}

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

func newSFTPFS(u *url.URL, cfg Config) (fsys, error) {
	user := u.User.Username()
	if user == "" {
		return nil, &ConfigError{"target", "sftp:// needs a user, as in sftp://user@host/path"}
	}
	if _, hasPassword := u.User.Password(); hasPassword {
		return nil, &ConfigError{"target", "passwords are not supported; use ssh_key"}
	}
	if u.Hostname() == "" {
		return nil, &ConfigError{"target", "sftp:// needs a host"}
	}
	port := u.Port()
	if port == "" {
		port = "22"
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return nil, &ConfigError{"target", "bad port " + port}
	}
	root := path.Clean(u.Path)
	addr := net.JoinHostPort(u.Hostname(), port)
	d, err := newDialer(cfg, addr, user)
	if err != nil {
		return nil, err
	}
	return &sftpFS{
		addr:    addr,
		user:    user,
		root:    root,
		dial:    d,
		display: (&url.URL{Scheme: "sftp", User: url.User(user), Host: addr, Path: root}).String(),
	}, nil
}

// client returns the live connection, dialling one if needed; fresh tells the caller that a
// failure on it is not a stale connection's.
func (s *sftpFS) client(ctx context.Context) (c *sftpConn, fresh bool, err error) {
	if c, err := s.current(); c != nil || err != nil {
		return c, false, err
	}
	s.dialMu.Lock()
	defer s.dialMu.Unlock()
	if c, err := s.current(); c != nil || err != nil {
		return c, true, err
	}
	c, err = s.dial.dial(ctx)
	if err != nil {
		return nil, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		c.close()
		return nil, false, errClosed
	}
	s.conn = c
	return c, true, nil
}

var errClosed = errors.New("snakefruit: target is closed")

func (s *sftpFS) current() (*sftpConn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errClosed
	}
	if s.conn != nil && !s.conn.isDead() {
		return s.conn, nil
	}
	if s.conn != nil {
		s.conn.close()
		s.conn = nil
	}
	return nil, nil
}

func (s *sftpFS) drop(c *sftpConn) {
	s.mu.Lock()
	if s.conn == c {
		s.conn = nil
	}
	s.mu.Unlock()
	c.close()
}

// do runs fn on a live connection. Ending ctx closes the connection, since sftp calls take no
// context; a connection found dead is replaced and fn, which must be repeatable, runs again.
func (s *sftpFS) do(ctx context.Context, op string, fn func(*sftpConn) error) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		c, fresh, err := s.client(ctx)
		if err != nil {
			return err
		}
		stop := context.AfterFunc(ctx, func() { s.drop(c) })
		err = fn(c)
		if !stop() {
			return fmt.Errorf("%s: %w", op, ctx.Err())
		}
		if err == nil {
			return nil
		}
		if !errors.Is(err, sftp.ErrSSHFxConnectionLost) && !c.isDead() {
			return err
		}
		s.drop(c)
		if fresh || attempt > 0 {
			return &ConnError{Op: op, Err: err, Addr: s.addr}
		}
	}
}

func (s *sftpFS) path(name string) string { return path.Join(s.root, name) }

func (s *sftpFS) writeFile(ctx context.Context, name string, r io.ReadSeeker) (int64, landed, error) {
	var (
		sent int64
		got  landed
	)
	err := s.do(ctx, "upload "+name, func(c *sftpConn) error {
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return err
		}
		f, err := c.sftp.OpenFile(s.path(name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
		if err != nil {
			return err
		}
		defer f.Close()
		if sent, err = f.ReadFromWithConcurrency(contextReader{ctx, r}, 0); err != nil {
			return err
		}
		// The flush waits on the server's disk, the hash on a CPU (or the wire, when read
		// back): they run together, in separate server processes.
		var syncErr error
		var wg sync.WaitGroup
		wg.Go(func() { syncErr = syncFile(c.aux, s.path(name)) })
		got.size, got.sha256, err = s.landedHash(ctx, c, s.path(name))
		wg.Wait()
		if err == nil {
			err = syncErr
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	})
	return sent, got, err
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
func (s *sftpFS) landedHash(ctx context.Context, c *sftpConn, p string) (int64, string, error) {
	if !s.noRemoteHash.Load() {
		fi, err := c.sftp.Stat(p)
		if err != nil {
			return 0, "", err
		}
		if fi.Size() >= remoteHashMin {
			if sum, ok := remoteSHA256(ctx, c.ssh, p, fi.Size(), s.dial.timeout); ok {
				return fi.Size(), sum, nil
			}
			if ctx.Err() == nil && !c.isDead() {
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

func (s *sftpFS) hashFile(ctx context.Context, name string) (int64, string, error) {
	var (
		n   int64
		sum string
	)
	err := s.do(ctx, "hash "+name, func(c *sftpConn) error {
		var err error
		n, sum, err = s.landedHash(ctx, c, s.path(name))
		return err
	})
	return n, sum, err
}

func (s *sftpFS) readSmall(ctx context.Context, name string, limit int64) ([]byte, error) {
	var b []byte
	err := s.do(ctx, "read "+name, func(c *sftpConn) error {
		f, err := c.sftp.Open(s.path(name))
		if err != nil {
			return err
		}
		defer f.Close()
		b, err = readLimited(f, name, limit)
		return err
	})
	return b, err
}

func (s *sftpFS) size(ctx context.Context, name string) (int64, error) {
	var n int64
	err := s.do(ctx, "stat "+name, func(c *sftpConn) error {
		fi, err := c.sftp.Stat(s.path(name))
		if err == nil {
			n = fi.Size()
		}
		return err
	})
	return n, err
}

func (s *sftpFS) stat(ctx context.Context, name string) (fileStat, error) {
	var st fileStat
	err := s.do(ctx, "stat "+name, func(c *sftpConn) error {
		fi, err := c.sftp.Stat(s.path(name))
		if err == nil {
			st = fileStat{size: fi.Size(), mtime: fi.ModTime()}
		}
		return err
	})
	return st, err
}

func (s *sftpFS) rename(ctx context.Context, from, to string) error {
	return s.do(ctx, "rename "+from, func(c *sftpConn) error {
		// Plain SFTP rename refuses an existing target; posix-rename replaces it atomically.
		return posixRenameError(c.sftp.PosixRename(s.path(from), s.path(to)))
	})
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
	return s.do(ctx, "remove "+name, func(c *sftpConn) error { return c.sftp.Remove(s.path(name)) })
}

func (s *sftpFS) files(ctx context.Context, dir string) ([]File, error) {
	var out []File
	err := s.do(ctx, "list "+dir, func(c *sftpConn) error {
		entries, err := c.sftp.ReadDir(s.path(dir))
		if err != nil {
			return err
		}
		out = out[:0]
		for _, e := range entries {
			if e.Mode().IsRegular() {
				out = append(out, File{Name: e.Name(), Size: e.Size()})
			}
		}
		return nil
	})
	return out, err
}

func (s *sftpFS) String() string { return s.display }

func (s *sftpFS) Close() error {
	s.mu.Lock()
	c := s.conn
	s.conn, s.closed = nil, true
	s.mu.Unlock()
	if c != nil {
		c.close()
	}
	return nil
}
